// Containers in the served room: create, list (pages, status and tag filters), get, update, delete, batch create
// and delete, and port mappings. Each API container has its own files volume at /app and CONTAINER_UID in its env.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { roomOf } from './access.js';
import { cuidParams, type CuidParams, type ServerContext } from './context.js';
import { errorResponses } from './errors.js';
import {
  containerInfoSchema,
  detailInfo,
  FILES_ROOT,
  portSchema,
  resourcesSchema,
  summaryInfo,
  toPortSpecs,
  type ApiPort,
} from './present.js';
import { ContainerService, runBounded, UsageError, type Runtime, type RunOptions, type UpdateOptions } from './runtime.js';

const commandSchema = {
  anyOf: [
    { type: 'string', minLength: 1, description: 'Run by sh -c' },
    { type: 'array', items: { type: 'string' }, minItems: 1, description: 'argv' },
  ],
} as const;

/**
 * Identical listings share engine queries: a request that comes while one is being answered waits for the next
 * query, which starts when that one ends and answers every request that came meanwhile. No request is answered from
 * a query that started before it arrived (a listing after a create sees it), and 50 clients asking at once cost the
 * engine two queries instead of 50.
 */
export class Coalescer<T> {
  private readonly flights = new Map<string, { queued?: { run: () => Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void; promise: Promise<T> } }>();

  run(key: string, run: () => Promise<T>): Promise<T> {
    const flight = this.flights.get(key);
    if (!flight) return this.start(key, run);
    if (!flight.queued) {
      let resolve!: (v: T) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
      flight.queued = { run, resolve, reject, promise };
    }
    return flight.queued.promise;
  }

  private start(key: string, run: () => Promise<T>): Promise<T> {
    this.flights.set(key, {});
    const done = run();
    done.then(
      () => this.next(key),
      () => this.next(key),
    );
    return done;
  }

  private next(key: string): void {
    const queued = this.flights.get(key)?.queued;
    this.flights.delete(key);
    if (queued) this.start(key, queued.run).then(queued.resolve, queued.reject);
  }
}

export const containerConfigSchema = {
  type: 'object',
  required: ['image'],
  additionalProperties: false,
  properties: {
    image: { type: 'string', minLength: 1 },
    name: { type: 'string', description: 'The cuid to use (default: c + a UUID)' },
    command: { ...commandSchema, description: 'Instead of the image default (without one, the default command is kept alive on a TTY)' },
    env: { type: 'object', additionalProperties: { type: 'string' } },
    tags: { type: 'array', items: { type: 'string' } },
    resources: resourcesSchema,
    ports: { type: 'array', items: portSchema },
  },
} as const;

export interface ContainerConfig {
  image: string;
  name?: string;
  command?: string | string[];
  env?: Record<string, string>;
  tags?: string[];
  resources?: { cpus?: number; memory?: string | number; pids?: number };
  ports?: ApiPort[];
}

export function argv(command: string | string[]): string[] {
  return typeof command === 'string' ? ['sh', '-c', command] : command;
}

/** The library's create options for an API container (created, not started). */
function runOptions(cfg: ContainerConfig): RunOptions {
  const cuid = cfg.name ?? `c${randomUUID()}`;
  return {
    image: cfg.image,
    name: cuid,
    ...(cfg.command !== undefined ? { command: argv(cfg.command) } : {}),
    env: { ...cfg.env, CONTAINER_UID: cuid },
    tags: cfg.tags,
    cpus: cfg.resources?.cpus,
    memory: cfg.resources?.memory,
    pids: cfg.resources?.pids,
    ports: toPortSpecs(cfg.ports ?? []),
    start: false,
    filesDir: FILES_ROOT,
    keepAlive: true,
  };
}

async function create(rt: Runtime, room: string, cfg: ContainerConfig, signal: AbortSignal) {
  const service = new ContainerService(rt);
  const c = await service.run(room, runOptions(cfg), { signal });
  return detailInfo(await service.inspect(room, c.id, signal));
}

interface UpdateBody {
  env?: Record<string, string | null>;
  tags?: string[];
  resources?: { cpus?: number; memory?: string | number; pids?: number };
  image?: string;
  ports?: ApiPort[];
}

