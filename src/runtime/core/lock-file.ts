// A lock file created with O_EXCL, for the one place that has no database open (the audit log's rotation): it
// records the same holder identity as the SQLite locks (locks.ts) and is judged by the same liveness check, its
// mtime standing in for the heartbeat.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { type Holder, HOLDER_TTL_MS, currentHolder, holderAlive } from './holder.js';

function readLock(file: string): { text: string; mtimeMs: number } | undefined {
  try {
    return { text: fs.readFileSync(file, 'utf8'), mtimeMs: fs.statSync(file).mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function lockIsStale(lock: { text: string; mtimeMs: number }): boolean {
  try {
    const { holder } = JSON.parse(lock.text) as { holder: Holder };
    return !holderAlive(holder, lock.mtimeMs);
  } catch {
    // Being written (created, not yet filled), or not ours: only its age says it is gone.
    return Date.now() - lock.mtimeMs > HOLDER_TTL_MS;
  }
}

/**
 * Removes a stale lock without removing a live one: the lock is moved aside and checked to be the one judged stale;
 * when another process took it over meanwhile, its lock is put back.
 */
function takeOverStale(file: string, seen: string): void {
  const aside = `${file}.stale-${randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    if (fs.readFileSync(aside, 'utf8') !== seen) fs.linkSync(aside, file);
  } catch {
    // a new lock is there already: it holds
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

/**
 * Takes the lock file if it is free or its holder is gone, and returns its release; undefined while a live holder
 * has it. Never waits (the caller leaves the work to the holder).
 */
export function tryLockFile(file: string): (() => void) | undefined {
  const mine = JSON.stringify({ holder: currentHolder(), token: randomBytes(8).toString('hex') });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, mine, { flag: 'wx', mode: 0o600 });
      return () => {
        if (readLock(file)?.text === mine) fs.rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const held = readLock(file);
    if (held && !lockIsStale(held)) return undefined;
    if (held) takeOverStale(file, held.text);
  }
  return undefined;
}
