// A lock file created with O_EXCL: one holder at a time across berth processes sharing a data dir.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CancelledError } from './errors.js';

/** How often a waiter looks at the lock again. */
const LOCK_POLL_MS = 100;
/** The holder touches its lock this often while fn runs... */
const LOCK_HEARTBEAT_MS = 10_000;
/** ...so a lock untouched this long is stale whoever holds it (another host sharing the data dir, a hung process). */
const LOCK_STALE_MS = 60_000;

/** Is a process on this host still alive? (A lock left by a killed berth is taken over.) */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): { text: string; mtimeMs: number } | undefined {
  try {
    return { text: fs.readFileSync(file, 'utf8'), mtimeMs: fs.statSync(file).mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** A holder on this host whose process is gone (berth was killed holding it), or a lock whose heartbeat stopped. */
function lockIsStale(lock: { text: string; mtimeMs: number }): boolean {
  if (Date.now() - lock.mtimeMs > LOCK_STALE_MS) return true;
  try {
    const holder = JSON.parse(lock.text) as { pid?: number; host?: string };
    return holder.host === os.hostname() && typeof holder.pid === 'number' && !processAlive(holder.pid);
  } catch {
    // Being written (created, not yet filled): not stale until its age says so.
    return false;
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

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs fn holding the lock file: one holder at a time across berth processes. A waiter polls;
 * a stale lock is taken over; the holder touches its lock while fn runs and removes it after, only if still its own.
 */
export async function withLockFile<T>(file: string, signal: AbortSignal | undefined, onWait: () => void, fn: () => Promise<T>): Promise<T> {
  const mine = JSON.stringify({ pid: process.pid, host: os.hostname(), token: randomBytes(8).toString('hex') });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let waited = false;
  for (;;) {
    try {
      fs.writeFileSync(file, mine, { flag: 'wx', mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const held = readLock(file);
    if (held && lockIsStale(held)) takeOverStale(file, held.text);
    else if (held) {
      if (!waited) (waited = true), onWait();
      await pause(LOCK_POLL_MS, signal);
    }
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    try {
      fs.utimesSync(file, now, now);
    } catch {
      // taken over or gone: the release below checks whose it is
    }
  }, LOCK_HEARTBEAT_MS);
  heartbeat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    if (readLock(file)?.text === mine) fs.rmSync(file, { force: true });
  }
}