/** Applies an update; one that changes nothing answers the container as it is (PATCH is idempotent). */
async function update(rt: Runtime, room: string, cuid: string, body: UpdateBody, signal: AbortSignal) {
  const service = new ContainerService(rt);
  const current = await service.inspect(room, cuid, signal);
  const keys = new Set(current.env.map((e) => e.slice(0, e.indexOf('='))));
  const env = Object.entries(body.env ?? {});
  const opts: UpdateOptions = {
    ...(env.some(([, v]) => v !== null) ? { env: Object.fromEntries(env.filter(([, v]) => v !== null)) as Record<string, string> } : {}),
    // Removing a variable that is not set is already done.
    ...(env.some(([k, v]) => v === null && keys.has(k)) ? { unsetEnv: env.filter(([k, v]) => v === null && keys.has(k)).map(([k]) => k) } : {}),
    ...(body.tags !== undefined ? { tags: body.tags } : {}),
    ...(body.image !== undefined ? { image: body.image } : {}),
    ...(body.ports !== undefined ? { ports: toPortSpecs(body.ports) } : {}),
    cpus: body.resources?.cpus,
    memory: body.resources?.memory,
    pids: body.resources?.pids,
  };
  if (!Object.values(opts).some((v) => v !== undefined)) return detailInfo(current);
  try {
    await service.update(room, current.id, opts, { signal });
  } catch (err) {
    if (!(err instanceof UsageError && /nothing to update/.test(err.message))) throw err;
  }
  return detailInfo(await service.inspect(room, cuid, signal));
}

