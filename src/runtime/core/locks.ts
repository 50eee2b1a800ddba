// Locks in SQLite shared by every berth process on a data dir, by key (an agent's admission, the settings file, a
// service's deploy, a plugin release's build, a room's creation): the holder's identity and heartbeat are stored
// with the lock, and a holder that is gone (holder.ts) is taken over.
import { randomBytes } from 'node:crypto';
import type { SettingsStore } from './config.js';
import { CancelledError } from './errors.js';
import { type Holder, HEARTBEAT_MS, currentHolder, holderAlive } from './holder.js';
import type { Runtime } from './runtime.js';
import { sleep } from './sleep.js';
import type { Database } from './store.js';

export interface HeldLock {
  readonly key: string;
  /** Gives the lock up (only if it is still this holder's) and stops its heartbeat. */
  release(): void;
}

export interface LockRow extends Holder {
  key: string;
  token: string;
  acquired_at: number;
  heartbeat_at: number;
}

/** Takes the lock when it is free or its holder is gone; otherwise returns who holds it. Never waits. */
export function tryLock(db: Database, key: string): HeldLock | { heldBy: LockRow } {
  const me = currentHolder();
  const token = randomBytes(8).toString('hex');
  const heldBy = db.transaction(() => {
    const row = db.prepare('SELECT * FROM locks WHERE key = ?').get(key) as LockRow | undefined;
    const now = Date.now();
    if (row && holderAlive(row, row.heartbeat_at, now)) return row;
    db.prepare(
      `INSERT INTO locks (key, token, pid, start, boot, host, acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET token = excluded.token, pid = excluded.pid, start = excluded.start, boot = excluded.boot,
       host = excluded.host, acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at`,
    ).run(key, token, me.pid, me.start, me.boot, me.host, now, now);
    return undefined;
  }).immediate();
  if (heldBy) return { heldBy };
  const heartbeat = setInterval(() => {
    try {
      db.prepare('UPDATE locks SET heartbeat_at = ? WHERE key = ? AND token = ?').run(Date.now(), key, token);
    } catch {
      // the database was closed under a holder that never released: the lock expires or its pid is gone
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();
  return {
    key,
    release: () => {
      clearInterval(heartbeat);
      db.prepare('DELETE FROM locks WHERE key = ? AND token = ?').run(key, token);
    },
  };
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** Called once, when the lock is held by someone else and this caller starts waiting. */
  onWait?: (holder: LockRow) => void;
}

/** Waits until the lock is free or its holder is gone, then takes it. */
export async function acquireLock(db: Database, key: string, opts: WaitOptions = {}): Promise<HeldLock> {
  let waited = false;
  for (;;) {
    if (opts.signal?.aborted) throw new CancelledError();
    const got = tryLock(db, key);
    if (!('heldBy' in got)) return got;
    if (!waited) (waited = true), opts.onWait?.(got.heldBy);
    // Jitter, so waiters polling together do not take turns in lockstep.
    await sleep(10 + Math.random() * 40, opts.signal);
  }
}

/** Runs fn holding the lock, waiting for it first. */
export async function withLock<T>(db: Database, key: string, opts: WaitOptions, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(db, key, opts);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/**
 * Read-modify-write of the settings file under a lock shared by every berth process, so two rules added at once
 * (a CLI and a dashboard approve-and-trust) are both kept.
 */
export async function withSettingsLock<T>(rt: Runtime, run: (settings: SettingsStore) => Promise<T>): Promise<T> {
  const settings = await rt.settings();
  return withLock(rt.db(), 'settings', {}, () => run(settings));
}
