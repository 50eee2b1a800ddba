// Streamed answers as newline-delimited JSON (application/x-ndjson, chunked): one JSON object a line as events come
// (job output, log lines, stats samples, build output). An error before the first line is an ordinary error answer
// (404, 400...); after it, the last line is {"type":"error","error":{code,message}}. The producer's signal aborts when
// the client goes away or the server's drain time is over, so the work stops with it.
import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { holdOpen, requestSignal } from './context.js';
import { toHttpError } from './errors.js';

export const NDJSON = 'application/x-ndjson';

export type Send = (event: Record<string, unknown>) => void;

export async function ndjson(
  req: FastifyRequest,
  reply: FastifyReply,
  shutdown: AbortSignal,
  produce: (send: Send, signal: AbortSignal) => Promise<Record<string, unknown> | void>,
): Promise<FastifyReply> {
  holdOpen(req);
  const signal = requestSignal(req, reply, shutdown);
  const out = new PassThrough();
  let begin!: () => void;
  const begun = new Promise<void>((r) => (begin = r));
  let started = false;
  const send: Send = (event) => {
    started = true;
    begin();
    if (!out.destroyed && !out.writableEnded) out.write(`${JSON.stringify(event)}\n`);
  };
  const done = produce(send, signal).then(
    (last) => {
      if (last) send(last);
      begin();
      out.end();
    },
    (err) => {
      if (!started) throw err;
      const e = toHttpError(err, req.rt);
      send({ type: 'error', error: { code: e.code, message: e.message } });
      out.end();
    },
  );
  await Promise.race([begun, done]);
  return reply.header('content-type', NDJSON).header('cache-control', 'no-store').send(out);
}
