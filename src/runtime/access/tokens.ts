// API tokens of berth serve: one per agent and purpose, with the rooms it may see and the grants it holds. The token
// is 256 random bits shown once; the database keeps only its SHA-256 (a random token needs no slow hash: there is
// nothing to guess). Creating and revoking are a person's acts and audited. A generation counter, raised by every
// revocation, lets a server check its cached lookups with one small read per request.
import { createHash, randomBytes } from 'node:crypto';
import { NotFoundError, UsageError, assertPerson, validateIdentity, validateRoomName, type Database, type PersonCheck, type Runtime } from '../core/index.js';

export const TOKEN_FAMILIES = ['containers', 'exec', 'files', 'images', 'build', 'services', 'plugins', 'records'] as const;
export type TokenFamily = (typeof TOKEN_FAMILIES)[number];
/** What a token may hold: read or write per family (write includes read), or filing host-command requests. */
export type TokenGrant = `${TokenFamily}:${'read' | 'write'}` | 'approvals:request';

/** A token's room list may be this alone: every room. */
export const ALL_ROOMS = '*';
/** Granted when `token create` names no --grant: the least a token can do. */
export const DEFAULT_GRANTS: TokenGrant[] = ['containers:read'];
const TOKEN_PREFIX = 'berth_tok_';

export interface ApiToken {
  id: string;
  name: string;
  agent: string;
  /** Room names, or [`*`] for every room. */
  rooms: string[];
  grants: TokenGrant[];
  createdAt: string;
  createdBy: string;
  /** ISO time, or null: never expires. */
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export interface CreateTokenOptions {
  agent: string;
  rooms: string[];
  grants?: string[];
  /** A duration like 30d, 12h, 90m, 2w. */
  expires?: string;
  name?: string;
}

interface TokenRow {
  id: string;
  name: string;
  agent: string;
  rooms: string;
  grants: string;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.@-]{0,63}$/;

/** SHA-256 of the token's text, hex: what the database keeps and looks up. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Whether a bearer value has the shape of a berth token (a cheap check before any lookup). */
export function looksLikeToken(text: string): boolean {
  return text.startsWith(TOKEN_PREFIX) && text.length === TOKEN_PREFIX.length + 43 && /^[A-Za-z0-9_-]+$/.test(text.slice(TOKEN_PREFIX.length));
}

/** `containers` (read and write), `containers:read`, `approvals:request`; anything else is one clear line. */
export function parseGrants(given: string[]): TokenGrant[] {
  const out = new Set<TokenGrant>();
  for (const raw of given.flatMap((g) => g.split(',')).map((g) => g.trim()).filter(Boolean)) {
    if (raw === 'approvals:request' || raw === 'approvals') {
      out.add('approvals:request');
      continue;
    }
    const [family, level, extra] = raw.split(':');
    if (extra !== undefined || !(TOKEN_FAMILIES as readonly string[]).includes(family!) || (level !== undefined && level !== 'read' && level !== 'write')) {
      throw new UsageError(`invalid --grant "${raw}": use FAMILY:read or FAMILY:write (FAMILY one of ${TOKEN_FAMILIES.join(', ')}), FAMILY for both, or approvals:request`);
    }
    if (level === undefined || level === 'read') out.add(`${family as TokenFamily}:read`);
    if (level === undefined || level === 'write') out.add(`${family as TokenFamily}:write`);
  }
  return [...out];
}

/** Whether a token's grants allow what a route needs (`containers:write` allows `containers:read` too). */
export function grantAllows(grants: readonly string[], needed: string): boolean {
  if (grants.includes(needed)) return true;
  const [family, level] = needed.split(':');
  return level === 'read' && grants.includes(`${family}:write`);
}

/** `30d`, `12h`, `90m`, `2w`, `3600s` → milliseconds. */
export function parseExpiry(text: string): number {
  const m = /^(\d+)(s|m|h|d|w)$/.exec(text.trim());
  const ms = m ? Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 's'] : NaN;
  if (!m || !(ms > 0) || ms > 10 * 365 * 86_400_000) throw new UsageError(`invalid --expires "${text}": use a duration like 12h, 30d or 2w (at most 10 years)`);
  return ms;
}

