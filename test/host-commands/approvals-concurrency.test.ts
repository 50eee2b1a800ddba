// The approval queue under load from separate processes: filers and deciders racing on one SQLite file, with random
// SIGKILLs. Every request is decided exactly once, none is lost, dead callers' requests end cancelled, and the
// database stays intact.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalQueue, type ApprovalRequest } from '../../src/runtime/host-commands/index.js';
import { repoRoot, runtimeFor, tempHome, waitFor } from '../support/helpers.js';

const home = tempHome();
// Under the repository, so the bundle's bare imports (better-sqlite3, ...) resolve from its node_modules.
const workDir = fs.mkdtempSync(path.join(repoRoot, 'node_modules', '.berth-test-'));
const worker = path.join(workDir, 'approvals-worker.mjs');
const children = new Set<ChildProcess>();

beforeAll(async () => {
  await build({
    entryPoints: [path.join(repoRoot, 'test/support/fixtures/approvals-worker.ts')],
    outfile: worker,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    packages: 'external',
    logLevel: 'warning',
  });
});
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  fs.rmSync(workDir, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
});

interface Worker {
  name: string;
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
}

function startWorker(mode: 'file' | 'decide', name: string, count: number): Worker {
  const child = spawn(process.execPath, [worker, mode, home, name, String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const w: Worker = { name, child, lines: [], exited: new Promise((resolve) => child.once('exit', (code) => (children.delete(child), resolve(code)))) };
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    w.lines.push(...parts);
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGKILL') w.lines.push(`error ${code} ${err}`);
  });
  return w;
}

