// Host commands over the API (`berth shell`): a caller files a request in the approval queue and waits for a
// person's decision — or learns at once that a trusted pattern allows or denies it — and once approved the command
// runs on the server's host in a pty, its output streamed back (newline-delimited JSON) with its exit code. The
// server is the request's caller: it files and runs it, and a client that goes away cancels a pending request or
// ends a running command. A caller acting as an agent files as that agent and sees only that agent's requests.
import { StringDecoder } from 'node:string_decoder';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerContext } from './context.js';
import { errorResponses, HttpError } from './errors.js';
import { ndjson, NDJSON } from './ndjson.js';
import { callerAgent } from './room-query.js';
import {
  APPROVAL_STATUSES,
  ApprovalQueue,
  CancelledError,
  endApprovedRun,
  fileShellRequest,
  NotFoundError,
  parseEnvList,
  startApprovedRun,
  type ApprovalRequest,
  type Runtime,
} from './runtime.js';


const requestSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    status: { type: 'string', description: 'pending, approved, denied, expired or cancelled' },
    agent: { type: 'string' },
    room: { type: ['string', 'null'] },
    kind: { type: 'string', enum: ['argv', 'script'] },
    command: { type: 'array', items: { type: 'string' }, description: 'Exactly what is spawned' },
    cwd: { type: 'string' },
    env_added: { type: 'object', additionalProperties: { type: 'string' } },
    created_at: { type: 'string' },
    expires_at: { type: 'string' },
    decided_by: { type: ['string', 'null'] },
    decided_via: { type: ['string', 'null'] },
    reason: { type: ['string', 'null'] },
    exit_code: { type: ['integer', 'null'] },
    end_reason: { type: ['string', 'null'] },
  },
} as const;

function present(r: ApprovalRequest) {
  return {
    id: r.id,
    status: r.status,
    agent: r.agent,
    room: r.room,
    kind: r.kind,
    command: r.command,
    cwd: r.cwd,
    env_added: r.envAdded,
    created_at: r.createdAt,
    expires_at: r.expiresAt,
    decided_by: r.decidedBy,
    decided_via: r.decidedVia,
    reason: r.reason,
    exit_code: r.exitCode,
    end_reason: r.endReason,
  };
}

interface FileBody {
  argv?: string[];
  script?: string;
  cwd?: string;
  env?: Record<string, string>;
  timeout?: number;
  agent?: string;
  room?: string;
}

/** The caller's own request; another agent's is as unknown as a missing one. */
function ownRequest(rt: Runtime, req: FastifyRequest, id: number): ApprovalRequest {
  const r = new ApprovalQueue(rt).get(id);
  const agent = callerAgent(req);
  if (agent && r.agent !== agent) throw new NotFoundError(`approval request ${id} not found`);
  return r;
}

export const DEFAULT_DECISION_TIMEOUT_S = 600;

