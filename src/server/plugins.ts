// The host's plugin containers (the agent surface's Docker containers): containers of a room that run a plugin
// release, listed and got; created from a release with params (checked against its schema), envs, metadata and
// labels, which also creates their container record; and deleted (stopped and removed).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { roomOf } from './access.js';
import { holdOpen, type ServerContext } from './context.js';
import { errorResponses } from './errors.js';
import { roomQuery, type RoomQuery } from './room-query.js';
import { ContainerService, NotFoundError, PLUGIN_RELEASE_LABEL, RecordService, runPlugin, type ContainerSummary, type Runtime } from './runtime.js';

export const pluginContainerSchema = {
  type: 'object',
  required: ['id', 'docker_id', 'name', 'room', 'release', 'status', 'running'],
  properties: {
    id: { type: ['string', 'integer'], description: "The engine's container id (on create: the record's integer id)" },
    docker_id: { type: 'string', description: "The engine's container id" },
    record_id: { type: ['integer', 'null'], description: "The container record's id (GET /v1/records/{id})" },
    name: { type: 'string' },
    room: { type: 'string' },
    image: { type: 'string' },
    release: { type: 'string', description: 'code@version' },
    status: { type: 'string', description: 'created, running, paused, restarting, removing, exited or dead' },
    running: { type: 'boolean' },
    agent: { type: 'string' },
    labels: { type: 'array', items: { type: 'string' } },
    created_at: { type: 'string' },
    params: { type: 'object', additionalProperties: true },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
    built: { type: 'boolean', description: 'Whether the release image was built for this create' },
  },
} as const;

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 128, description: 'Container id, id prefix or name' } } } as const;

interface CreateBody {
  plugin_release: string;
  params?: Record<string, unknown>;
  envs?: Record<string, string>;
  metadata?: Record<string, string | number | boolean>;
  labels?: string[];
  name?: string;
}

function present(c: ContainerSummary, recordId: number | null) {
  return {
    id: c.id,
    docker_id: c.id,
    record_id: recordId,
    name: c.name,
    room: c.room,
    image: c.image,
    release: c.labels[PLUGIN_RELEASE_LABEL] ?? '',
    status: c.state,
    running: c.state === 'running',
    agent: c.agent,
    labels: c.tags,
    created_at: c.created,
  };
}

/** Record ids of the room's containers, by container id. */
async function recordIds(rt: Runtime, room: string, signal: AbortSignal): Promise<Map<string, number>> {
  const page = await new RecordService(rt).listAll({ room }, signal);
  return new Map(page.items.filter((r) => r.containerId).map((r) => [r.containerId!, r.id]));
}

