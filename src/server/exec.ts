// Commands in a container, run in its /app: exec with the output and exit code (a timeout kills it and answers
// 504 exec_timeout), a map of cuid to command in parallel, and streaming exec over a WebSocket.
import { StringDecoder } from 'node:string_decoder';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { argv } from './containers.js';
import { roomOf } from './access.js';
import { cuidParams, holdOpen, requestSignal, type CuidParams, type ServerContext } from './context.js';
import { errorResponses, HttpError, toHttpError } from './errors.js';
import { FILES_ROOT } from './present.js';
import { execCommand, runBounded, type OutputStream, type Runtime } from './runtime.js';
import { sendJson, type SocketSessions } from './sockets.js';

const commandSchema = {
  anyOf: [
    { type: 'string', minLength: 1, description: 'Run by sh -c' },
    { type: 'array', items: { type: 'string' }, minItems: 1, description: 'argv' },
  ],
} as const;

const execResult = {
  type: 'object',
  required: ['stdout', 'stderr', 'exit_code'],
  properties: { stdout: { type: 'string' }, stderr: { type: 'string' }, exit_code: { type: 'integer' } },
} as const;

async function run(rt: Runtime, room: string, cuid: string, command: string | string[], timeoutS: number | undefined, signal: AbortSignal) {
  const r = await execCommand(rt, room, cuid, argv(command), { workdir: FILES_ROOT, timeout: timeoutS !== undefined ? timeoutS * 1000 : undefined, signal });
  if (r.timedOut) throw new HttpError(504, 'exec_timeout', `command in container "${r.container.name}" timed out after ${timeoutS} s and was killed`);
  return { stdout: r.stdout, stderr: r.stderr, exit_code: r.exitCode };
}

export function execRoutes(app: FastifyInstance, ctx: ServerContext, sessions: SocketSessions): void {

  app.post<{ Params: CuidParams; Body: { command: string | string[]; timeout?: number } }>(
    '/v1/containers/:cuid/exec',
    {
      config: { grant: 'exec:write' },
      schema: {
        summary: `Run a command in ${FILES_ROOT} and return its output and exit code`,
        tags: ['exec'],
        params: cuidParams,
        body: {
          type: 'object',
          required: ['command'],
          additionalProperties: false,
          properties: { command: commandSchema, timeout: { type: 'number', exclusiveMinimum: 0, maximum: 86400, description: 'Seconds; past it the command is killed and the answer is 504 exec_timeout' } },
        },
        response: { 200: execResult, ...errorResponses },
      },
    },
    async (req, reply) => {
      holdOpen(req);
      return run(req.rt, roomOf(req, ctx), req.params.cuid, req.body.command, req.body.timeout, requestSignal(req, reply, ctx.shutdown));
    },
  );

  app.post<{ Body: { commands: Record<string, string | string[]>; timeout?: number } }>(
    '/v1/containers/batch-exec',
    {
      config: { grant: 'exec:write' },
      schema: {
        summary: 'Run one command per container in parallel; each result is the output or its own error',
        tags: ['batch', 'exec'],
        body: {
          type: 'object',
          required: ['commands'],
          additionalProperties: false,
          properties: {
            commands: { type: 'object', additionalProperties: commandSchema, maxProperties: 1000, description: 'cuid -> command' },
            timeout: { type: 'number', exclusiveMinimum: 0, maximum: 86400 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              results: {
                type: 'object',
                additionalProperties: { type: 'object', properties: { ...execResult.properties, error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } } },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      holdOpen(req);
      const signal = requestSignal(req, reply, ctx.shutdown);
      const entries = Object.entries(req.body.commands);
      const results: Record<string, unknown> = {};
      await runBounded(
        entries,
        ([cuid]) => cuid,
        async ([cuid, command]) => {
          try {
            results[cuid] = await run(req.rt, roomOf(req, ctx), cuid, command, req.body.timeout, signal);
          } catch (err) {
            const e = toHttpError(err, req.rt);
            results[cuid] = { error: { code: e.code, message: e.message } };
          }
        },
        { concurrency: 16, signal },
      );
      return { results };
    },
  );

  app.get<{ Params: CuidParams; Querystring: { command: string; timeout?: number } }>(
    '/v1/containers/:cuid/exec/stream',
    {
      config: { grant: 'exec:write' },
      websocket: true,
      schema: {
        summary: 'WebSocket: run a command (sh -c) and stream its output',
        description:
          'Server frames (JSON text): {"type":"stdout","data":"..."} and {"type":"stderr","data":"..."} as output arrives, then {"type":"exit","exit_code":N}; on failure {"type":"error","error":{"code","message"}}. Closing the socket kills the command.',
        tags: ['exec'],
        params: cuidParams,
        querystring: {
          type: 'object',
          required: ['command'],
          additionalProperties: false,
          properties: { command: { type: 'string', minLength: 1 }, timeout: { type: 'number', exclusiveMinimum: 0, maximum: 86400 } },
        },
      },
    },
    (socket: WebSocket, req) => {
      const abort = new AbortController();
      const onShutdown = () => abort.abort();
      ctx.shutdown.addEventListener('abort', onShutdown, { once: true });
      socket.once('close', () => abort.abort());
      sessions.add(socket, async () => abort.abort());
      const decoders: Record<OutputStream, StringDecoder> = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
      const timeout = req.query.timeout;
      // The room is resolved inside the chain: a token that names none of its rooms gets an error frame.
      Promise.resolve()
        .then(() => execCommand(req.rt, roomOf(req, ctx), req.params.cuid, argv(req.query.command), {
        workdir: FILES_ROOT,
        timeout: timeout !== undefined ? timeout * 1000 : undefined,
        signal: abort.signal,
        collect: false,
        onOutput: (stream, chunk) => {
          const data = decoders[stream].write(chunk);
          if (data) sendJson(socket, { type: stream, data });
        },
      }))
        .then((r) => {
          for (const stream of ['stdout', 'stderr'] as const) {
            const rest = decoders[stream].end();
            if (rest) sendJson(socket, { type: stream, data: rest });
          }
          if (r.timedOut) sendJson(socket, { type: 'error', error: { code: 'exec_timeout', message: `command timed out after ${timeout} s and was killed` } });
          else sendJson(socket, { type: 'exit', exit_code: r.exitCode });
          socket.close(1000);
        })
        .catch((err) => {
          if (socket.readyState !== socket.OPEN) return;
          const e = toHttpError(err, req.rt);
          sendJson(socket, { type: 'error', error: { code: e.code, message: e.message } });
          socket.close(1011, e.code);
        })
        .finally(() => ctx.shutdown.removeEventListener('abort', onShutdown));
    },
  );
}
