// A container's logs and stats: the log as it stands (tail, since) streamed as newline-delimited JSON, the log
// followed over a WebSocket until the container stops or the socket closes, and resource samples once or as a
// stream. Log text is masked like every other surface berth shows it on (`berth container logs`).
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { roomOf } from './access.js';
import { cuidParams, type CuidParams, type ServerContext } from './context.js';
import { errorResponses } from './errors.js';
import { ndjson, NDJSON } from './ndjson.js';
import { roomQuery, splitList, type RoomQuery } from './room-query.js';
import { containerLogBatches, containerStats, watchContainerStats, type LogLine, type StatsSample } from './runtime.js';
import { followToSocket, type SocketSessions } from './sockets.js';

const logQuery = roomQuery({
  tail: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', const: 'all' }], default: 'all', description: 'Only the last N lines already logged, or all' },
  since: { type: 'string', minLength: 1, description: 'Only lines since: a duration (10m, 2h), an RFC 3339 time or a unix timestamp' },
});

type LogQuery = RoomQuery & { tail?: number | 'all'; since?: string };

const line = (l: LogLine) => ({ stream: l.stream, text: l.text, ...(l.time ? { time: l.time } : {}) });

function sample(s: StatsSample) {
  return {
    id: s.id,
    name: s.name,
    cpu_percent: s.cpuPercent,
    memory_used: s.memoryUsed,
    memory_limit: s.memoryLimit,
    net_rx: s.netRx,
    net_tx: s.netTx,
    block_read: s.blockRead,
    block_write: s.blockWrite,
    pids: s.pids,
    time: s.time,
  };
}

const sampleSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    cpu_percent: { type: 'number', description: 'Share of one CPU x 100 (200 = two CPUs busy)' },
    memory_used: { type: 'integer' },
    memory_limit: { type: 'integer' },
    net_rx: { type: 'integer' },
    net_tx: { type: 'integer' },
    block_read: { type: 'integer' },
    block_write: { type: 'integer' },
    pids: { type: 'integer' },
    time: { type: 'string' },
  },
} as const;

export function logRoutes(app: FastifyInstance, ctx: ServerContext, sessions: SocketSessions): void {
  app.get<{ Params: CuidParams; Querystring: LogQuery }>(
    '/v1/containers/:cuid/logs',
    {
      config: { grant: 'containers:read' },
      schema: {
        summary: "The container's log as it stands, streamed: one {stream, text, time} a line (newline-delimited JSON)",
        tags: ['logs'],
        params: cuidParams,
        querystring: logQuery,
        produces: [NDJSON],
        response: { 200: { type: 'string', description: 'newline-delimited JSON lines' }, ...errorResponses },
      },
    },
    async (req, reply) => {
      const room = roomOf(req, ctx, req.query.room);
      return ndjson(req, reply, ctx.shutdown, async (send, signal) => {
        const batches = containerLogBatches(req.rt, room, req.params.cuid, { tail: req.query.tail, since: req.query.since, timestamps: true, signal });
        for await (const batch of batches) for (const l of batch) send(line(l));
      });
    },
  );

  app.get<{ Params: CuidParams; Querystring: LogQuery }>(
    '/v1/containers/:cuid/logs/follow',
    {
      config: { grant: 'containers:read' },
      websocket: true,
      schema: {
        summary: "WebSocket: the container's log followed (tail and since pick where it starts)",
        description:
          'Server frames (JSON text): {"type":"line","stream":"stdout"|"stderr","text","time"} for each line, {"type":"end"} when the container has stopped and its log is read to the end (then a normal close); {"type":"error","error":{code,message}} on failure.',
        tags: ['logs'],
        params: cuidParams,
        querystring: logQuery,
      },
    },
    (socket: WebSocket, req) => {
      const room = roomOf(req, ctx, req.query.room);
      const opts = { follow: true, tail: req.query.tail ?? 'all', since: req.query.since } as const;
      followToSocket(socket, req, ctx.shutdown, sessions, (signal) => containerLogBatches(req.rt, room, req.params.cuid, { ...opts, signal }), line, { end: true });
    },
  );

  app.get<{ Querystring: RoomQuery & { containers?: string[]; stream: boolean } }>(
    '/v1/stats',
    {
      config: { grant: 'containers:read' },
      schema: {
        summary: 'Resource use of running containers: one sample each, or a stream of samples (about one a second each)',
        description:
          'Without `stream`: {samples: [...]}. With `stream=true`: newline-delimited JSON, one sample a line, until every container has stopped or the client goes away.',
        tags: ['stats'],
        querystring: roomQuery({
          containers: { type: 'array', items: { type: 'string' }, description: "cuids (repeat, or comma-separated); default every running container of the room" },
          stream: { type: 'boolean', default: false },
        }),
        produces: ['application/json', NDJSON],
        response: { 200: { type: 'object', properties: { samples: { type: 'array', items: sampleSchema } } }, ...errorResponses },
      },
    },
    async (req, reply) => {
      const room = roomOf(req, ctx, req.query.room);
      const refs = splitList(req.query.containers);
      if (!req.query.stream) return { samples: (await containerStats(req.rt, room, refs, { signal: ctx.shutdown })).map(sample) };
      return ndjson(req, reply, ctx.shutdown, async (send, signal) => {
        for await (const s of watchContainerStats(req.rt, room, refs, { signal })) send(sample(s));
      });
    },
  );
}
