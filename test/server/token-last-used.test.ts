// A token's `last used` is written without waiting for a lock: better-sqlite3 is synchronous, so a busy wait on a
// database another process is writing would hold every request of the server. Here another connection holds the write
// lock and the runtime's busy timeout is two minutes: the check answers at once (without the fix the test times out),
// skips the write, keeps the busy timeout as it was, and writes `last used` on a later request once the lock is gone.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { TokenVerifier, createToken, listTokens } from '../../src/runtime/access/index.js';
import { runtimeFor, tempHome } from '../support/helpers.js';
import { PERSON } from '../support/person.js';

const home = tempHome();
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));
const Sqlite = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

describe('token last used', () => {
  it('is skipped, never waited for, while another process holds the write lock; written on a later request', async () => {
    const rt = runtimeFor(home, { BERTH_AGENT: '' });
    const { token, secret } = await createToken(rt, { agent: 'lu', rooms: ['default'] }, PERSON);
    const holder = new Sqlite(rt.paths.database);
    try {
      const verifier = new TokenVerifier(rt);
      rt.db().pragma('busy_timeout = 120000');
      holder.exec('BEGIN IMMEDIATE');
      const now = Date.now();
      expect(verifier.check(secret, now)).toMatchObject({ ok: true, token: { id: token.id } });
      expect(rt.db().pragma('busy_timeout', { simple: true })).toBe(120000);
      holder.exec('ROLLBACK');
      expect(listTokens(rt).find((t) => t.id === token.id)?.lastUsedAt).toBeNull();
      expect(verifier.check(secret, now + 61_000).ok).toBe(true);
      expect(listTokens(rt).find((t) => t.id === token.id)?.lastUsedAt).toBe(new Date(now + 61_000).toISOString());
    } finally {
      holder.close();
      rt.close();
    }
  });
});
