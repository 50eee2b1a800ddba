// Services of a room (`berth deploy`, `berth service`): deploy (create, or update without downtime: the new
// revision must be healthy before the old one stops), list, inspect with the revision history, logs (as they stand,
// or followed over a WebSocket across revisions), rollback and remove. Building from a directory on the server is
// not offered here: the image is built first (POST /v1/build) and deployed by its tag.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { roomOf } from './access.js';
import { holdOpen, requestSignal, type ServerContext } from './context.js';
import { errorResponses, HttpError } from './errors.js';
import { ndjson, NDJSON } from './ndjson.js';
import { callerAgent, roomQuery, type RoomQuery } from './room-query.js';
import { CLEARABLE, DeployService, serviceLogBatches, type DeployOptions, type DeployResult, type ServiceSummary } from './runtime.js';
import { followToSocket, type SocketSessions } from './sockets.js';

const nameParams = { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 128 } } } as const;

const portsSchema = { type: 'array', items: { type: 'object', properties: { host_port: { type: 'integer' }, container_port: { type: 'integer' }, protocol: { type: 'string' } } } } as const;

const serviceSchema = {
  type: 'object',
  required: ['name', 'image'],
  properties: {
    room: { type: 'string' },
    name: { type: 'string' },
    mode: { type: 'string', enum: ['engine', 'swarm'] },
    image: { type: 'string' },
    revision: { type: ['integer', 'null'] },
    running: { type: 'integer' },
    desired: { type: 'integer' },
    health: { type: 'string' },
    ports: portsSchema,
    domain: { type: 'string' },
    updated: { type: 'string' },
  },
} as const;

const detailSchema = {
  ...serviceSchema,
  properties: {
    ...serviceSchema.properties,
    identity: { type: 'string' },
    env: { type: 'array', items: { type: 'string' }, description: 'KEY=VALUE, secret values masked; env secrets as KEY=secret:ID' },
    token: { type: 'boolean' },
    mounts: { type: 'array', items: { type: 'object', additionalProperties: true } },
    liveness: { type: 'object', additionalProperties: true },
    restart: { type: 'string' },
    containers: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, revision: { type: 'integer' }, state: { type: 'string' }, status: { type: 'string' }, health: { type: 'string' }, ports: portsSchema } } },
    history: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          revision: { type: 'integer' },
          image: { type: 'string' },
          status: { type: 'string' },
          phase: { type: 'string' },
          actor: { type: 'string' },
          rollback_of: { type: ['integer', 'null'] },
          message: { type: ['string', 'null'] },
          created: { type: 'string' },
        },
      },
    },
  },
} as const;

const resultSchema = {
  type: 'object',
  properties: {
    room: { type: 'string' },
    name: { type: 'string' },
    mode: { type: 'string' },
    revision: { type: 'integer' },
    previous: { type: ['integer', 'null'] },
    image: { type: 'string' },
    rollback_of: { type: 'integer' },
    containers: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } } },
    removed: { type: 'array', items: { type: 'string' } },
    domain: { type: 'string' },
    ports: portsSchema,
    changes: { type: 'array', items: { type: 'string' } },
  },
} as const;

type Ports = { hostPort?: number; containerPort: number; protocol: string }[];
const ports = (p: Ports) => p.map((x) => ({ ...(x.hostPort ? { host_port: x.hostPort } : {}), container_port: x.containerPort, protocol: x.protocol }));

function summary(s: ServiceSummary) {
  return { room: s.room, name: s.name, mode: s.mode, image: s.image, revision: s.revision, running: s.running, desired: s.desired, health: s.health, ports: ports(s.ports), ...(s.domain ? { domain: s.domain } : {}), updated: s.updated };
}

function result(r: DeployResult) {
  return {
    room: r.room,
    name: r.name,
    mode: r.mode,
    revision: r.revision,
    previous: r.previous,
    image: r.image,
    ...(r.rollbackOf !== undefined ? { rollback_of: r.rollbackOf } : {}),
    containers: r.containers,
    removed: r.removed,
    ...(r.domain ? { domain: r.domain } : {}),
    ports: ports(r.ports),
    changes: r.changes ?? [],
  };
}

interface DeployBody {
  tag: string;
  name?: string;
  env?: Record<string, string>;
  env_secrets?: Record<string, string>;
  room_mounts?: string[];
  project_mounts?: string[];
  image_mounts?: string[];
  identity?: string;
  token?: boolean;
  ports?: string[];
  liveness?: string;
  liveness_interval?: string;
  domain?: string;
  replicas?: number;
  restart?: string;
  cpus?: string | number;
  memory?: string | number;
  settle?: string;
  health_timeout?: string;
  drain?: string;
  clear?: string[];
}


/**
 * The library's deploy options. A caller acting as an agent deploys as itself, and may not bring in stored secrets
 * or the project storage shared by every room: those are a person's to hand out.
 */