function toToken(r: TokenRow): ApiToken {
  return {
    id: r.id,
    name: r.name,
    agent: r.agent,
    rooms: JSON.parse(r.rooms) as string[],
    grants: JSON.parse(r.grants) as TokenGrant[],
    createdAt: r.created_at,
    createdBy: r.created_by,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
  };
}

/** Raises the revocation generation (a server drops its cached lookups and checks its open sessions). */
function bumpGeneration(db: Database): void {
  db.prepare('UPDATE api_token_generation SET generation = generation + 1 WHERE id = 1').run();
}

/**
 * Creates a token (a person's act) and returns it with its text, which is never stored or shown again. No room means
 * none: the caller passes the command's room when the person named none.
 */
export async function createToken(rt: Runtime, opts: CreateTokenOptions, person: PersonCheck): Promise<{ token: ApiToken; secret: string }> {
  const agent = validateIdentity(opts.agent, '--agent');
  const rooms = [...new Set(opts.rooms)];
  if (!rooms.length) throw new UsageError('name a room with --room (or --all-rooms)');
  if (rooms.includes(ALL_ROOMS) && rooms.length > 1) throw new UsageError('--all-rooms cannot be combined with --room');
  for (const r of rooms) if (r !== ALL_ROOMS) validateRoomName(r);
  const grants = opts.grants?.length ? parseGrants(opts.grants) : [...DEFAULT_GRANTS];
  const ttl = opts.expires !== undefined ? parseExpiry(opts.expires) : undefined;
  const id = randomBytes(6).toString('hex');
  const name = opts.name ?? `${agent}-${id.slice(0, 4)}`;
  if (!NAME.test(name)) throw new UsageError(`invalid --name "${name}": use 1-64 letters, digits and _ . @ -, starting with a letter or digit`);
  assertPerson(rt, person.stdinIsTTY, 'creating an API token', { action: 'token.create', target: name });
  const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const now = new Date();
  const token: ApiToken = {
    id,
    name,
    agent,
    rooms,
    grants,
    createdAt: now.toISOString(),
    createdBy: rt.actor,
    expiresAt: ttl !== undefined ? new Date(now.getTime() + ttl).toISOString() : null,
    lastUsedAt: null,
  };
  const db = rt.db();
  await rt.audit.record({ actor: rt.actor, action: 'token.create', target: id, details: { name, agent, rooms, grants, expiresAt: token.expiresAt } }, async () => {
    db.prepare(
      'INSERT INTO api_tokens (id, name, agent, rooms, grants, token_hash, created_at, created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(id, name, agent, JSON.stringify(rooms), JSON.stringify(grants), hashToken(secret), token.createdAt, token.createdBy, token.expiresAt);
  });
  return { token, secret };
}

/** Every token not revoked, oldest first (expired ones too, until revoked: `list` says they expired). */
export function listTokens(rt: Runtime): ApiToken[] {
  const rows = rt.db().prepare('SELECT * FROM api_tokens WHERE revoked_at IS NULL ORDER BY created_at, id').all() as TokenRow[];
  return rows.map(toToken);
}

/** Revokes a token by id or by its name when one token has it (a person's act); servers refuse it from the next request. */
export async function revokeToken(rt: Runtime, idOrName: string, person: PersonCheck): Promise<ApiToken> {
  if (!idOrName.trim()) throw new UsageError('name the token to revoke: its ID from `berth token list`');
  const db = rt.db();
  const rows = db.prepare('SELECT * FROM api_tokens WHERE revoked_at IS NULL AND (id = ? OR name = ?)').all(idOrName, idOrName) as TokenRow[];
  const byId = rows.filter((r) => r.id === idOrName);
  const found = byId.length ? byId : rows;
  if (found.length > 1) throw new UsageError(`${found.length} tokens are named "${idOrName}": revoke one by its ID (${found.map((r) => r.id).join(', ')})`);
  assertPerson(rt, person.stdinIsTTY, 'revoking an API token', { action: 'token.revoke', target: idOrName });
  if (!found.length) throw new NotFoundError(`token "${idOrName}" not found`);
  const token = toToken(found[0]!);
  return rt.audit.record({ actor: rt.actor, action: 'token.revoke', target: token.id, details: { name: token.name, agent: token.agent } }, async () => {
    db.transaction(() => {
      db.prepare('UPDATE api_tokens SET revoked_at = ?, token_hash = ? WHERE id = ?').run(new Date().toISOString(), `revoked:${token.id}`, token.id);
      bumpGeneration(db);
    }).immediate();
    return token;
  });
}

/** What a server knows about a presented token: valid (with the token), or why not. */
export type TokenCheck = { ok: true; token: ApiToken } | { ok: false; why: 'unknown' | 'expired' };

/**
 * Looks tokens up for a server. Each lookup is cached by hash; one small read per request (the revocation generation)
 * says whether the cache still holds, and expiry is checked against the clock on every request. `last used` is
 * written at most once a minute per token.
 */
export class TokenVerifier {
  private readonly cache = new Map<string, ApiToken | null>();
  private generation = -1;
  private readonly lastWritten = new Map<string, number>();
  private readonly readGeneration;
  private readonly byHash;
  private readonly touch;

  constructor(private readonly rt: Runtime) {
    const db = rt.db();
    this.readGeneration = db.prepare('SELECT generation FROM api_token_generation WHERE id = 1').pluck();
    this.byHash = db.prepare('SELECT * FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL');
    this.touch = db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?');
  }

  /** The current revocation generation; a change empties the cache. */
  refresh(): number {
    const g = this.readGeneration.get() as number;
    if (g !== this.generation) {
      this.cache.clear();
      this.generation = g;
    }
    return g;
  }

  check(secret: string, now = Date.now()): TokenCheck {
    this.refresh();
    if (!looksLikeToken(secret)) return { ok: false, why: 'unknown' };
    const hash = hashToken(secret);
    let token = this.cache.get(hash);
    if (token === undefined) {
      const row = this.byHash.get(hash) as TokenRow | undefined;
      token = row ? toToken(row) : null;
      // Unknown hashes are not cached: a flood of made-up tokens must not grow memory.
      if (token) this.cache.set(hash, token);
    }
    if (!token) return { ok: false, why: 'unknown' };
    if (token.expiresAt && Date.parse(token.expiresAt) <= now) return { ok: false, why: 'expired' };
    const last = this.lastWritten.get(token.id) ?? 0;
    if (now - last >= 60_000) {
      this.lastWritten.set(token.id, now);
      // Without waiting for a lock: better-sqlite3 is synchronous, so a busy wait here would hold every request of
      // the server, not only this one. A database another process is writing delays `last used` by a minute instead.
      const db = this.rt.db();
      const wait = db.pragma('busy_timeout', { simple: true }) as number;
      db.pragma('busy_timeout = 0');
      try {
        this.touch.run(new Date(now).toISOString(), token.id);
      } catch {
        // busy: written on a later request
      } finally {
        db.pragma(`busy_timeout = ${Number(wait)}`);
      }
    }
    return { ok: true, token };
  }

  /** Whether the token with this id is still valid now (not revoked, not expired): for open sessions. */
  stillValid(id: string, now = Date.now()): boolean {
    const row = this.rt.db().prepare('SELECT expires_at FROM api_tokens WHERE id = ? AND revoked_at IS NULL').get(id) as { expires_at: string | null } | undefined;
    return Boolean(row) && !(row!.expires_at && Date.parse(row!.expires_at) <= now);
  }
}