/** One plugin container of the room; any other container (or none) is 404. */
async function resolvePluginContainer(rt: Runtime, room: string, ref: string, signal: AbortSignal): Promise<ContainerSummary> {
  const service = new ContainerService(rt);
  let c: ContainerSummary | undefined;
  try {
    c = await service.resolve(room, ref, signal);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  if (!c || !c.labels[PLUGIN_RELEASE_LABEL]) throw new NotFoundError(`plugin container "${ref}" not found in room "${room}"`);
  return c;
}

/**
 * Runs the release with a params object: runPlugin reads it from a params file (JSON keeps its types; the schema
 * still coerces and fills defaults), written private to this process and removed after.
 */
async function create(rt: Runtime, room: string, body: CreateBody, signal: AbortSignal) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-params-'));
  const file = path.join(dir, 'params.json');
  try {
    fs.writeFileSync(file, JSON.stringify(body.params ?? {}), { mode: 0o600 });
    const r = await runPlugin(
      rt,
      room,
      body.plugin_release,
      {
        paramsFile: file,
        env: Object.entries(body.envs ?? {}).map(([k, v]) => `${k}=${v}`),
        metadata: Object.entries(body.metadata ?? {}).map(([k, v]) => `${k}=${String(v)}`),
        labels: body.labels ?? [],
        name: body.name,
      },
      { signal },
    );
    const record = await new RecordService(rt).get(r.record, signal);
    return { ...present(r.container, r.record), id: r.record, params: r.params, metadata: record.metadata, built: r.built };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function pluginRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Querystring: RoomQuery & { release?: string } }>(
    '/v1/plugin-containers',
    {
      config: { grant: 'plugins:read' },
      schema: {
        summary: "List the room's plugin containers (running or not), newest first",
        tags: ['plugins'],
        querystring: roomQuery({ release: { type: 'string', description: 'Only this release (code@version) or plugin (code)' } }),
        response: { 200: { type: 'object', required: ['containers'], properties: { containers: { type: 'array', items: pluginContainerSchema } } }, ...errorResponses },
      },
    },
    async (req) => {
      const room = roomOf(req, ctx, req.query.room);
      const wanted = req.query.release;
      const all = await new ContainerService(req.rt).list(room, { all: true, signal: ctx.shutdown });
      const plugin = all.filter((c) => {
        const release = c.labels[PLUGIN_RELEASE_LABEL];
        return release && (!wanted || release === wanted || release.startsWith(`${wanted}@`));
      });
      const records = plugin.length ? await recordIds(req.rt, room, ctx.shutdown) : new Map<string, number>();
      return { containers: plugin.map((c) => present(c, records.get(c.id) ?? null)) };
    },
  );

  app.get<{ Params: { id: string }; Querystring: RoomQuery }>(
    '/v1/plugin-containers/:id',
    {
      config: { grant: 'plugins:read' },
      schema: {
        summary: 'One plugin container of the room',
        tags: ['plugins'],
        params: idParams,
        querystring: roomQuery({}),
        response: { 200: pluginContainerSchema, ...errorResponses },
      },
    },
    async (req) => {
      const room = roomOf(req, ctx, req.query.room);
      const c = await resolvePluginContainer(req.rt, room, req.params.id, ctx.shutdown);
      return present(c, (await recordIds(req.rt, room, ctx.shutdown)).get(c.id) ?? null);
    },
  );

  app.post<{ Body: CreateBody; Querystring: RoomQuery }>(
    '/v1/plugin-containers',
    {
      config: { grant: 'plugins:write' },
      schema: {
        summary: 'Run a plugin release: params checked against its schema, the image built when missing, a container record created',
        description: 'The answer is the started container with `id` the record id (for /v1/records/{id}) and `docker_id` the container id.',
        tags: ['plugins'],
        querystring: roomQuery({}),
        body: {
          type: 'object',
          required: ['plugin_release'],
          additionalProperties: false,
          properties: {
            plugin_release: { type: 'string', minLength: 1, maxLength: 200, description: 'code@version (or a code with one version)' },
            params: { type: 'object', additionalProperties: true, description: "Checked against the release's params schema" },
            envs: { type: 'object', additionalProperties: { type: 'string' }, description: "Over the release's env defaults" },
            metadata: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] }, description: 'Kept with the record (values as text)' },
            labels: { type: 'array', items: { type: 'string' }, maxItems: 64 },
            name: { type: 'string', minLength: 1, maxLength: 128, description: 'Container name in the room (default <code>-<random>)' },
          },
        },
        response: { 201: pluginContainerSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const room = roomOf(req, ctx, req.query.room);
      // A first run builds the release's image, which may take longer than the idle timeout.
      holdOpen(req);
      return reply.code(201).send(await create(req.rt, room, req.body, ctx.shutdown));
    },
  );

  app.delete<{ Params: { id: string }; Querystring: RoomQuery }>(
    '/v1/plugin-containers/:id',
    {
      config: { grant: 'plugins:write' },
      schema: {
        summary: 'Stop and remove a plugin container (its record stays, status removed)',
        tags: ['plugins'],
        params: idParams,
        querystring: roomQuery({}),
        response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['deleted'] }, docker_id: { type: 'string' }, name: { type: 'string' } } }, ...errorResponses },
      },
    },
    async (req) => {
      const room = roomOf(req, ctx, req.query.room);
      const c = await resolvePluginContainer(req.rt, room, req.params.id, ctx.shutdown);
      const r = await new ContainerService(req.rt).delete(room, c.id, { force: true });
      return { status: 'deleted', docker_id: r.id, name: r.name };
    },
  );
}
