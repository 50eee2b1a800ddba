// What each route asks of its caller: one grant (a family and read or write, `approvals:request`, or `person` for
// what only a person may do), declared in the route's `config`, and the room it acts in. Every route declares one:
// the authorisation hook refuses a route without it, so a new route cannot be left open by accident.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerContext } from './context.js';
import { HttpError } from './errors.js';

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

/** onRequest/preHandler hook: refuse a route that declares no grant (403), so nothing is reachable by omission. */
export function requireDeclaredGrant() {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    // Fastify's own 404 handler has no route options worth checking.
    if (req.is404) return;
    if (!routeGrant(req)) throw new HttpError(403, 'forbidden', `route ${req.method} ${req.routeOptions.url} declares no grant`);
  };
}

/**
 * The room a request acts in: the one it names (a `room` query parameter or field) or the served room. Admin users
 * (HTTP Basic) may name any room.
 */
export function roomOf(req: FastifyRequest, ctx: ServerContext, requested?: string): string {
  return requested ?? ctx.room;
}