function deployOptions(req: FastifyRequest, b: DeployBody): DeployOptions {
  const agent = callerAgent(req);
  if (agent) {
    if (b.identity !== undefined && b.identity !== agent) throw new HttpError(403, 'forbidden', `a caller acting as agent "${agent}" cannot deploy as "${b.identity}"`);
    if (b.env_secrets && Object.keys(b.env_secrets).length) throw new HttpError(403, 'forbidden', 'env_secrets: stored secrets are given to a service by a person (berth deploy --env-secret)');
    if (b.project_mounts?.length) throw new HttpError(403, 'forbidden', 'project_mounts: the project storage is shared by every room; a person mounts it (berth deploy --project-mount)');
  }
  return {
    tag: b.tag,
    name: b.name,
    env: b.env !== undefined ? Object.entries(b.env).map(([k, v]) => `${k}=${v}`) : undefined,
    envSecrets: b.env_secrets !== undefined ? Object.entries(b.env_secrets).map(([k, v]) => `${k}=${v}`) : undefined,
    roomMounts: b.room_mounts,
    projectMounts: b.project_mounts,
    imageMounts: b.image_mounts,
    identity: agent ?? b.identity,
    token: b.token,
    ports: b.ports,
    liveness: b.liveness,
    livenessInterval: b.liveness_interval,
    domain: b.domain,
    replicas: b.replicas,
    restart: b.restart,
    cpus: b.cpus !== undefined ? String(b.cpus) : undefined,
    memory: b.memory !== undefined ? String(b.memory) : undefined,
    settle: b.settle,
    healthTimeout: b.health_timeout,
    drain: b.drain,
    clear: b.clear,
  };
}

const logQuery = roomQuery({
  tail: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', const: 'all' }], default: 'all', description: 'Only the last N lines of each container, or all' },
  since: { type: 'string', minLength: 1, description: 'Only lines since: a duration (10m, 2h), an RFC 3339 time or a unix timestamp' },
});
type LogQuery = RoomQuery & { tail?: number | 'all'; since?: string };

