// One error shape for every route, {error: {code, message}}: the CLI's categories as HTTP statuses, the CLI's line.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { BerthError, RegistryUnreachableError, type Runtime } from './runtime.js';

const STATUS: Record<string, { status: number; code: string }> = {
  usage: { status: 400, code: 'bad_request' },
  notFound: { status: 404, code: 'not_found' },
  conflict: { status: 409, code: 'conflict' },
  engineUnreachable: { status: 503, code: 'engine_unreachable' },
  denied: { status: 403, code: 'forbidden' },
  timeout: { status: 504, code: 'timeout' },
  cancelled: { status: 503, code: 'cancelled' },
  failure: { status: 500, code: 'failed' },
};

/** An error a route throws itself with its own status (401, 413, exec timeouts). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;

/** The response schemas every route shares for its errors. */
export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  500: errorSchema,
  503: errorSchema,
  504: errorSchema,
} as const;

export function toHttpError(err: unknown, rt: Runtime): { status: number; code: string; message: string } {
  const firstLine = (m: string) => m.split('\n')[0]!.trim();
  if (err instanceof HttpError) return { status: err.statusCode, code: err.code, message: firstLine(rt.mask.text(err.message)) };
  // An upstream the engine could not reach: a bad gateway, not the server's own failure.
  if (err instanceof RegistryUnreachableError) return { status: 502, code: 'registry_unreachable', message: firstLine((rt.mask.error(err) as Error).message) };
  if (err instanceof BerthError) {
    const s = STATUS[err.kind] ?? STATUS.failure!;
    return { ...s, message: firstLine((rt.mask.error(err) as Error).message) };
  }
  const fe = err as FastifyError;
  if (fe?.validation) {
    // Ajv's first complaint, with where it was: "body/resources/cpus must be number".
    const v = fe.validation[0]!;
    const where = `${fe.validationContext ?? 'request'}${v.instancePath || ''}`;
    const extra = v.keyword === 'additionalProperties' ? ` "${(v.params as { additionalProperty?: string }).additionalProperty}"` : '';
    return { status: 400, code: 'bad_request', message: `${where} ${v.message ?? 'is invalid'}${extra}` };
  }
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code = fe.statusCode === 413 ? 'too_large' : fe.statusCode === 415 ? 'unsupported_media_type' : fe.statusCode === 408 ? 'request_timeout' : 'bad_request';
    return { status: fe.statusCode, code, message: firstLine(fe.message) };
  }
  return { status: 500, code: 'failed', message: firstLine((rt.mask.error(err) as Error)?.message ?? String(err)) };
}

export function errorHandler(rt: Runtime) {
  return (err: unknown, _req: FastifyRequest, reply: FastifyReply) => {
    const e = toHttpError(err, rt);
    if (e.status === 401) reply.header('www-authenticate', 'Basic realm="berth", charset="UTF-8"');
    void reply.code(e.status).send({ error: { code: e.code, message: e.message } });
  };
}