export function containerRoutes(app: FastifyInstance, ctx: ServerContext): void {
  // Identical listings of one room share engine queries (what a caller may see depends only on the room).
  const listings = new Coalescer<{ containers: ReturnType<typeof summaryInfo>[]; next_cursor: string | null }>();

  app.post<{ Body: ContainerConfig }>(
    '/v1/containers',
    {
      config: { grant: 'containers:write' },
      schema: {
        summary: 'Create a container (not started)',
        tags: ['containers'],
        body: containerConfigSchema,
        response: { 201: containerInfoSchema, ...errorResponses },
      },
    },
    async (req, reply) => reply.code(201).send(await create(req.rt, roomOf(req, ctx), req.body, ctx.shutdown)),
  );

  app.get<{ Querystring: { limit?: number; cursor?: string; status?: string[]; tags?: string[] } }>(
    '/v1/containers',
    {
      config: { grant: 'containers:read' },
      schema: {
        summary: 'List the containers, newest first, a page at a time',
        tags: ['containers'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
            cursor: { type: 'string' },
            status: { type: 'array', items: { type: 'string' }, description: 'Only these states (repeat, or comma-separated)' },
            tags: { type: 'array', items: { type: 'string' }, description: 'Only containers with every one of these tags' },
          },
        },
        response: {
          200: { type: 'object', required: ['containers', 'next_cursor'], properties: { containers: { type: 'array', items: containerInfoSchema }, next_cursor: { type: ['string', 'null'] } } },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const split = (list?: string[]) => (list ?? []).flatMap((s) => s.split(',')).filter(Boolean);
      const query = { all: true, status: split(req.query.status), tags: split(req.query.tags), limit: req.query.limit, cursor: req.query.cursor };
      const room = roomOf(req, ctx);
      return listings.run(JSON.stringify({ room, ...query }), async () => {
        const page = await new ContainerService(req.rt).query(room, { ...query, signal: ctx.shutdown });
        return { containers: page.items.map(summaryInfo), next_cursor: page.nextCursor };
      });
    },
  );

  app.get<{ Params: CuidParams }>(
    '/v1/containers/:cuid',
    { config: { grant: 'containers:read' }, schema: { summary: 'One container: image, status, env (secrets masked), tags, resources, ports', tags: ['containers'], params: cuidParams, response: { 200: containerInfoSchema, ...errorResponses } } },
    async (req) => detailInfo(await new ContainerService(req.rt).inspect(roomOf(req, ctx), req.params.cuid, ctx.shutdown)),
  );

  app.patch<{ Params: CuidParams; Body: UpdateBody }>(
    '/v1/containers/:cuid',
    {
      config: { grant: 'containers:write' },
      schema: {
        summary: 'Update: env merged (null removes a key), tags replaced, resources merged, image changed',
        description: 'Resources change in place; env, tags, image and ports recreate the container, keeping the old one when the new one fails. The cuid and files stay.',
        tags: ['containers'],
        params: cuidParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            env: { type: 'object', additionalProperties: { type: ['string', 'null'] } },
            tags: { type: 'array', items: { type: 'string' } },
            resources: resourcesSchema,
            image: { type: 'string', minLength: 1 },
            ports: { type: 'array', items: portSchema },
          },
        },
        response: { 200: containerInfoSchema, ...errorResponses },
      },
    },
    async (req) => update(req.rt, roomOf(req, ctx), req.params.cuid, req.body, ctx.shutdown),
  );

  app.put<{ Params: CuidParams; Body: { ports: ApiPort[] } }>(
    '/v1/containers/:cuid/ports',
    {
      config: { grant: 'containers:write' },
      schema: {
        summary: 'Replace the port mappings ([] removes all)',
        tags: ['containers'],
        params: cuidParams,
        body: { type: 'object', required: ['ports'], additionalProperties: false, properties: { ports: { type: 'array', items: portSchema } } },
        response: { 200: containerInfoSchema, ...errorResponses },
      },
    },
    async (req) => update(req.rt, roomOf(req, ctx), req.params.cuid, { ports: req.body.ports }, ctx.shutdown),
  );

  app.delete<{ Params: CuidParams }>(
    '/v1/containers/:cuid',
    {
      config: { grant: 'containers:write' },
      schema: {
        summary: 'Delete a container (running or not) and its files volume',
        tags: ['containers'],
        params: cuidParams,
        response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['deleted'] }, cuid: { type: 'string' } } }, ...errorResponses },
      },
    },
    async (req) => {
      const r = await new ContainerService(req.rt).delete(roomOf(req, ctx), req.params.cuid, { force: true });
      return { status: 'deleted', cuid: r.name };
    },
  );

  app.post<{ Body: { cuids: string[] } }>(
    '/v1/containers/batch-delete',
    {
      config: { grant: 'containers:write' },
      schema: {
        summary: 'Delete several containers; one error slot per cuid (null when deleted)',
        tags: ['batch'],
        body: { type: 'object', required: ['cuids'], additionalProperties: false, properties: { cuids: { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 1000 } } },
        response: { 200: { type: 'object', properties: { errors: { type: 'array', items: { type: ['string', 'null'] } } } }, ...errorResponses },
      },
    },
    async (req) => {
      const service = new ContainerService(req.rt);
      const results = await runBounded(req.body.cuids, (c) => c, (cuid) => service.delete(roomOf(req, ctx), cuid, { force: true }), { concurrency: 8, signal: ctx.shutdown });
      return { errors: results.map((r) => (r.ok ? null : req.rt.mask.text(r.error ?? 'failed'))) };
    },
  );

  app.post<{ Body: { configs: ContainerConfig[] } }>(
    '/v1/containers/batch-create',
    {
      config: { grant: 'containers:write' },
      schema: {
        summary: 'Create several containers in parallel; results in order, each a container or an error',
        tags: ['batch'],
        body: { type: 'object', required: ['configs'], additionalProperties: false, properties: { configs: { type: 'array', items: containerConfigSchema, maxItems: 100 } } },
        response: {
          200: {
            type: 'object',
            properties: { results: { type: 'array', items: { type: 'object', properties: { container: containerInfoSchema, error: { type: 'string' } } } } },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const results = await runBounded(req.body.configs, (c) => c.name ?? c.image, (cfg) => create(req.rt, roomOf(req, ctx), cfg, ctx.shutdown), { concurrency: 8, signal: ctx.shutdown });
      return { results: results.map((r) => (r.ok ? { container: r.result } : { error: req.rt.mask.text(r.error ?? 'failed') })) };
    },
  );
}
