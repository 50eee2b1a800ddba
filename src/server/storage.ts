// Room storage and the caller's workspace on the host: list a directory, copy within storage, remove — what
// `berth storage ls/cp/rm` do, with both sides of a copy always storage paths (a remote caller never names a host
// path). A caller acting as an agent reaches its own workspace only.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { roomOf } from './access.js';
import type { ServerContext } from './context.js';
import { errorResponses, HttpError } from './errors.js';
import { callerAgent, roomQuery, type RoomQuery } from './room-query.js';
import { StorageService, type StorageEntry } from './runtime.js';

type ScopeQuery = RoomQuery & { workspace?: boolean; agent?: string };


/**
 * The storage scope: the room storage, or a workspace (`workspace=true`: the caller's own; an admin names the agent
 * with `agent`). A caller acting as an agent may not name another agent's workspace.
 */
function scopeOf(req: FastifyRequest<{ Querystring: ScopeQuery }>, ctx: ServerContext): { room: string; agent?: string } {
  const room = roomOf(req, ctx, req.query.room);
  const own = callerAgent(req);
  const named = req.query.agent;
  if (own && named && named !== own) throw new HttpError(403, 'forbidden', `a caller acting as agent "${own}" cannot reach agent "${named}"'s workspace`);
  if (!req.query.workspace && !named) return { room };
  const agent = own ?? named;
  if (!agent) throw new HttpError(400, 'bad_request', 'workspace=true needs agent=NAME for a caller that is not an agent');
  return { room, agent };
}

/** A storage path as the library reads it (a leading `:`): never a host path. */
function storagePath(p: string): string {
  return `:${p.replace(/^:/, '')}`;
}

const scopeProps = {
  workspace: { type: 'boolean', default: false, description: "The caller's workspace instead of the room storage" },
  agent: { type: 'string', minLength: 1, maxLength: 64, description: "An admin user: this agent's workspace" },
} as const;

const entrySchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    path: { type: 'string' },
    type: { type: 'string', enum: ['file', 'directory', 'symlink', 'other'] },
    size: { type: 'integer' },
    mode: { type: 'integer' },
    mtime: { type: 'string' },
    link_target: { type: 'string' },
  },
} as const;

const entry = (e: StorageEntry) => ({ name: e.name, path: e.path, type: e.type, size: e.size, mode: e.mode, mtime: e.mtime, ...(e.linkTarget !== undefined ? { link_target: e.linkTarget } : {}) });

export function storageRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Querystring: ScopeQuery & { path?: string } }>(
    '/v1/storage',
    {
      config: { grant: 'files:read' },
      schema: {
        summary: 'List a directory of the room storage (or a workspace)',
        tags: ['storage'],
        querystring: roomQuery({ path: { type: 'string', default: '', description: 'Relative to the storage root; "" is the root' }, ...scopeProps }),
        response: { 200: { type: 'object', properties: { path: { type: 'string' }, entries: { type: 'array', items: entrySchema } } }, ...errorResponses },
      },
    },
    async (req) => {
      const listing = new StorageService(req.rt).list(scopeOf(req, ctx), storagePath(req.query.path ?? ''));
      return { path: listing.path, entries: listing.entries.map(entry) };
    },
  );

  app.post<{ Querystring: ScopeQuery; Body: { src: string; dst: string } }>(
    '/v1/storage/copy',
    {
      config: { grant: 'files:write' },
      schema: {
        summary: 'Copy a file or directory within the storage (into an existing directory it keeps its name; a trailing / on dst means into)',
        tags: ['storage'],
        querystring: roomQuery(scopeProps),
        body: { type: 'object', required: ['src', 'dst'], additionalProperties: false, properties: { src: { type: 'string', minLength: 1 }, dst: { type: 'string', minLength: 1 } } },
        response: { 200: { type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' }, files: { type: 'integer' }, bytes: { type: 'integer' } } }, ...errorResponses },
      },
    },
    async (req) => {
      const scope = scopeOf(req, ctx);
      const storage = new StorageService(req.rt);
      // A source that is not there is 404 before anything is written (the copy itself is audited, failed or not).
      storage.list(scope, storagePath(req.body.src));
      return storage.copy(scope, storagePath(req.body.src), storagePath(req.body.dst));
    },
  );

  app.delete<{ Querystring: ScopeQuery & { path: string; recursive: boolean } }>(
    '/v1/storage',
    {
      config: { grant: 'files:write' },
      schema: {
        summary: 'Remove a file, or a directory with recursive=true',
        tags: ['storage'],
        querystring: roomQuery({ path: { type: 'string', minLength: 1 }, recursive: { type: 'boolean', default: false }, ...scopeProps }, ['path']),
        response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['deleted'] }, path: { type: 'string' } } }, ...errorResponses },
      },
    },
    async (req) => {
      const r = await new StorageService(req.rt).remove(scopeOf(req, ctx), storagePath(req.query.path), { recursive: req.query.recursive });
      return { status: 'deleted', path: r.path };
    },
  );
}
