// The engine's JSON progress streams (pull, push, build) read to their end, and a registry operation's failure in one
// line with the right exit code: what images, builds and container creation share.
import type Docker from 'dockerode';
import { type Engine, BerthError, CancelledError, NotFoundError, RegistryUnreachableError } from '../core/index.js';
import { engineJsonLines } from './events.js';

/** A line of the engine's JSON stream for pull, push and build. */
export interface EngineStreamEvent {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  stream?: string;
  aux?: { ID?: string; Digest?: string; Tag?: string; Size?: number };
  error?: string;
  errorDetail?: { message?: string; code?: number };
}

/**
 * Reads a pull/push/build stream to its end, failing on the first errorDetail with the engine's own message. The
 * signal cancels both the request and the stream (the engine stops the work when the connection closes).
 */
export async function readEngineStream(
  engine: Engine,
  what: string,
  open: (docker: Docker, signal: AbortSignal) => Promise<NodeJS.ReadableStream>,
  signal: AbortSignal | undefined,
  onEvent: (event: EngineStreamEvent) => void,
): Promise<void> {
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(signal?.reason);
  if (signal?.aborted) throw new CancelledError(`${what}: cancelled`);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const event of engineJsonLines<EngineStreamEvent>(engine, what, (d) => open(d, ctl.signal), ctl.signal)) {
      if (event.errorDetail || event.error) throw new StreamError(event.errorDetail?.message || event.error || 'failed', event.errorDetail?.code);
      onEvent(event);
    }
  } catch (err) {
    if (signal?.aborted) throw new CancelledError(`${what}: cancelled`);
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (signal?.aborted) throw new CancelledError(`${what}: cancelled`);
}

/** An error the engine reported inside a 200 stream. */
export class StreamError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
    this.name = 'StreamError';
  }
}

const DENIED = /no basic auth credentials|unauthorized|authentication required|401 Unauthorized|access denied|denied: |incorrect username or password/i;
const MISSING = /manifest unknown|not found|does not exist|no such image/i;
/** What the engine says when it could not talk to the registry at all. */
const UNREACHABLE = /connection refused|no such host|i\/o timeout|network is unreachable|no route to host|TLS handshake timeout|server gave HTTP response to HTTPS client|connection reset by peer/i;

function engineMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string };
  const raw = e?.json?.message ?? e?.message ?? String(err);
  return raw
    .replace(/^\(HTTP code \d+\) [a-z ]+ - /, '')
    .split('\n')[0]!
    .trim();
}

/**
 * A registry operation's failure in one line with the right exit code: refused credentials are denied (6), a missing
 * image not found (3), a connection failure stays engine-unreachable (5), a registry the engine could not reach a
 * failure that says so (502 over the API), anything else a failure with the engine's message.
 */
export function registryError(engine: Engine, err: unknown, what: string, registry: string, auth: { username?: string; identitytoken?: string } | undefined): unknown {
  if (err instanceof BerthError && !(err.kind === 'notFound' || err.kind === 'usage')) return err;
  const translated = engine.translate(err, what);
  if (translated instanceof BerthError && translated.kind === 'engineUnreachable') return translated;
  const message = engineMessage(err);
  if (DENIED.test(message)) {
    const hint = auth?.username || auth?.identitytoken
      ? `registry ${registry} refused the credentials${auth.username ? ` of ${auth.username}` : ''}`
      : `registry ${registry} wants a login (berth registry login ${registry}, or --username with --password-stdin)`;
    return new BerthError(`${what}: ${hint} (${message})`, 'denied', { cause: err });
  }
  if (UNREACHABLE.test(message)) return new RegistryUnreachableError(`${what}: cannot reach registry ${registry} (${message})`, { cause: err });
  if (MISSING.test(message) || (err as { statusCode?: number })?.statusCode === 404) return new NotFoundError(`${what}: ${message}`);
  return new BerthError(`${what}: ${message}`, 'failure', { cause: err });
}
