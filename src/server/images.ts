// The room's images: list, inspect, pull (with registry credentials given for that pull, never stored or logged),
// tag and delete — the functions `berth image` calls. An image no other room holds is removed from the engine on
// delete; one other rooms hold is only dropped from this room.
import type { FastifyInstance } from 'fastify';
import { roomOf } from './access.js';
import { holdOpen, requestSignal, type ServerContext } from './context.js';
import { errorResponses } from './errors.js';
import { roomQuery, type RoomQuery } from './room-query.js';
import { credentialKey, NotFoundError, deleteImage, inspectImage, listImages, parseImageRef, pullImage, tagImage, type ImageSummary, type RegistryAuth } from './runtime.js';

const imageSchema = {
  type: 'object',
  required: ['id', 'tags'],
  properties: {
    id: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' }, description: 'repository:tag names; empty for a dangling image' },
    digests: { type: 'array', items: { type: 'string' } },
    size: { type: 'integer' },
    created: { type: 'string' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    shared: { type: 'boolean', description: 'Other rooms hold it too (a delete then only drops it from this room)' },
    used_by: { type: 'array', items: { type: 'string' }, description: "This room's containers (any state) created from it" },
  },
} as const;

const imageDetailSchema = {
  ...imageSchema,
  properties: {
    ...imageSchema.properties,
    architecture: { type: 'string' },
    os: { type: 'string' },
    entrypoint: { type: 'array', items: { type: 'string' } },
    cmd: { type: 'array', items: { type: 'string' } },
    workdir: { type: 'string' },
    exposed_ports: { type: 'array', items: { type: 'string' } },
    env: { type: 'array', items: { type: 'string' } },
    layers: { type: 'array', items: { type: 'string' } },
  },
} as const;

/** An image as one room sees it: other rooms and their containers are not named (a room is the caller's view). */
function present(i: ImageSummary, room: string) {
  const prefix = `${room}/`;
  // A digest names its repository: only those of the room's own tags are shown (others name other rooms' images).
  const repository = (tag: string) => (tag.lastIndexOf(':') > tag.lastIndexOf('/') ? tag.slice(0, tag.lastIndexOf(':')) : tag);
  const repositories = new Set(i.tags.map(repository));
  return {
    id: i.id,
    tags: i.tags,
    digests: i.digests.filter((d) => repositories.has(d.slice(0, d.indexOf('@')))),
    size: i.size,
    created: i.created,
    labels: i.labels,
    shared: i.rooms.some((r) => r !== room),
    used_by: i.usedBy.filter((u) => u.startsWith(prefix)).map((u) => u.slice(prefix.length)),
  };
}

const refQuery = roomQuery({ ref: { type: 'string', minLength: 1, maxLength: 512, description: 'Image name or id' } }, ['ref']);

export function imageRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Querystring: RoomQuery }>(
    '/v1/images',
    {
      config: { grant: 'images:read' },
      schema: {
        summary: "The room's images (pulled, built or tagged in it)",
        tags: ['images'],
        querystring: roomQuery({}),
        response: { 200: { type: 'object', required: ['images'], properties: { images: { type: 'array', items: imageSchema } } }, ...errorResponses },
      },
    },
    async (req) => {
      const room = roomOf(req, ctx, req.query.room);
      return { images: (await listImages(req.rt, { room, requireRoom: true, signal: ctx.shutdown })).map((i) => present(i, room)) };
    },
  );

  app.get<{ Querystring: RoomQuery & { ref: string } }>(
    '/v1/images/inspect',
    {
      config: { grant: 'images:read' },
      schema: { summary: "One of the room's images: config, layers and history", tags: ['images'], querystring: refQuery, response: { 200: imageDetailSchema, ...errorResponses } },
    },
    async (req) => {
      const room = roomOf(req, ctx, req.query.room);
      const d = await inspectImage(req.rt, { room, ref: req.query.ref });
      // Only the room's images, as in the listing.
      if (!d.rooms.includes(room)) throw new NotFoundError(`image "${req.query.ref}" is not in room "${room}"`);
      return { ...present(d, room), architecture: d.architecture, os: d.os, entrypoint: d.entrypoint, cmd: d.cmd, workdir: d.workdir, exposed_ports: d.exposedPorts, env: d.env, layers: d.layers };
    },
  );

  app.post<{ Querystring: RoomQuery; Body: { ref: string; username?: string; password?: string; identity_token?: string } }>(
    '/v1/images/pull',
    {
      config: { grant: 'images:write' },
      schema: {
        summary: 'Pull an image into the room',
        description:
          "Credentials for the image's registry: `username` with `password` (or a token as password), or `identity_token`; used for this pull only, never stored or logged. Without them, what `docker login` stored on the server's host.",
        tags: ['images'],
        querystring: roomQuery({}),
        body: {
          type: 'object',
          required: ['ref'],
          additionalProperties: false,
          properties: {
            ref: { type: 'string', minLength: 1, maxLength: 512 },
            username: { type: 'string', minLength: 1 },
            password: { type: 'string', minLength: 1 },
            identity_token: { type: 'string', minLength: 1 },
          },
          dependencies: { username: ['password'], password: ['username'] },
        },
        // 502: the engine could not reach the image's registry.
        response: { 200: { type: 'object', properties: { id: { type: 'string' }, ref: { type: 'string' }, digest: { type: 'string' }, room: { type: 'string' } } }, 502: errorResponses[400], ...errorResponses },
      },
    },
    async (req, reply) => {
      const room = roomOf(req, ctx, req.query.room);
      const { ref, username, password, identity_token } = req.body;
      // The reference is checked before any credential is used.
      const serveraddress = credentialKey(parseImageRef(ref).registry);
      const auth: RegistryAuth | undefined = username ? { serveraddress, username, password } : identity_token ? { serveraddress, identitytoken: identity_token } : undefined;
      holdOpen(req);
      const pulled = await pullImage(req.rt, { room, ref, auth, signal: requestSignal(req, reply, ctx.shutdown) });
      return { id: pulled.id, ref: pulled.ref, ...(pulled.digest ? { digest: pulled.digest } : {}), room };
    },
  );

  app.post<{ Querystring: RoomQuery; Body: { source: string; target: string } }>(
    '/v1/images/tag',
    {
      config: { grant: 'images:write' },
      schema: {
        summary: 'Give an image (name or id) another name; the room holds the new name',
        tags: ['images'],
        querystring: roomQuery({}),
        body: { type: 'object', required: ['source', 'target'], additionalProperties: false, properties: { source: { type: 'string', minLength: 1, maxLength: 512 }, target: { type: 'string', minLength: 1, maxLength: 512 } } },
        response: { 200: { type: 'object', properties: { id: { type: 'string' }, ref: { type: 'string' }, room: { type: 'string' } } }, ...errorResponses },
      },
    },
    async (req) => {
      const room = roomOf(req, ctx, req.query.room);
      const tagged = await tagImage(req.rt, { room, source: req.body.source, target: req.body.target });
      return { id: tagged.id, ref: tagged.ref, room };
    },
  );

  app.delete<{ Querystring: RoomQuery & { ref: string; force: boolean } }>(
    '/v1/images',
    {
      config: { grant: 'images:write' },
      schema: {
        summary: "Delete an image from the room: removed from the engine unless another room holds it",
        description: 'Refused (409) while a container uses it, unless force.',
        tags: ['images'],
        querystring: { ...refQuery, properties: { ...refQuery.properties, force: { type: 'boolean', default: false, description: 'Also when containers use it' } } },
        response: {
          200: {
            type: 'object',
            properties: { id: { type: 'string' }, untagged: { type: 'array', items: { type: 'string' } }, deleted: { type: 'boolean', description: 'Removed from the engine (false: other rooms still hold it)' } },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const r = await deleteImage(req.rt, { room: roomOf(req, ctx, req.query.room), ref: req.query.ref, force: req.query.force });
      return { id: r.id, untagged: r.untagged, deleted: r.deleted };
    },
  );
}