export function serviceRoutes(app: FastifyInstance, ctx: ServerContext, sessions: SocketSessions): void {
  app.post<{ Querystring: RoomQuery; Body: DeployBody }>(
    '/v1/services',
    {
      config: { grant: 'services:write' },
      schema: {
        summary: 'Deploy: create a service from an image tag, or update it without downtime',
        description:
          'An update starts the new revision next to the old one and switches only once it is healthy (liveness, or running for `settle`); a new revision that fails leaves the old one serving (the answer is the error, 500 with the reason). Settings not given are kept from the active revision; `clear` resets them.',
        tags: ['services'],
        querystring: roomQuery({}),
        body: {
          type: 'object',
          required: ['tag'],
          additionalProperties: false,
          properties: {
            tag: { type: 'string', minLength: 1, maxLength: 512, description: 'Image reference; the service name is its last path component' },
            name: { type: 'string', minLength: 1, maxLength: 128 },
            env: { type: 'object', additionalProperties: { type: 'string' } },
            env_secrets: { type: 'object', additionalProperties: { type: 'string' }, description: 'NAME: stored secret id (a person only)' },
            room_mounts: { type: 'array', items: { type: 'string' }, description: 'SRC:DST[:ro], SRC in the room storage' },
            project_mounts: { type: 'array', items: { type: 'string' }, description: 'SRC:DST[:ro] in the project storage (a person only)' },
            image_mounts: { type: 'array', items: { type: 'string' }, description: "IMAGE:DST, another image's files, read-only" },
            identity: { type: 'string', description: 'The agent the service acts as (an agent caller: itself)' },
            token: { type: 'boolean', description: 'Inject a room token for the identity as BERTH_TOKEN' },
            ports: { type: 'array', items: { type: 'string' }, description: 'Container ports to publish: 8080, 53/udp' },
            liveness: { type: 'string', description: 'A shell command run in the container, or http:/PATH' },
            liveness_interval: { type: 'string' },
            domain: { type: 'string' },
            replicas: { type: 'integer', minimum: 1, maximum: 100 },
            restart: { type: 'string' },
            cpus: { type: ['string', 'number'] },
            memory: { type: ['string', 'integer'] },
            settle: { type: 'string' },
            health_timeout: { type: 'string' },
            drain: { type: 'string' },
            clear: { type: 'array', items: { type: 'string', enum: [...CLEARABLE] } },
          },
        },
        response: { 200: resultSchema, 201: resultSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const room = roomOf(req, ctx, req.query.room);
      const opts = deployOptions(req, req.body);
      holdOpen(req);
      const r = await new DeployService(req.rt).deploy(room, opts, { signal: requestSignal(req, reply, ctx.shutdown) });
      return reply.code(r.previous === null ? 201 : 200).send(result(r));
    },
  );

  app.get<{ Querystring: RoomQuery }>(
    '/v1/services',
    {
      config: { grant: 'services:read' },
      schema: {
        summary: "The room's services: image, active revision, running and desired containers, health, ports",
        tags: ['services'],
        querystring: roomQuery({}),
        response: { 200: { type: 'object', required: ['services'], properties: { services: { type: 'array', items: serviceSchema } } }, ...errorResponses },
      },
    },
    async (req) => ({ services: (await new DeployService(req.rt).list(roomOf(req, ctx, req.query.room), ctx.shutdown)).map(summary) }),
  );

  app.get<{ Params: { name: string }; Querystring: RoomQuery }>(
    '/v1/services/:name',
    {
      config: { grant: 'services:read' },
      schema: { summary: 'One service: its settings (secrets masked), containers and revision history', tags: ['services'], params: nameParams, querystring: roomQuery({}), response: { 200: detailSchema, ...errorResponses } },
    },
    async (req) => {
      const d = await new DeployService(req.rt).inspect(roomOf(req, ctx, req.query.room), req.params.name, ctx.shutdown);
      return {
        ...summary(d),
        identity: d.identity,
        env: d.env,
        token: d.token,
        mounts: d.mounts,
        ...(d.liveness ? { liveness: d.liveness } : {}),
        restart: d.restart,
        containers: d.containers.map((c) => ({ id: c.id, name: c.name, revision: c.revision, state: c.state, status: c.status, ...(c.health ? { health: c.health } : {}), ports: ports(c.ports) })),
        history: d.history.map((h) => ({ revision: h.revision, image: h.image, status: h.status, phase: h.phase, actor: h.actor, rollback_of: h.rollbackOf, message: h.message, created: h.created })),
      };
    },
  );

  app.post<{ Params: { name: string }; Querystring: RoomQuery; Body: { to?: number } }>(
    '/v1/services/:name/rollback',
    {
      config: { grant: 'services:write' },
      schema: {
        summary: 'Deploy an earlier revision again (the one before the active revision, or `to`), without downtime',
        tags: ['services'],
        params: nameParams,
        querystring: roomQuery({}),
        body: { type: ['object', 'null'], additionalProperties: false, properties: { to: { type: 'integer', minimum: 1 } } },
        response: { 200: resultSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const room = roomOf(req, ctx, req.query.room);
      holdOpen(req);
      const r = await new DeployService(req.rt).rollback(room, req.params.name, { to: req.body?.to }, { signal: requestSignal(req, reply, ctx.shutdown) });
      return result(r);
    },
  );

  app.delete<{ Params: { name: string }; Querystring: RoomQuery }>(
    '/v1/services/:name',
    {
      config: { grant: 'services:write' },
      schema: {
        summary: 'Remove a service: its containers and its revision history',
        tags: ['services'],
        params: nameParams,
        querystring: roomQuery({}),
        response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['deleted'] }, name: { type: 'string' }, removed: { type: 'array', items: { type: 'string' } } } }, ...errorResponses },
      },
    },
    async (req) => {
      const r = await new DeployService(req.rt).remove(roomOf(req, ctx, req.query.room), req.params.name);
      return { status: 'deleted', name: r.name, removed: r.removed };
    },
  );

  app.get<{ Params: { name: string }; Querystring: LogQuery }>(
    '/v1/services/:name/logs',
    {
      config: { grant: 'services:read' },
      schema: {
        summary: "The logs of the service's containers as they stand: one {container, stream, text, time} a line (newline-delimited JSON)",
        tags: ['services', 'logs'],
        params: nameParams,
        querystring: logQuery,
        produces: [NDJSON],
        response: { 200: { type: 'string', description: 'newline-delimited JSON lines' }, ...errorResponses },
      },
    },
    async (req, reply) => {
      const room = roomOf(req, ctx, req.query.room);
      return ndjson(req, reply, ctx.shutdown, async (send, signal) => {
        for await (const batch of serviceLogBatches(req.rt, room, req.params.name, { tail: req.query.tail, since: req.query.since, timestamps: true, signal })) {
          for (const l of batch) send({ container: l.container, stream: l.stream, text: l.text, ...(l.time ? { time: l.time } : {}) });
        }
      });
    },
  );

  app.get<{ Params: { name: string }; Querystring: LogQuery }>(
    '/v1/services/:name/logs/follow',
    {
      config: { grant: 'services:read' },
      websocket: true,
      schema: {
        summary: "WebSocket: the service's logs followed, across deploys (a new revision's containers join the stream)",
        description: 'Server frames (JSON text): {"type":"line","container","stream","text","time"}; {"type":"error","error":{code,message}} on failure. The stream runs until the socket closes.',
        tags: ['services', 'logs'],
        params: nameParams,
        querystring: logQuery,
      },
    },
    (socket: WebSocket, req) => {
      const room = roomOf(req, ctx, req.query.room);
      const opts = { follow: true, tail: req.query.tail ?? 'all', since: req.query.since } as const;
      followToSocket(socket, req, ctx.shutdown, sessions, (signal) => serviceLogBatches(req.rt, room, req.params.name, { ...opts, signal }), (l) => ({
        container: l.container,
        stream: l.stream,
        text: l.text,
        ...(l.time ? { time: l.time } : {}),
      }));
    },
  );
}
