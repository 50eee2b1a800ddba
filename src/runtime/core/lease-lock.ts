// A lease lock in SQLite shared by every berth process on a data dir: the admission of container starts holds it per
// agent, and read-modify-write of the settings file holds it under the key `:settings`.
import { randomBytes } from 'node:crypto';
import type { SettingsStore } from './config.js';
import { CancelledError } from './errors.js';
import { processAlive } from './lock-file.js';
import type { Runtime } from './runtime.js';
import { sleep } from './sleep.js';
import type { Database } from './store.js';

const LOCK_LEASE_MS = 15_000;

/**
 * A lease lock in SQLite, by key: an agent's name (held only while one process reads the engine and decides, never
 * across a start), or a key starting with `:` (not a valid agent name) for other read-modify-write sections.
 */
export async function withLeaseLock<T>(db: Database, agent: string, signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
  const holder = `${process.pid}:${randomBytes(4).toString('hex')}`;
  const take = db.transaction(() => {
    const row = db.prepare('SELECT holder, expires_at FROM agent_admission_locks WHERE agent = ?').get(agent) as { holder: string; expires_at: number } | undefined;
    const now = Date.now();
    if (row && row.expires_at > now && processAlive(Number(row.holder.split(':')[0]))) return false;
    db.prepare('INSERT INTO agent_admission_locks (agent, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT(agent) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at').run(agent, holder, now + LOCK_LEASE_MS);
    return true;
  });
  while (!take.immediate()) {
    if (signal?.aborted) throw new CancelledError();
    await sleep(10 + Math.random() * 30, signal);
  }
  try {
    return await run();
  } finally {
    db.prepare('DELETE FROM agent_admission_locks WHERE agent = ? AND holder = ?').run(agent, holder);
  }
}

/**
 * Read-modify-write of the settings file under a lock shared by every berth process, so two rules added at once
 * (a CLI and a dashboard approve-and-trust) are both kept.
 */
export async function withSettingsLock<T>(rt: Runtime, run: (settings: SettingsStore) => Promise<T>): Promise<T> {
  const settings = await rt.settings();
  return withLeaseLock(rt.db(), ':settings', undefined, () => run(settings));
}
