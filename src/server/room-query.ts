// What the library's routes share: the optional `room` query parameter (the room a request acts in; roomOf decides
// which rooms a caller may name) and the schemas of a few common shapes.

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

export const deletedSchema = { type: 'object', properties: { status: { type: 'string', enum: ['deleted'] } }, additionalProperties: true } as const;
