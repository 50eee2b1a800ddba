// Files of a container, relative to its /app: upload a zip or a tar (the raw request body, streamed through the files
// module's guard and limits), download one file, download a directory as a zip, and upload-and-run.
import path from 'node:path';
import { PassThrough, Transform, Writable, type Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { argv } from './containers.js';
import { roomOf } from './access.js';
import { cuidParams, holdOpen, requestSignal, type CuidParams, type ServerContext } from './context.js';
import { errorResponses, HttpError } from './errors.js';
import { FILES_ROOT } from './present.js';
import { archiveLimits, downloadArchive, downloadFile, uploadAndRun, uploadToContainer, UsageError, type Runtime } from './runtime.js';

export const ZIP_TYPES = ['application/zip', 'application/octet-stream', 'application/x-zip-compressed'];
/** A tar (or gzip'd tar) body is checked and sent to the engine as it arrives, never spooled. */
export const TAR_TYPES = ['application/x-tar', 'application/gzip', 'application/x-gzip'];
/** Request bodies that reach their route as the request stream (uploads, build contexts): read there, never buffered. */
export const ARCHIVE_TYPES = [...ZIP_TYPES, ...TAR_TYPES];

/** A path under /app: relative, no `..`; "" is /app itself. */
export function filesPath(p: string | undefined): string {
  const rel = (p ?? '').replace(/^\.\/+/, '').replace(/\/+$/, '');
  if (rel.startsWith('/') || rel.split('/').includes('..') || rel.includes('\0')) {
    throw new UsageError(`invalid path "${rel}": give a path relative to the container's ${FILES_ROOT}, without ".."`);
  }
  return rel && rel !== '.' ? path.posix.join(FILES_ROOT, rel) : FILES_ROOT;
}

/**
 * The request body, refused with 413 once it passes the upload limit (the files.maxBytes setting). `what` names it
 * in the messages, `expected` says what to send when the body is not a stream.
 */
export async function limitedBody(
  rt: Runtime,
  body: unknown,
  contentLength: string | undefined,
  what = 'the upload',
  expected = `send the zip (Content-Type ${ZIP_TYPES[0]}) or tar (${TAR_TYPES[0]}) as the request body`,
): Promise<Readable> {
  if (!body || typeof (body as Readable).pipe !== 'function') throw new HttpError(415, 'unsupported_media_type', expected);
  const max = (await archiveLimits(rt)).maxBytes;
  const tooLarge = () => new HttpError(413, 'too_large', `${what} is larger than ${max} bytes (the files.maxBytes setting)`);
  if (contentLength !== undefined && Number(contentLength) > max) throw tooLarge();
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      cb(seen > max ? tooLarge() : null, chunk);
    },
  });
  const input = body as Readable;
  input.on('error', (err) => counter.destroy(err));
  return input.pipe(counter);
}

/**
 * Streams what `write` produces as the response. An error before the first byte is an ordinary error response
 * (404, 400...); after it, the connection is cut so the client never takes a partial file for a whole one.
 */
async function streamed(reply: FastifyReply, type: string, write: (sink: Writable) => Promise<unknown>): Promise<FastifyReply> {
  const out = new PassThrough();
  let begin!: () => void;
  const begun = new Promise<void>((r) => (begin = r));
  let started = false;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      started = true;
      begin();
      // Once the response is gone, bytes are dropped: the request's signal is ending the download.
      if (out.destroyed || out.write(chunk)) return cb();
      const go = () => {
        out.off('drain', go).off('close', go);
        cb();
      };
      out.on('drain', go).on('close', go);
    },
  });
  const done = write(sink).then(
    () => {
      begin();
      out.end();
    },
    (err) => {
      if (!started) throw err;
      out.destroy(err);
    },
  );
  await Promise.race([begun, done]);
  return reply.header('content-type', type).send(out);
}

const pathQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { path: { type: 'string', default: '', description: `Relative to ${FILES_ROOT}; "" is ${FILES_ROOT} itself` } },
} as const;

const uploadResult = {
  type: 'object',
  properties: { path: { type: 'string' }, files: { type: 'integer' }, dirs: { type: 'integer' }, symlinks: { type: 'integer' }, bytes: { type: 'integer' } },
} as const;