export function hostCommandRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Body: FileBody }>(
    '/v1/host-commands',
    {
      config: { grant: 'approvals:request' },
      schema: {
        summary: 'Ask a person to run a command on the host: wait for the decision, then stream the output and exit code',
        description:
          'The answer streams newline-delimited JSON: {"type":"request","request":{...}} at once (status pending, or already decided by a trusted pattern), {"type":"decision","status","decided_by","decided_via","reason"}, and once approved {"type":"output","data"} as the command writes, then {"type":"exit","exit_code"}. A denied or expired request ends after its decision. Closing the connection cancels a pending request and ends a running command.',
        tags: ['host-commands'],
        body: {
          type: 'object',
          additionalProperties: false,
          oneOf: [{ required: ['argv'] }, { required: ['script'] }],
          properties: {
            argv: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'The command and its arguments' },
            script: { type: 'string', minLength: 1, description: 'Script text run by bash --norc --noprofile -c' },
            cwd: { type: 'string', minLength: 1, description: "Directory to run in (default: the server's)" },
            env: { type: 'object', additionalProperties: { type: 'string' }, description: 'Added to the environment, shown to the person' },
            timeout: { type: 'number', exclusiveMinimum: 0, maximum: 86400, default: DEFAULT_DECISION_TIMEOUT_S, description: 'Seconds to wait for a decision' },
            agent: { type: 'string', minLength: 1, description: 'Who asks: an admin user names the agent; a caller acting as an agent is that agent' },
            room: { type: 'string', minLength: 1, description: 'Room whose trusted patterns apply' },
          },
        },
        produces: [NDJSON],
        response: { 200: { type: 'string', description: 'newline-delimited JSON events' }, ...errorResponses },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const own = callerAgent(req);
      if (own && b.agent !== undefined && b.agent !== own) throw new HttpError(403, 'forbidden', `a caller acting as agent "${own}" cannot ask as "${b.agent}"`);
      const rt = req.rt;
      const agent = own ?? b.agent ?? (rt.env.BERTH_AGENT || (await rt.setting('defaultAgent')));
      // Filed before the answer starts, so a refused request (a secret in it, an unknown cwd) is an ordinary error.
      const filed = await fileShellRequest(rt, {
        agent,
        ...(b.room ? { room: b.room } : {}),
        ...(b.script !== undefined ? { script: b.script } : { argv: b.argv }),
        cwd: b.cwd,
        env: parseEnvList(Object.entries(b.env ?? {}).map(([k, v]) => `${k}=${v}`)),
        timeoutMs: (b.timeout ?? DEFAULT_DECISION_TIMEOUT_S) * 1000,
        callerEnv: rt.env,
      });
      const queue = new ApprovalQueue(rt);
      return ndjson(req, reply, ctx.shutdown, async (send, signal) => {
        send({ type: 'request', request: present(filed) });
        let decided = filed;
        if (decided.status === 'pending') {
          try {
            decided = await queue.waitForDecision(filed.id, { signal });
          } catch (err) {
            if (signal.aborted) {
              queue.cancel(filed.id, 'the API client went away while waiting');
              throw new CancelledError(`request ${filed.id} cancelled: the client went away`);
            }
            throw err;
          }
        }
        send({ type: 'decision', status: decided.status, decided_by: decided.decidedBy, decided_via: decided.decidedVia, reason: decided.reason });
        if (decided.status !== 'approved') return;
        const run = await startApprovedRun(rt, decided, { cols: 200, rows: 50 });
        const decoder = new StringDecoder('utf8');
        let heldCr = false;
        // No input reaches the command (it reads end-of-file); the pty's \r\n become \n.
        const offData = run.session.onData((chunk) => {
          let text = (heldCr ? '\r' : '') + decoder.write(chunk);
          heldCr = text.endsWith('\r');
          if (heldCr) text = text.slice(0, -1);
          if (text) send({ type: 'output', data: text.replace(/\r\n/g, '\n') });
        });
        run.session.sendInput('\x04');
        const onAbort = () => void endApprovedRun(run, 'SIGTERM');
        signal.addEventListener('abort', onAbort, { once: true });
        try {
          const code = await run.done;
          if (heldCr) send({ type: 'output', data: '\r' });
          return { type: 'exit', exit_code: code };
        } finally {
          offData();
          signal.removeEventListener('abort', onAbort);
        }
      });
    },
  );

  app.get<{ Querystring: { status?: string[]; limit: number } }>(
    '/v1/host-commands',
    {
      config: { grant: 'approvals:request' },
      schema: {
        summary: "Host command requests, oldest first: a caller acting as an agent sees only that agent's",
        tags: ['host-commands'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'array', items: { type: 'string', enum: [...APPROVAL_STATUSES] }, description: 'Only these statuses (repeat the parameter)' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100, description: 'The newest this many' },
          },
        },
        response: { 200: { type: 'object', properties: { requests: { type: 'array', items: requestSchema } } }, ...errorResponses },
      },
    },
    async (req) => {
      const agent = callerAgent(req);
      const status = (req.query.status ?? []) as ApprovalRequest['status'][];
      const list = new ApprovalQueue(req.rt).list({ ...(agent ? { agent } : {}), ...(status.length ? { status } : {}), limit: req.query.limit });
      return { requests: list.map(present) };
    },
  );

  app.get<{ Params: { id: number } }>(
    '/v1/host-commands/:id',
    {
      config: { grant: 'approvals:request' },
      schema: {
        summary: 'One host command request (its decision, exit code)',
        tags: ['host-commands'],
        params: { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } },
        response: { 200: requestSchema, ...errorResponses },
      },
    },
    async (req) => present(ownRequest(req.rt, req, req.params.id)),
  );
}
