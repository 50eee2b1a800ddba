// What each route asks of its caller: one grant (a family and read or write, `approvals:request`, or `person` for
// what only a person may do), declared in the route's `config`, and the room it acts in. Every route declares one:
// the authorisation hook refuses a route without it, so a new route cannot be left open by accident. An admin user
// (HTTP Basic) acts as a person and holds every grant; a bearer token holds the grants it was created with, sees only
// its rooms (another room's resources are 404, as if they did not exist) and acts only as its own agent.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerContext } from './context.js';
import { HttpError } from './errors.js';
import { ALL_ROOMS, ContainerService, grantAllows, NotFoundError, UsageError, type PersonCheck } from './runtime.js';

export const GRANT_FAMILIES = ['containers', 'exec', 'files', 'images', 'build', 'services', 'plugins', 'records'] as const;
export type GrantFamily = (typeof GRANT_FAMILIES)[number];
/** What a route needs: `public` (health, the OpenAPI document: any authenticated caller), a family grant, or a person. */
export type RouteGrant = `${GrantFamily}:${'read' | 'write'}` | 'approvals:request' | 'public' | 'person';

declare module 'fastify' {
  interface FastifyContextConfig {
    grant?: RouteGrant;
  }
}

/** The grant the matched route declared (undefined for routes that declared none: refused). */
export function routeGrant(req: FastifyRequest): RouteGrant | undefined {
  return req.routeOptions.config.grant;
}

/**
 * onRequest hook (after authentication): refuse a route that declares no grant (403), so nothing is reachable by
 * omission; refuse a token the route's grant (403), and every `person` route.
 */
export function requireDeclaredGrant() {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    // Fastify's own 404 handler has no route options worth checking.
    if (req.is404) return;
    const grant = routeGrant(req);
    if (!grant) throw new HttpError(403, 'forbidden', `route ${req.method} ${req.routeOptions.url} declares no grant`);
    const p = req.principal;
    if (p?.kind !== 'token' || grant === 'public') return;
    if (grant === 'person') throw new HttpError(403, 'forbidden', `${req.method} ${req.routeOptions.url} is a person's act: refused for token ${p.name} (agent ${p.agent})`);
    if (!grantAllows(p.grants, grant)) throw new HttpError(403, 'forbidden', `token ${p.name} does not hold the grant ${grant}`);
  };
}

/**
 * preValidation hook: a token acts only as its agent; a query or body that names another agent (`agent`, `identity`)
 * is refused (403).
 */
export function requireOwnAgent() {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (req.principal?.kind !== 'token') return;
    const fields = [req.query, req.body].flatMap((v) => (v && typeof v === 'object' && !Buffer.isBuffer(v) ? [v as Record<string, unknown>] : []));
    for (const f of fields) for (const key of ['agent', 'identity']) if (f[key] !== undefined && f[key] !== null) agentOf(req, String(f[key]));
  };
}

/**
 * The agent a request acts as: a token's own agent (naming another is 403); for an admin, the one named or undefined
 * (the library's default).
 */
export function agentOf(req: FastifyRequest, named?: string): string | undefined {
  const p = req.principal;
  if (p?.kind !== 'token') return named;
  if (named !== undefined && named !== p.agent) throw new HttpError(403, 'forbidden', `token ${p.name} acts as agent ${p.agent}, not as ${named}`);
  return p.agent;
}

/** What a person-only act's check is told: an admin user is a person; a token never is. */
export function personOf(req: FastifyRequest): PersonCheck {
  return { stdinIsTTY: req.principal?.kind === 'user' };
}

/** Whether the caller may see this room (admins see every room). */
export function roomVisible(req: FastifyRequest, room: string): boolean {
  const p = req.principal;
  return p?.kind !== 'token' || p.rooms.includes(ALL_ROOMS) || p.rooms.includes(room);
}

/**
 * The room a request acts in: the one it names (a `room` query parameter or field) or else the served room. Admin
 * users may name any room. A token sees only its rooms: naming another is 404 (`room "x" not found`, as for a room
 * that does not exist); naming none means the served room when the token has it, else the token's only room, else
 * 400 (name one).
 */
export function roomOf(req: FastifyRequest, ctx: ServerContext, requested?: string): string {
  const p = req.principal;
  if (p?.kind !== 'token') return requested ?? ctx.room;
  if (requested !== undefined) {
    if (!roomVisible(req, requested)) throw new NotFoundError(`room "${requested}" not found`);
    return requested;
  }
  if (roomVisible(req, ctx.room)) return ctx.room;
  const own = p.rooms.filter((r) => r !== ALL_ROOMS);
  if (own.length === 1) return own[0]!;
  throw new UsageError(`name a room (?room=): token ${p.name} may act in ${own.join(', ')}`);
}

/**
 * preHandler hook: a token runs commands in (`exec`) and reaches the files of (`files`) only its own agent's
 * containers. Another agent's container mounts that agent's workspace at /workspace, which is private to it; a
 * container of another agent in the same room may still be listed and read (`containers:read`). A container that
 * is not there is left to the route (404).
 */
export function requireOwnContainers(ctx: ServerContext) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const p = req.principal;
    const grant = routeGrant(req);
    if (p?.kind !== 'token' || !grant || !/^(exec|files):/.test(grant)) return;
    const params = req.params as { cuid?: unknown } | undefined;
    const body = req.body as { commands?: unknown } | undefined;
    const cuids = [
      ...(typeof params?.cuid === 'string' ? [params.cuid] : []),
      ...(body?.commands && typeof body.commands === 'object' && !Buffer.isBuffer(body.commands) ? Object.keys(body.commands) : []),
    ];
    if (!cuids.length) return;
    const room = roomOf(req, ctx, (req.query as { room?: string } | undefined)?.room);
    const service = new ContainerService(req.rt);
    for (const cuid of cuids) {
      let agent: string;
      try {
        agent = (await service.resolve(room, cuid)).agent;
      } catch {
        continue;
      }
      if (agent !== p.agent) {
        throw new HttpError(403, 'forbidden', `container "${cuid}" belongs to agent ${agent || '(none)'}: token ${p.name} runs commands and reaches files only in agent ${p.agent}'s containers`);
      }
    }
  };
}
