// Lifecycle of one container: start, stop, restart, pause, unpause ({"status": "started"} and the like), its status,
// and a server-side wait for a status with a timeout.
import type { FastifyInstance } from 'fastify';
import { roomOf } from './access.js';
import { cuidParams, holdOpen, type CuidParams, type ServerContext } from './context.js';
import { errorResponses } from './errors.js';
import { containerStatusSchema, statusInfo } from './present.js';
import { BerthError, ContainerService, type Runtime } from './runtime.js';

type Action = 'start' | 'stop' | 'restart' | 'pause' | 'unpause';
const DONE: Record<Action, string> = { start: 'started', stop: 'stopped', restart: 'restarted', pause: 'paused', unpause: 'unpaused' };

function act(rt: Runtime, room: string, cuid: string, action: Action, time?: number) {
  const s = new ContainerService(rt);
  switch (action) {
    case 'start':
      return s.start(room, cuid);
    case 'stop':
      return s.stop(room, cuid, { time });
    case 'restart':
      return s.restart(room, cuid, { time });
    case 'pause':
      return s.pause(room, cuid);
    case 'unpause':
      return s.unpause(room, cuid);
  }
}

async function status(rt: Runtime, room: string, cuid: string, signal: AbortSignal) {
  const service = new ContainerService(rt);
  // The summary (for its creation time) and the status at the same time: one engine round trip less to wait for.
  // Both name the same container unless an update recreated it in between; then the status of the one resolved.
  const [c, st] = await Promise.all([service.resolve(room, cuid, signal), service.status(room, cuid, signal)]);
  return statusInfo(st.id === c.id ? st : await service.status(room, c.id, signal), c.created);
}

export function lifecycleRoutes(app: FastifyInstance, ctx: ServerContext): void {
  for (const action of Object.keys(DONE) as Action[]) {
    app.post<{ Params: CuidParams; Querystring: { timeout?: number } }>(
      `/v1/containers/:cuid/${action}`,
      {
        config: { grant: 'containers:write' },
        schema: {
          summary: `${action[0]!.toUpperCase()}${action.slice(1)} a container`,
          tags: ['lifecycle'],
          params: cuidParams,
          ...(action === 'stop' || action === 'restart'
            ? { querystring: { type: 'object', additionalProperties: false, properties: { timeout: { type: 'integer', minimum: 0, maximum: 600, description: 'Grace seconds before SIGKILL (default 10)' } } } }
            : {}),
          response: { 200: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: [DONE[action]] }, cuid: { type: 'string' } } }, ...errorResponses },
        },
      },
      async (req) => {
        holdOpen(req);
        const c = await act(req.rt, roomOf(req, ctx), req.params.cuid, action, req.query?.timeout);
        return { status: DONE[action], cuid: c.name };
      },
    );
  }

  app.get<{ Params: CuidParams }>(
    '/v1/containers/:cuid/status',
    { config: { grant: 'containers:read' }, schema: { summary: 'Status: state, created, uptime, restarts, exit code, OOM kill, last error', tags: ['lifecycle'], params: cuidParams, response: { 200: containerStatusSchema, ...errorResponses } } },
    async (req) => status(req.rt, roomOf(req, ctx), req.params.cuid, ctx.shutdown),
  );

  app.post<{ Params: CuidParams; Body: { status: string; timeout?: number } }>(
    '/v1/containers/:cuid/wait',
    {
      config: { grant: 'containers:read' },
      schema: {
        summary: 'Wait until the container is running or has exited; reached is false when the timeout passed first',
        tags: ['lifecycle'],
        params: cuidParams,
        body: {
          type: 'object',
          required: ['status'],
          additionalProperties: false,
          properties: { status: { type: 'string', enum: ['running', 'exited'] }, timeout: { type: 'number', exclusiveMinimum: 0, maximum: 3600, default: 30, description: 'Seconds' } },
        },
        response: { 200: { type: 'object', required: ['reached'], properties: { reached: { type: 'boolean' }, status: containerStatusSchema } }, ...errorResponses },
      },
    },
    async (req) => {
      holdOpen(req);
      try {
        await new ContainerService(req.rt).wait(roomOf(req, ctx), req.params.cuid, { for: req.body.status as 'running' | 'exited', timeoutMs: (req.body.timeout ?? 30) * 1000, signal: ctx.shutdown });
        return { reached: true, status: await status(req.rt, roomOf(req, ctx), req.params.cuid, ctx.shutdown) };
      } catch (err) {
        if (err instanceof BerthError && err.kind === 'timeout') return { reached: false, status: await status(req.rt, roomOf(req, ctx), req.params.cuid, ctx.shutdown) };
        throw err;
      }
    },
  );
}