export function filesRoutes(app: FastifyInstance, ctx: ServerContext): void {

  app.put<{ Params: CuidParams; Querystring: { path: string } }>(
    '/v1/containers/:cuid/files',
    {
      config: { grant: 'files:write' },
      schema: {
        summary: `Upload a zip or a tar (the request body) into ${FILES_ROOT}`,
        description:
          'A zip is read once: its directory (names, types, links, sizes, compression ratios) is checked before anything is written, its data as it is unpacked. ' +
          'A tar (or gzip\'d tar) is checked entry by entry as it streams to the container: an entry that is refused stops the upload there.',
        tags: ['files'],
        params: cuidParams,
        querystring: pathQuery,
        consumes: ARCHIVE_TYPES,
        response: { 200: uploadResult, 413: errorResponses[400], 415: errorResponses[400], ...errorResponses },
      },
    },
    async (req, reply) => {
      // Checking and unpacking a large archive takes a while after its last byte came in, with nothing sent.
      holdOpen(req);
      const dest = filesPath(req.query.path);
      const archive = await limitedBody(req.rt, req.body, req.headers['content-length']);
      const r = await uploadToContainer(req.rt, roomOf(req, ctx), req.params.cuid, { archive, archiveChecks: 'streaming', dest, signal: requestSignal(req, reply, ctx.shutdown) });
      return { path: dest, files: r.files, dirs: r.dirs, symlinks: r.symlinks, bytes: r.bytes };
    },
  );

  app.get<{ Params: CuidParams; Querystring: { path: string } }>(
    '/v1/containers/:cuid/files',
    {
      config: { grant: 'files:read' },
      schema: {
        summary: 'Download one file (its bytes, streamed)',
        tags: ['files'],
        params: cuidParams,
        querystring: { ...pathQuery, required: ['path'], properties: { path: { type: 'string', minLength: 1 } } },
        produces: ['application/octet-stream'],
        response: { 200: { type: 'string', format: 'binary' }, ...errorResponses },
      },
    },
    async (req, reply) => {
      const full = filesPath(req.query.path);
      // Content-Length from the archive's header: the client knows the size, and the body needs no chunk framing.
      const onSize = (size: number) => void reply.header('content-length', size);
      return streamed(reply, 'application/octet-stream', (sink) => downloadFile(req.rt, roomOf(req, ctx), req.params.cuid, full, sink, { signal: requestSignal(req, reply, ctx.shutdown), onSize }));
    },
  );

  app.get<{ Params: CuidParams; Querystring: { path: string } }>(
    '/v1/containers/:cuid/archive',
    {
      config: { grant: 'files:read' },
      schema: {
        summary: 'Download a directory as a zip (entries relative to it), streamed',
        tags: ['files'],
        params: cuidParams,
        querystring: pathQuery,
        produces: ['application/zip'],
        response: { 200: { type: 'string', format: 'binary' }, ...errorResponses },
      },
    },
    async (req, reply) => {
      const full = filesPath(req.query.path);
      return streamed(reply, 'application/zip', (sink) => downloadArchive(req.rt, roomOf(req, ctx), req.params.cuid, full, sink, { format: 'zip', contents: true, signal: requestSignal(req, reply, ctx.shutdown) }));
    },
  );

  app.post<{ Params: CuidParams; Querystring: { command: string; wait: boolean; timeout?: number } }>(
    '/v1/containers/:cuid/upload-and-run',
    {
      config: { grant: 'exec:write' },
      schema: {
        summary: `Upload a zip or a tar into ${FILES_ROOT}, then run a command there (sh -c): wait for its exit code, or return at once`,
        tags: ['files', 'exec'],
        params: cuidParams,
        querystring: {
          type: 'object',
          required: ['command'],
          additionalProperties: false,
          properties: {
            command: { type: 'string', minLength: 1 },
            wait: { type: 'boolean', default: true },
            timeout: { type: 'number', exclusiveMinimum: 0, maximum: 86400, description: 'Seconds (with wait)' },
          },
        },
        consumes: ARCHIVE_TYPES,
        response: {
          200: { type: 'object', properties: { exit_code: { type: ['integer', 'null'] }, stdout: { type: 'string' }, stderr: { type: 'string' }, timed_out: { type: 'boolean' } } },
          413: errorResponses[400],
          415: errorResponses[400],
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      holdOpen(req);
      const archive = await limitedBody(req.rt, req.body, req.headers['content-length']);
      const r = await uploadAndRun(req.rt, roomOf(req, ctx), req.params.cuid, {
        archive,
        archiveChecks: 'streaming',
        dest: FILES_ROOT,
        command: argv(req.query.command),
        detach: !req.query.wait,
        timeout: req.query.timeout !== undefined ? req.query.timeout * 1000 : undefined,
        signal: requestSignal(req, reply, ctx.shutdown),
      });
      // Output as the command wrote it, as `berth container exec` prints it.
      return { exit_code: r.exitCode, stdout: r.stdout ?? '', stderr: r.stderr ?? '', timed_out: Boolean(r.timedOut) };
    },
  );
}
