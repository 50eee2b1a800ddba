// Who calls: HTTP Basic (an admin user, acting as a person) or a bearer token (acting as its agent, within its rooms
// and grants) on every route, with failures answered 401 after a delay that grows with each failure from the same
// address. The caller becomes `request.principal`, and `request.rt` the runtime acting for it. A token also passes
// its rate limit and its cap on requests open at once (429 with Retry-After).
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';
import { ApiUserVerifier, readEnvFile, type Runtime, type TokenVerifier } from './runtime.js';

/** An admin user (HTTP Basic), or a token: its name, id, agent, rooms and grants. */
export type Principal =
  | { kind: 'user'; name: string }
  | { kind: 'token'; name: string; id: string; agent: string; rooms: string[]; grants: string[]; expiresAt: string | null };

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
    /** The runtime acting for this request's principal: the audit log names it and the source address. */
    rt: Runtime;
  }
}

/** BERTH_API_USER / BERTH_API_PASSWORD from the environment, else from a .env in the working directory. */
export function envUser(env: NodeJS.ProcessEnv, cwd: string): { name: string; password: string } | undefined {
  let user = env.BERTH_API_USER;
  let password = env.BERTH_API_PASSWORD;
  const file = path.join(cwd, '.env');
  if ((!user || !password) && fs.existsSync(file)) {
    const vars = readEnvFile(file);
    user ||= vars.BERTH_API_USER;
    password ||= vars.BERTH_API_PASSWORD;
  }
  return user && password ? { name: user, password } : undefined;
}

/** Failures per source address: each one doubles the next failure's delay (from 200 ms up to 5 s); a success clears it. */
export class FailureDelay {
  private readonly failures = new Map<string, { count: number; last: number }>();
  constructor(
    private readonly baseMs = 200,
    private readonly maxMs = 5000,
    /** Failures older than this are forgotten. */
    private readonly forgetMs = 15 * 60_000,
  ) {}

  delayFor(address: string): number {
    const f = this.failures.get(address);
    const count = f && Date.now() - f.last < this.forgetMs ? f.count : 0;
    return Math.min(this.maxMs, this.baseMs * 2 ** Math.min(count, 10));
  }

  fail(address: string): void {
    const f = this.failures.get(address);
    const count = f && Date.now() - f.last < this.forgetMs ? f.count + 1 : 1;
    this.failures.delete(address);
    this.failures.set(address, { count, last: Date.now() });
    // Bounded: the oldest addresses go first.
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  succeed(address: string): void {
    this.failures.delete(address);
  }
}

function parseBasic(header: string | undefined): { name: string; password: string } | undefined {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon > 0 ? { name: text.slice(0, colon), password: text.slice(colon + 1) } : undefined;
}

/** Per-token limits: a token bucket (rate per second, burst) and a cap on requests open at once. */
export interface TokenLimits {
  rate: number;
  burst: number;
  concurrency: number;
}

export class TokenThrottle {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly open = new Map<string, number>();
  constructor(readonly limits: TokenLimits) {}

  /** Takes one request from the token's bucket; the seconds to wait when it is empty. */
  take(id: string, now = Date.now()): number | undefined {
    const { rate, burst } = this.limits;
    const b = this.buckets.get(id) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    this.buckets.set(id, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / rate));
  }

  /** Opens one request for the token; undefined when its cap is reached. The release runs once. */
  acquire(id: string): (() => void) | undefined {
    const n = this.open.get(id) ?? 0;
    if (n >= this.limits.concurrency) return undefined;
    this.open.set(id, n + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.open.get(id) ?? 1) - 1;
      if (left > 0) this.open.set(id, left);
      else this.open.delete(id);
    };
  }
}

/** The principal of a raw request (a WebSocket connection is told its upgrade request, not Fastify's). */
const principals = new WeakMap<object, { principal: Principal; rt: Runtime }>();
export function principalOfRaw(raw: object): { principal: Principal; rt: Runtime } | undefined {
  return principals.get(raw);
}

export interface AuthDeps {
  rt: Runtime;
  users: ApiUserVerifier;
  tokens: TokenVerifier;
  delays: FailureDelay;
  throttle: TokenThrottle;
  /** Told of every request a token made (for the server's published state). */
  onTokenRequest?: (principal: Principal & { kind: 'token' }) => void;
}

export function authenticate(deps: AuthDeps) {
  const { rt, users, tokens, delays, throttle } = deps;
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const address = req.ip;
    const header = req.headers.authorization ?? '';
    const bearer = /^Bearer +(\S+) *$/i.exec(header);
    if (bearer) {
      const check = tokens.check(bearer[1]!);
      if (check.ok) {
        delays.succeed(address);
        const t = check.token;
        const principal: Principal = { kind: 'token', name: t.name, id: t.id, agent: t.agent, rooms: t.rooms, grants: t.grants, expiresAt: t.expiresAt };
        req.principal = principal;
        req.rt = rt.actingFor(t.agent, { via: 'api', principal: `token:${t.id}`, tokenName: t.name, address }, { agent: t.agent });
        principals.set(req.raw, { principal, rt: req.rt });
        deps.onTokenRequest?.(principal);
        const wait = throttle.take(t.id);
        if (wait !== undefined) {
          void reply.header('retry-after', String(wait));
          throw new HttpError(429, 'rate_limited', `token ${t.name}: more than ${throttle.limits.rate} requests a second (burst ${throttle.limits.burst}); retry in ${wait}s`);
        }
        const release = throttle.acquire(t.id);
        if (!release) {
          void reply.header('retry-after', '1');
          throw new HttpError(429, 'too_many_open', `token ${t.name}: too many requests open at once; retry when one has finished`);
        }
        // A WebSocket session holds its slot until its connection closes; a request until its answer is done.
        if (String(req.headers.upgrade).toLowerCase() === 'websocket') req.raw.socket.once('close', release);
        else reply.raw.once('close', release);
        return;
      }
      const wait = delays.delayFor(address);
      delays.fail(address);
      await new Promise((r) => setTimeout(r, wait));
      throw new HttpError(401, 'unauthorized', check.why === 'expired' ? 'the token has expired' : 'unknown or revoked token');
    }
    const creds = parseBasic(header);
    if (creds && (await users.verify(creds.name, creds.password))) {
      delays.succeed(address);
      req.principal = { kind: 'user', name: creds.name };
      req.rt = rt.actingFor(creds.name, { via: 'api', principal: `user:${creds.name}`, address });
      principals.set(req.raw, { principal: req.principal, rt: req.rt });
      return;
    }
    const wait = delays.delayFor(address);
    delays.fail(address);
    await new Promise((r) => setTimeout(r, wait));
    throw new HttpError(401, 'unauthorized', creds ? 'wrong user name or password' : 'HTTP Basic or a bearer token is required');
  };
}
