// Image builds from an uploaded context: the request body is the context as a tar (gzip'd or not) or a zip,
// streamed to a temporary file, checked and unpacked through the archive guard, then built by `berth build`'s
// function (`.dockerignore` honoured when the context goes to the engine). The build log streams back as
// newline-delimited JSON; a client that goes away stops the build. The room holds the result.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { roomOf } from './access.js';
import type { ServerContext } from './context.js';
import { errorResponses } from './errors.js';
import { limitedBody } from './files.js';
import { ndjson, NDJSON } from './ndjson.js';
import { roomQuery, type RoomQuery } from './room-query.js';
import { buildImage, extractArchiveFile, parseBuildArgs, parseLabels, UsageError, type Runtime } from './runtime.js';

export const CONTEXT_TYPES = ['application/x-tar', 'application/gzip', 'application/x-gzip'];
/** Also taken: the zip types the files routes read raw. */
const ACCEPTED = [...CONTEXT_TYPES, 'application/zip', 'application/octet-stream'];

interface BuildQuery extends RoomQuery {
  tag: string[];
  dockerfile?: string;
  build_arg?: string[];
  label?: string[];
  target?: string;
  no_cache: boolean;
  pull: boolean;
}

/** Writes the body to `file`, refused with 413 once it passes the upload limit (files.maxBytes). */
async function saveBody(rt: Runtime, body: unknown, contentLength: string | undefined, file: string, signal: AbortSignal): Promise<void> {
  const limited = await limitedBody(rt, body, contentLength, 'the build context', `send the build context as the request body with Content-Type ${CONTEXT_TYPES[0]}`);
  await pipeline(limited, fs.createWriteStream(file, { mode: 0o600 }), { signal });
}

/** The Dockerfile's path inside the context: relative, without `..`. */
function dockerfileIn(dir: string, given: string | undefined): string | undefined {
  if (given === undefined) return undefined;
  if (path.isAbsolute(given) || given.split(/[\\/]/).includes('..') || given.includes('\0')) {
    throw new UsageError(`invalid dockerfile "${given}": give a path inside the uploaded context, without ".."`);
  }
  return path.join(dir, given);
}

export function buildRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Querystring: BuildQuery }>(
    '/v1/build',
    {
      config: { grant: 'build:write' },
      schema: {
        summary: 'Build an image from an uploaded context (tar, tar.gz or zip body); the build log streams back',
        description:
          'The answer streams newline-delimited JSON: {"type":"context","bytes","files"} as the context goes to the engine (after .dockerignore), {"type":"output","text"} build output, {"type":"progress","status","id"} base image pulls, then {"type":"built","id","tags"}; a failure after the first line is {"type":"error","error":{code,message}}. A refused archive, a bad tag or a missing Dockerfile is an ordinary error answer before anything is built. Closing the connection stops the build.',
        tags: ['build'],
        querystring: roomQuery(
          {
            tag: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, description: 'Name for the image (repeatable)' },
            dockerfile: { type: 'string', minLength: 1, description: 'Path of the Dockerfile inside the context (default Dockerfile)' },
            build_arg: { type: 'array', items: { type: 'string' }, description: 'KEY=VALUE build argument (repeatable)' },
            label: { type: 'array', items: { type: 'string' }, description: 'KEY=VALUE label on the image (repeatable)' },
            target: { type: 'string', description: 'Build up to this stage' },
            no_cache: { type: 'boolean', default: false },
            pull: { type: 'boolean', default: false, description: 'Always pull newer base images' },
          },
          ['tag'],
        ),
        consumes: ACCEPTED,
        produces: [NDJSON],
        response: { 200: { type: 'string', description: 'newline-delimited JSON events' }, 413: errorResponses[400], 415: errorResponses[400], ...errorResponses },
      },
    },
    async (req, reply) => {
      const room = roomOf(req, ctx, req.query.room);
      const q = req.query;
      // Checked before a byte is stored: bare KEY arguments never take the server's environment.
      const buildArgs = parseBuildArgs(q.build_arg ?? [], {});
      const bare = (q.build_arg ?? []).find((a) => !a.includes('='));
      if (bare !== undefined) throw new UsageError(`invalid build_arg "${bare}": give KEY=VALUE (the server's environment is not passed on)`);
      const labels = parseLabels(q.label ?? []);
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-build-'));
      const cleanup = () => fs.rmSync(tmp, { recursive: true, force: true });
      try {
        const archive = path.join(tmp, 'context.archive');
        const dir = path.join(tmp, 'context');
        fs.mkdirSync(dir, { mode: 0o700 });
        await saveBody(req.rt, req.body, req.headers['content-length'], archive, ctx.shutdown);
        await extractArchiveFile(req.rt, archive, dir, { signal: ctx.shutdown });
        fs.rmSync(archive);
        const shown = (err: unknown) => {
          if (err instanceof Error) err.message = err.message.split(dir).join('the uploaded context');
          return err;
        };
        return await ndjson(req, reply, ctx.shutdown, async (send, signal) => {
          try {
            const r = await buildImage(req.rt, {
              room,
              context: dir,
              tag: q.tag,
              dockerfile: dockerfileIn(dir, q.dockerfile),
              buildArgs,
              labels,
              target: q.target,
              noCache: q.no_cache,
              pull: q.pull,
              signal,
              onEvent: (e) => {
                if (e.type === 'context') send({ type: 'context', bytes: e.bytes, files: e.files });
                else if (e.type === 'output') send({ type: 'output', text: e.text });
                else send({ type: 'progress', status: e.event.status, ...(e.event.id ? { id: e.event.id } : {}) });
              },
            });
            return { type: 'built', id: r.id, tags: r.tags };
          } catch (err) {
            throw shown(err);
          } finally {
            cleanup();
          }
        });
      } catch (err) {
        cleanup();
        throw err;
      }
    },
  );
}
