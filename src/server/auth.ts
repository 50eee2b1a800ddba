// Who calls: HTTP Basic on every route, checked against the API users (and one user from the environment or a .env),
// with failures answered 401 after a delay that grows with each failure from the same address. The caller becomes
// `request.principal`; a bearer-token principal (per-agent tokens) is one more `kind` here, nothing else changes.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';
import { ApiUserVerifier, readEnvFile, type Runtime } from './runtime.js';

export type Principal = { kind: 'user'; name: string };

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

export function authenticate(rt: Runtime, verifier: ApiUserVerifier, delays: FailureDelay) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const creds = parseBasic(req.headers.authorization);
    const address = req.ip;
    if (creds && (await verifier.verify(creds.name, creds.password))) {
      delays.succeed(address);
      req.principal = { kind: 'user', name: creds.name };
      req.rt = rt.actingFor(creds.name, { via: 'api', principal: `user:${creds.name}`, address });
      return;
    }
    const wait = delays.delayFor(address);
    delays.fail(address);
    await new Promise((r) => setTimeout(r, wait));
    throw new HttpError(401, 'unauthorized', creds ? 'wrong user name or password' : 'HTTP Basic authentication is required');
  };
}
