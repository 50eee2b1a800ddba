// The one lock and liveness primitive (core holder.ts, locks.ts, lock-file.ts) with real processes on a real SQLite
// file: a SIGKILLed holder is taken over, a live holder is waited for, a holder whose pid now belongs to another
// process is gone, and a holder on another host (the one thing written by hand) lasts until its heartbeat expires.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, HOLDER_TTL_MS, acquireLock, currentHolder, holderAlive, openDatabase, processStart, tryLock, tryLockFile } from '../../src/runtime/core/index.js';
import { repoRoot, tempHome, waitFor } from '../support/helpers.js';

const home = tempHome();
// Under the repository, so the bundle's bare imports (better-sqlite3, ...) resolve from its node_modules.
const workDir = fs.mkdtempSync(path.join(repoRoot, 'node_modules', '.berth-test-'));
const holderScript = path.join(workDir, 'lock-holder.mjs');
const dbFile = path.join(home, 'berth.db');
const children = new Set<ChildProcess>();
let db: Database;

beforeAll(async () => {
  await build({
    entryPoints: [path.join(repoRoot, 'test/support/fixtures/lock-holder.ts')],
    outfile: holderScript,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    packages: 'external',
    logLevel: 'warning',
  });
  db = openDatabase(dbFile);
});
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  db.close();
  fs.rmSync(workDir, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
});

/** Another berth process holding a lock through the library; resolves once it says it holds it. */
async function holder(...args: string[]) {
  const child = spawn(process.execPath, [holderScript, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await waitFor(() => out.includes('held') || child.exitCode !== null, 'the holder to take the lock');
  expect(out).toBe('held\n');
  return { child, exited, out: () => out, release: () => child.stdin!.write('release\n') };
}

const row = (key: string) => db.prepare('SELECT * FROM locks WHERE key = ?').get(key) as { pid: number; host: string; heartbeat_at: number } | undefined;

/** A lock row as some holder wrote it: the way a berth on another host, or an old pid, leaves it. */
function plant(key: string, h: { pid: number; start: string | null; host?: string; heartbeatAt?: number }): void {
  const at = h.heartbeatAt ?? Date.now();
  db.prepare('INSERT OR REPLACE INTO locks (key, token, pid, start, boot, host, acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
    key, 'planted', h.pid, h.start, currentHolder().boot, h.host ?? os.hostname(), at, at,
  );
}

describe('locks in SQLite', () => {
  it('takes over the lock of a holder that was SIGKILLed', async () => {
    const h = await holder('sqlite', dbFile, 'killed');
    expect('heldBy' in tryLock(db, 'killed')).toBe(true);
    h.child.kill('SIGKILL');
    await h.exited;
    const got = tryLock(db, 'killed');
    expect('heldBy' in got).toBe(false);
    expect(row('killed')!.pid).toBe(process.pid);
    if (!('heldBy' in got)) got.release();
    expect(row('killed')).toBeUndefined();
  });

  it('waits for a live holder and takes the lock when it lets go', async () => {
    const h = await holder('sqlite', dbFile, 'live');
    let waitedFor: number | undefined;
    let taken = false;
    const acquiring = acquireLock(db, 'live', { onWait: (r) => (waitedFor = r.pid) }).then((l) => ((taken = true), l));
    await waitFor(() => waitedFor, 'the waiter to see the holder');
    expect(waitedFor).toBe(h.child.pid);
    await new Promise((r) => setTimeout(r, 500));
    expect(taken).toBe(false); // still held: a live holder is never taken over
    h.release();
    const lock = await acquiring;
    expect(h.out()).toBe('held\nreleased\n');
    expect(row('live')!.pid).toBe(process.pid);
    lock.release();
  });

  it('sees a holder whose pid now belongs to another process as gone', async () => {
    const other = spawn('sleep', ['60']);
    children.add(other);
    const start = await waitFor(() => processStart(other.pid!)?.start, 'the unrelated process to start');
    // The same pid with its real start time is a live holder...
    plant('reused', { pid: other.pid!, start });
    expect('heldBy' in tryLock(db, 'reused')).toBe(true);
    // ...and with another start time it is a holder that died and whose pid was given to this process.
    plant('reused', { pid: other.pid!, start: String(Number(start) - 1) });
    const got = tryLock(db, 'reused');
    expect('heldBy' in got).toBe(false);
    if (!('heldBy' in got)) got.release();
    other.kill('SIGKILL');
  });

  it('takes over a holder on another host only once its heartbeat has expired', () => {
    // A pid that is not alive here: on another host that says nothing, only the heartbeat does.
    plant('remote', { pid: 999_999_99, start: '1', host: 'elsewhere.example', heartbeatAt: Date.now() - HOLDER_TTL_MS + 5_000 });
    const held = tryLock(db, 'remote');
    expect('heldBy' in held && held.heldBy.host).toBe('elsewhere.example');
    plant('remote', { pid: 999_999_99, start: '1', host: 'elsewhere.example', heartbeatAt: Date.now() - HOLDER_TTL_MS - 1 });
    const got = tryLock(db, 'remote');
    expect('heldBy' in got).toBe(false);
    if (!('heldBy' in got)) got.release();
  });

  it('judges another host\'s holder by its heartbeat alone', () => {
    const h = { ...currentHolder(), host: 'elsewhere.example' };
    expect(holderAlive(h, Date.now())).toBe(true);
    expect(holderAlive(h, Date.now() - HOLDER_TTL_MS - 1)).toBe(false);
  });
});

describe('the lock file (audit rotation)', () => {
  const file = path.join(home, 'rotate.lock');

  it('takes over a SIGKILLed holder, and not a live one', async () => {
    const h = await holder('file', file);
    expect(tryLockFile(file)).toBeUndefined();
    h.child.kill('SIGKILL');
    await h.exited;
    const release = tryLockFile(file);
    expect(release).toBeDefined();
    release!();
    expect(fs.existsSync(file)).toBe(false);
  });

  it('sees a reused pid as gone and another host\'s holder as there until its mtime is older than the expiry', () => {
    const me = currentHolder();
    fs.writeFileSync(file, JSON.stringify({ holder: { ...me, start: `${me.start}0` }, token: 'reused' }));
    const release = tryLockFile(file);
    expect(release).toBeDefined();
    release!();
    fs.writeFileSync(file, JSON.stringify({ holder: { ...me, host: 'elsewhere.example' }, token: 'remote' }));
    expect(tryLockFile(file)).toBeUndefined();
    const old = new Date(Date.now() - HOLDER_TTL_MS - 1_000);
    fs.utimesSync(file, old, old);
    const again = tryLockFile(file);
    expect(again).toBeDefined();
    again!();
  });
});
