// What the library's routes share: the optional `room` query parameter (the room a request acts in; roomOf decides
// which rooms a caller may name), lists given as repeated or comma-separated parameters, and the caller's agent.
import type { FastifyRequest } from 'fastify';

/** The `room` query parameter, with a querystring schema's other properties. */
export function roomQuery<P extends Record<string, unknown>>(properties: P, required: string[] = []) {
  return {
    type: 'object',
    additionalProperties: false,
    ...(required.length ? { required } : {}),
    properties: { room: { type: 'string', minLength: 1, maxLength: 64, description: 'The room to act in (default: the served room)' }, ...properties },
  } as const;
}

export type RoomQuery = { room?: string };

/** A list given as repeated parameters or comma-separated values, without empty items. */
export function splitList(list?: string[] | string): string[] {
  return (Array.isArray(list) ? list : list === undefined ? [] : [list]).flatMap((s) => s.split(',')).filter(Boolean);
}

/** The agent a caller acts as (a bearer token's agent); an admin user, a person, acts as none. */
export function callerAgent(req: FastifyRequest): string | undefined {
  return (req.principal as { agent?: string } | undefined)?.agent;
}
