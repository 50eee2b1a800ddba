// Container records of a room (the agent surface's database containers): list with filters, pages and the total,
// get by integer id, set an outcome status, delete (stopping and removing the container). A record of another room
// is not found, exactly like one that does not exist.
import type { FastifyInstance } from 'fastify';
import { roomOf } from './access.js';
import { holdOpen, type ServerContext } from './context.js';
import { errorResponses } from './errors.js';
import { roomQuery, splitList, type RoomQuery } from './room-query.js';
import { NotFoundError, parseRecordId, RecordService, type ContainerRecord, type Runtime } from './runtime.js';

export const recordSchema = {
  type: 'object',
  required: ['id', 'room', 'name', 'status'],
  properties: {
    id: { type: 'integer' },
    container_id: { type: ['string', 'null'], description: "The engine's container id" },
    room: { type: 'string' },
    name: { type: 'string' },
    image: { type: 'string' },
    agent: { type: 'string' },
    release: { type: ['string', 'null'], description: 'code@version for plugin runs' },
    status: { type: 'string' },
    exit_code: { type: ['integer', 'null'] },
    oom_killed: { type: 'boolean' },
    container_state: { type: ['string', 'null'] },
    params: { type: 'object', additionalProperties: true },
    env: { type: 'object', additionalProperties: { type: 'string' }, description: 'Secret values masked' },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
    labels: { type: 'array', items: { type: 'string' } },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
    finished_at: { type: ['string', 'null'] },
  },
} as const;

export function presentRecord(r: ContainerRecord) {
  return {
    id: r.id,
    container_id: r.containerId,
    room: r.room,
    name: r.name,
    image: r.image,
    agent: r.agent,
    release: r.release,
    status: r.status,
    exit_code: r.exitCode,
    oom_killed: r.oomKilled,
    container_state: r.containerState,
    params: r.params,
    env: r.env,
    metadata: r.metadata,
    labels: r.labels,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    finished_at: r.finishedAt,
  };
}

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 20, description: 'The record id (an integer)' } } } as const;

/** The record, when it is of this room; a record of another room is as unknown as a missing one. */
async function recordInRoom(rt: Runtime, room: string, idText: string, signal: AbortSignal): Promise<ContainerRecord> {
  const id = parseRecordId(idText);
  const service = new RecordService(rt);
  const record = service.read(id);
  if (!record || record.room !== room) throw new NotFoundError(`record ${id} not found`);
  return service.get(id, signal);
}

interface ListQuery extends RoomQuery {
  status?: string[];
  plugin?: string;
  label?: string[];
  agent?: string;
  limit?: number;
  page?: number;
  cursor?: string;
  all?: boolean;
}

export function recordRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Querystring: ListQuery }>(
    '/v1/records',
    {
      config: { grant: 'records:read' },
      schema: {
        summary: "The room's container records, newest first: one page with the total of every match",
        tags: ['records'],
        querystring: roomQuery({
          status: { type: 'array', items: { type: 'string' }, description: 'Only these statuses (repeat, or comma-separated)' },
          plugin: { type: 'string', description: 'Only runs of this plugin (code or code@version)' },
          label: { type: 'array', items: { type: 'string' }, description: 'Only records with every one of these labels' },
          agent: { type: 'string', description: 'Only records of containers this agent started' },
          limit: { type: 'integer', minimum: 1, maximum: 1000, description: 'Records per page (default 50)' },
          page: { type: 'integer', minimum: 1, description: 'Page number, 1 first (records added meanwhile shift pages; cursor does not)' },
          cursor: { type: 'string', description: "A previous page's next_cursor" },
          all: { type: 'boolean', default: false, description: 'Every page in one answer' },
        }),
        response: {
          200: {
            type: 'object',
            required: ['results', 'total', 'next_cursor'],
            properties: {
              results: { type: 'array', items: recordSchema },
              total: { type: 'integer', description: 'Every record matching the filters, on all pages' },
              limit: { type: ['integer', 'null'] },
              page: { type: ['integer', 'null'] },
              next_cursor: { type: ['string', 'null'] },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const room = roomOf(req, ctx, req.query.room);
      const q = req.query;
      const service = new RecordService(req.rt);
      const filters = { room, status: splitList(q.status), plugin: q.plugin, labels: splitList(q.label), agent: q.agent, limit: q.limit };
      const r = q.all ? await service.listAll(filters, ctx.shutdown) : await service.list({ ...filters, page: q.page, cursor: q.cursor }, ctx.shutdown);
      return { results: r.items.map(presentRecord), total: r.total, limit: r.limit, page: r.page, next_cursor: r.nextCursor };
    },
  );

  app.get<{ Params: { id: string }; Querystring: RoomQuery }>(
    '/v1/records/:id',
    {
      config: { grant: 'records:read' },
      schema: { summary: 'One container record (its status reconciled with the engine)', tags: ['records'], params: idParams, querystring: roomQuery({}), response: { 200: recordSchema, ...errorResponses } },
    },
    async (req) => presentRecord(await recordInRoom(req.rt, roomOf(req, ctx, req.query.room), req.params.id, ctx.shutdown)),
  );

  app.patch<{ Params: { id: string }; Querystring: RoomQuery; Body: { status: string } }>(
    '/v1/records/:id',
    {
      config: { grant: 'records:write' },
      schema: {
        summary: "Set a finished container's outcome: succeeded, failed, cancelled or archived",
        tags: ['records'],
        params: idParams,
        querystring: roomQuery({}),
        body: { type: 'object', required: ['status'], additionalProperties: false, properties: { status: { type: 'string', minLength: 1 } } },
        response: { 200: recordSchema, ...errorResponses },
      },
    },
    async (req) => {
      const record = await recordInRoom(req.rt, roomOf(req, ctx, req.query.room), req.params.id, ctx.shutdown);
      return presentRecord(await new RecordService(req.rt).update(record.id, { status: req.body.status }, ctx.shutdown));
    },
  );

  app.delete<{ Params: { id: string }; Querystring: RoomQuery & { time?: number; force?: boolean } }>(
    '/v1/records/:id',
    {
      config: { grant: 'records:write' },
      schema: {
        summary: 'Delete a record, stopping and removing its container first when it is still there',
        tags: ['records'],
        params: idParams,
        querystring: roomQuery({
          time: { type: 'integer', minimum: 0, maximum: 3600, description: 'Seconds to wait for the stop before it is killed' },
          force: { type: 'boolean', default: false, description: 'Kill instead of stopping' },
        }),
        response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['deleted'] }, id: { type: 'integer' }, container_removed: { type: 'boolean' } } }, ...errorResponses },
      },
    },
    async (req) => {
      holdOpen(req);
      const record = await recordInRoom(req.rt, roomOf(req, ctx, req.query.room), req.params.id, ctx.shutdown);
      const r = await new RecordService(req.rt).delete(record.id, { time: req.query.time, force: req.query.force, signal: ctx.shutdown });
      return { status: 'deleted', id: r.id, container_removed: r.containerRemoved };
    },
  );
}