describe('approval queue across processes', () => {
  it('processes that open a new database file at the same moment each migrate it once and file their request', async () => {
    const fresh = tempHome();
    try {
      const ws = Array.from({ length: 8 }, (_, i) => {
        const child = spawn(process.execPath, [worker, 'file', fresh, `opener${i}`, '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
        children.add(child);
        let out = '';
        child.stdout!.on('data', (d: Buffer) => (out += d));
        child.stderr!.on('data', (d: Buffer) => (out += d));
        return new Promise<string>((resolve) => child.once('exit', (code) => (children.delete(child), resolve(`${code} ${out}`))));
      });
      const results = await Promise.all(ws);
      for (const r of results) expect(r).toMatch(/^0 filed \d+/);
      const rt = runtimeFor(fresh);
      expect(new ApprovalQueue(rt).list({}).length).toBe(8);
      rt.close();
    } finally {
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('decides each request exactly once with racing deciders and random SIGKILLs; none lost; dead callers cancelled', async () => {
    const all: Worker[] = [];
    const live = new Set<Worker>();
    const spawnOne = (mode: 'file' | 'decide', name: string) => {
      const w = startWorker(mode, `${name}`, mode === 'file' ? 80 : 100_000);
      all.push(w);
      live.add(w);
      void w.exited.then(() => live.delete(w));
      return w;
    };
    let generation = 0;
    const filers = () => [...live].filter((w) => w.name.startsWith('filer'));
    const deciders = () => [...live].filter((w) => w.name.startsWith('decider'));
    for (let i = 0; i < 3; i++) spawnOne('file', `filer${i}-g0`);
    for (let i = 0; i < 3; i++) spawnOne('decide', `decider${i}-g0`);

    const filedCount = () => all.reduce((n, w) => n + w.lines.filter((l) => l.startsWith('filed ')).length, 0);
    const progress = () => all.reduce((n, w) => n + w.lines.length, 0);
    let kills = 0;
    // Chaos: after a random amount of progress, SIGKILL a random live worker (filer or decider) and start a new one.
    while (filedCount() < 400) {
      const mark = progress() + 10 + Math.floor(Math.random() * 40);
      await waitFor(() => progress() >= mark || filers().length === 0, 'workers to make progress', 60_000);
      if (filers().length === 0) {
        for (let i = 0; i < 2; i++) spawnOne('file', `filer${i}-g${++generation}`);
        continue;
      }
      const pool = [...live];
      const victim = pool[Math.floor(Math.random() * pool.length)]!;
      victim.child.kill('SIGKILL');
      await victim.exited;
      kills++;
      spawnOne(victim.name.startsWith('filer') ? 'file' : 'decide', `${victim.name.replace(/-g\d+$/, '')}-g${++generation}`);
    }
    // Let the filers finish, then stop the deciders.
    await Promise.all(filers().map((w) => w.exited));
    for (const w of deciders()) w.child.kill('SIGKILL');
    await Promise.all(all.map((w) => w.exited));
    // One caller killed for certain while its requests wait (no decider is left to take them first): the random kills
    // above can all land on deciders, or on filers whose requests were already decided.
    const last = spawnOne('file', 'filer-last');
    await waitFor(() => last.lines.some((l) => l.startsWith('filed ')), 'the last filer to file');
    last.child.kill('SIGKILL');
    await last.exited;
    kills++;
    expect(all.flatMap((w) => w.lines).filter((l) => l.startsWith('error'))).toEqual([]);

    const rt = runtimeFor(home);
    const queue = new ApprovalQueue(rt);
    // Every caller is dead now: one reader settles what is left.
    const rows = queue.list({});
    const byId = new Map<number, ApprovalRequest>(rows.map((r) => [r.id, r]));
    const filed = all.flatMap((w) => w.lines.filter((l) => l.startsWith('filed ')).map((l) => Number(l.split(' ')[1])));
    expect(filed.length).toBeGreaterThanOrEqual(400);
    for (const id of filed) expect(byId.has(id), `request ${id} lost`).toBe(true);
    expect(rows.filter((r) => r.status === 'pending')).toEqual([]);

    // Decided once: no id claimed by two deciders, and each claim matches the stored decision.
    const claims = all.flatMap((w) => w.lines.filter((l) => l.startsWith('decided ')).map((l) => ({ by: w.name, id: Number(l.split(' ')[1]), status: l.split(' ')[2] })));
    const claimed = new Map<number, number>();
    for (const c of claims) claimed.set(c.id, (claimed.get(c.id) ?? 0) + 1);
    expect([...claimed.values()].filter((n) => n > 1)).toEqual([]);
    for (const c of claims) {
      const r = byId.get(c.id)!;
      expect({ id: c.id, status: r.status, via: r.decidedVia, by: r.decidedBy }).toEqual({ id: c.id, status: c.status, via: 'person', by: c.by });
    }
    expect(claims.length).toBeGreaterThan(50);
    expect(all.some((w) => w.lines.some((l) => l.startsWith('conflict ')))).toBe(true); // deciders did race

    // Callers that waited saw the stored outcome.
    for (const w of all) for (const l of w.lines.filter((x) => x.startsWith('saw '))) expect(byId.get(Number(l.split(' ')[1]))!.status).toBe(l.split(' ')[2]);

    // Dead callers' requests were cancelled; deadlines expired others.
    const cancelled = rows.filter((r) => r.status === 'cancelled');
    expect(cancelled.length).toBeGreaterThan(0);
    for (const r of cancelled) expect(r.reason).toMatch(/the caller \(pid \d+\) is gone/);
    expect(rows.filter((r) => r.status === 'expired').length).toBeGreaterThan(0);

    // The audit log names at most one decision per request, the stored one; only a worker killed between its commit
    // and its audit line can leave a decision unaudited.
    const decisions = rt.audit.read().filter((e) => /^approval\.(approve|deny|expire|cancel)$/.test(e.action));
    const perTarget = new Map<string, string[]>();
    for (const e of decisions) perTarget.set(e.target, [...(perTarget.get(e.target) ?? []), String(e.details?.status)]);
    expect([...perTarget.entries()].filter(([, v]) => v.length > 1)).toEqual([]);
    for (const [target, [status]] of perTarget) expect(byId.get(Number(target.split('/')[1]))!.status).toBe(status);
    expect(rows.length - perTarget.size).toBeLessThanOrEqual(kills);

    expect(rt.db().pragma('integrity_check', { simple: true })).toBe('ok');
    const count = (s: string) => rows.filter((r) => r.status === s).length;
    console.log(`approvals concurrency: ${rows.length} requests, ${all.length} processes, ${kills} SIGKILLs, ${claims.length} person decisions, ` +
      `${all.flatMap((w) => w.lines).filter((l) => l.startsWith('conflict ')).length} lost races; approved ${count('approved')}, denied ${count('denied')}, ` +
      `expired ${count('expired')}, cancelled ${count('cancelled')}`);
    expect(kills).toBeGreaterThan(3);
    rt.close();
  }, 240_000);
});
