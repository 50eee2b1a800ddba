// API users of berth serve: people who call the HTTP API with Basic auth. Names and bcrypt hashes live in SQLite;
// adding and removing one is a person's act and audited; verifying a password is slow once, then cached in memory.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConflictError, NotFoundError, UsageError, assertPerson, type PersonCheck, type Runtime } from '../core/index.js';

export interface ApiUser {
  name: string;
  createdAt: string;
  createdBy: string;
}

const USER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.@-]{0,63}$/;
/** bcrypt's cost: ~0.2-0.4 s per hash in bcryptjs, paid once per user and password by a server (then cached). */
const BCRYPT_ROUNDS = 12;
const MIN_PASSWORD = 8;
/** bcrypt reads at most 72 bytes: a longer password would be silently cut, so it is refused. */
const MAX_PASSWORD_BYTES = 72;

export function validateUserName(name: string): string {
  if (!USER_NAME.test(name)) throw new UsageError(`invalid user name "${name}": use 1-64 letters, digits and _ . @ -, starting with a letter or digit`);
  return name;
}

export function validatePassword(password: Buffer | string): void {
  const bytes = Buffer.byteLength(password);
  if (bytes < MIN_PASSWORD) throw new UsageError(`the password is too short: use at least ${MIN_PASSWORD} characters`);
  if (bytes > MAX_PASSWORD_BYTES) throw new UsageError(`the password is too long: bcrypt reads at most ${MAX_PASSWORD_BYTES} bytes`);
  if (/[\r\n\0]/.test(password.toString())) throw new UsageError('the password cannot hold a line break or NUL');
}

async function bcrypt(): Promise<typeof import('bcryptjs')> {
  const mod = (await import('bcryptjs')) as typeof import('bcryptjs') & { default?: typeof import('bcryptjs') };
  return mod.default ?? mod;
}

/** Adds a user (a person's act: refused for an agent); the password is stored only as a salted bcrypt hash. */
export async function addApiUser(rt: Runtime, name: string, password: Buffer | string, person: PersonCheck): Promise<ApiUser> {
  validateUserName(name);
  assertPerson(rt, person.stdinIsTTY, 'adding an API user', { action: 'api-user.add' });
  validatePassword(password);
  const db = rt.db();
  if (db.prepare('SELECT 1 FROM api_users WHERE name = ?').get(name)) throw new ConflictError(`API user "${name}" already exists: remove it first to change its password`);
  const hash = await (await bcrypt()).hash(password.toString('utf8'), BCRYPT_ROUNDS);
  const user: ApiUser = { name, createdAt: new Date().toISOString(), createdBy: rt.actor };
  return rt.audit.record({ actor: rt.actor, action: 'api-user.add', target: name }, async () => {
    db.prepare('INSERT INTO api_users (name, password_hash, created_at, created_by) VALUES (?, ?, ?, ?)').run(name, hash, user.createdAt, user.createdBy);
    return user;
  });
}

export function listApiUsers(rt: Runtime): ApiUser[] {
  const rows = rt.db().prepare('SELECT name, created_at, created_by FROM api_users ORDER BY name').all() as { name: string; created_at: string; created_by: string }[];
  return rows.map((r) => ({ name: r.name, createdAt: r.created_at, createdBy: r.created_by }));
}

/** Removes a user (a person's act); a running server refuses its credentials from the next request on. */
export async function removeApiUser(rt: Runtime, name: string, person: PersonCheck): Promise<ApiUser> {
  validateUserName(name);
  assertPerson(rt, person.stdinIsTTY, 'removing an API user', { action: 'api-user.remove' });
  const user = listApiUsers(rt).find((u) => u.name === name);
  if (!user) throw new NotFoundError(`API user "${name}" not found`);
  return rt.audit.record({ actor: rt.actor, action: 'api-user.remove', target: name }, async () => {
    rt.db().prepare('DELETE FROM api_users WHERE name = ?').run(name);
    return user;
  });
}

/**
 * Checks API credentials: each stored user (read from the database on every call, so a removed user or a changed
 * hash takes effect at once) and, when given, one extra user from the environment. A bcrypt check runs once per
 * user and password; a success is remembered as an HMAC under a key that lives only in this process, compared in
 * constant time. An unknown name costs a bcrypt check too, so timing does not say which names exist.
 */
export class ApiUserVerifier {
  private readonly key = randomBytes(32);
  private readonly verified = new Map<string, { hash: string; digest: Buffer }>();
  private dummyHash?: Promise<string>;

  constructor(
    private readonly rt: Runtime,
    private readonly envUser?: { name: string; password: string },
  ) {}

  private digest(password: string): Buffer {
    return createHmac('sha256', this.key).update(password).digest();
  }

  async verify(name: string, password: string): Promise<boolean> {
    const given = this.digest(password);
    let ok = false;
    if (this.envUser) {
      // Both names and passwords compared as fixed-length digests, so neither's length or content leaks by timing.
      const nameOk = timingSafeEqual(this.digest(`user:${name}`), this.digest(`user:${this.envUser.name}`));
      const passwordOk = timingSafeEqual(given, this.digest(this.envUser.password));
      ok = nameOk && passwordOk;
    }
    const row = this.rt.db().prepare('SELECT password_hash FROM api_users WHERE name = ?').get(name) as { password_hash: string } | undefined;
    if (ok) return true;
    if (!row) {
      this.dummyHash ??= bcrypt().then((b) => b.hash(randomBytes(16).toString('hex'), BCRYPT_ROUNDS));
      await (await bcrypt()).compare(password, await this.dummyHash);
      return false;
    }
    const cached = this.verified.get(name);
    if (cached && cached.hash === row.password_hash) return timingSafeEqual(cached.digest, given);
    if (!(await (await bcrypt()).compare(password, row.password_hash))) return false;
    this.verified.set(name, { hash: row.password_hash, digest: given });
    return true;
  }
}
