// The audit log: rotation by size with 4 concurrent writer processes (zero lost or torn lines, a live follower sees
// every one across rotations), and berth audit's filters, bad input and --follow.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { buildSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { auditFiles, followLines, ExitCode } from '../../src/runtime/core/index.js';
import { main } from '../../src/commands/main.js';
import { cliFor, IMG } from '../support/container-helpers.js';
import { removeRooms, repoRoot, runCli, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

const homes: string[] = [];
const rooms: string[] = [];
afterAll(async () => {
  await removeRooms(rooms);
  for (const h of homes) fs.rmSync(h, { recursive: true, force: true });
});
const home = () => {
  const h = tempHome();
  homes.push(h);
  return h;
};

describe('audit log rotation', () => {
  it('4 writer processes, many rotations: every line kept once, whole, in each writer\'s order; a follower sees them all', async () => {
    const dir = home();
    const file = path.join(dir, 'actions.jsonl');
    // The writers run the real AuditLog, bundled from the sources under test.
    const lib = path.join(dir, 'audit.mjs');
    buildSync({ entryPoints: [path.join(repoRoot, 'src/runtime/core/audit.ts')], bundle: true, platform: 'node', format: 'esm', outfile: lib, logLevel: 'error' });
    const writer = path.join(dir, 'writer.mjs');
    fs.writeFileSync(writer, [
      `import { AuditLog } from ${JSON.stringify(lib)};`,
      `const [file, id, count] = process.argv.slice(2);`,
      `const log = new AuditLog(file, { limits: { maxBytes: 16384, maxFiles: 1000 } });`,
      `for (let i = 0; i < Number(count); i++) log.append({ actor: 'w' + id, action: 'test.write', target: 'room/c', result: 'ok', details: { seq: i, pad: 'x'.repeat(100 + (i % 50)) } });`,
    ].join('\n'));
    const WRITERS = 4;
    const COUNT = 1500;
    const follower = new AbortController();
    const followed: string[] = [];
    const following = (async () => {
      for await (const line of followLines(file, { signal: follower.signal, fromStart: true, intervalMs: 20 })) followed.push(line);
    })();
    const exits = await Promise.all(
      Array.from({ length: WRITERS }, (_, id) => new Promise<number | null>((resolve) => spawn(process.execPath, [writer, file, String(id), String(COUNT)], { stdio: 'inherit' }).on('close', resolve))),
    );
    expect(exits).toEqual([0, 0, 0, 0]);
    const files = auditFiles(file);
    expect(files.length).toBeGreaterThan(20); // it rotated many times while they wrote
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
    const seen = new Map<string, number[]>();
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      for (const line of text.slice(0, -1).split('\n')) {
        const e = JSON.parse(line); // a torn or interleaved line would not parse
        (seen.get(e.actor) ?? seen.set(e.actor, []).get(e.actor)!).push(e.details.seq);
      }
    }
    for (let id = 0; id < WRITERS; id++) expect(seen.get(`w${id}`)).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    await waitFor(() => followed.length >= WRITERS * COUNT, 'the follower to catch up').catch((err) => { throw new Error(`${err.message}: ${followed.length} of ${WRITERS * COUNT}`); });
    follower.abort();
    await following;
    expect(followed.length).toBe(WRITERS * COUNT);
    expect(new Set(followed).size).toBe(WRITERS * COUNT);
  });

  it('a long follow leaves no abort listener per poll on its signal', async () => {
    const file = path.join(home(), 'actions.jsonl');
    const stop = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const line of followLines(file, { signal: stop.signal, intervalMs: 2 })) seen.push(line);
    })();
    // 30 lines, each appended once the last was read: at least 30 polls.
    for (let i = 0; i < 30; i++) {
      fs.appendFileSync(file, `${i}\n`);
      await waitFor(() => seen.length > i, `line ${i}`);
    }
    expect(getEventListeners(stop.signal, 'abort').length).toBeLessThanOrEqual(1);
    stop.abort();
    await following;
  });

  it('keeps only maxFiles rotated files', async () => {
    const dir = home();
    const h = dir;
    const env = { BERTH_HOME: h, BERTH_AUDIT_MAX_BYTES: '2048', BERTH_AUDIT_MAX_FILES: '2' };
    const { Runtime } = await import('../../src/runtime/core/index.js');
    const rt = new Runtime({ env: { ...process.env, ...env } });
    for (let i = 0; i < 100; i++) rt.audit.append({ actor: 'a', action: 'test.write', target: 't', result: 'ok', details: { i } });
    expect(auditFiles(rt.audit.file).map((f) => path.basename(f))).toEqual(['actions.jsonl.2', 'actions.jsonl.1', 'actions.jsonl']);
    const kept = rt.audit.read().map((e) => (e.details as { i: number }).i);
    expect(kept[kept.length - 1]).toBe(99);
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
  });
});

describe('berth audit --follow while the log is written', () => {
  it('started mid-write over a 20 MB history, across rotations: every entry printed exactly once, none lost', async () => {
    const dir = home();
    const file = path.join(dir, 'data', 'actions.jsonl');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const MAX = 256 * 1024;
    // The history: ~20 MB by another actor in rotated files, so reading and parsing it takes a while.
    const pad = 'h'.repeat(150);
    const chunks: string[] = [];
    let chunk = '';
    for (let i = 0, size = 0; size < 20 * 1024 * 1024; i++) {
      const l = `${JSON.stringify({ time: new Date(0).toISOString(), actor: 'hist', action: 'test.write', target: 'room/c', result: 'ok', details: { i, pad } })}\n`;
      if (chunk.length + l.length >= MAX) (chunks.push(chunk), (chunk = ''));
      chunk += l;
      size += l.length;
    }
    chunks.forEach((text, n) => fs.writeFileSync(`${file}.${chunks.length - n}`, text, { mode: 0o600 }));
    fs.writeFileSync(file, chunk, { mode: 0o600 });
    const lib = path.join(dir, 'audit.mjs');
    buildSync({ entryPoints: [path.join(repoRoot, 'src/runtime/core/audit.ts')], bundle: true, platform: 'node', format: 'esm', outfile: lib, logLevel: 'error' });
    const writerFile = path.join(dir, 'writer.mjs');
    const COUNT = 3000;
    fs.writeFileSync(writerFile, [
      `import { AuditLog } from ${JSON.stringify(lib)};`,
      `const log = new AuditLog(${JSON.stringify(file)}, { limits: { maxBytes: ${MAX}, maxFiles: 1000 } });`,
      `for (let seq = 0; seq < ${COUNT}; seq++) {`,
      `  log.append({ actor: 'live', action: 'test.write', target: 'room/c', result: 'ok', details: { seq, pad: 'x'.repeat(100 + (seq % 50)) } });`,
      `  if (seq === 300) process.stdout.write('writing');`,
      `  await new Promise((r) => setTimeout(r, 1));`,
      `}`,
    ].join('\n'));
    const rotatedBefore = auditFiles(file).length;
    const writer = spawn(process.execPath, [writerFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => writer.on('close', resolve));
    let out = '';
    const stop = new AbortController();
    try {
      await Promise.race([new Promise((resolve) => writer.stdout.once('data', resolve)), exited]);
      const io = { stdout: { write: (t: string) => void (out += t) }, stderr: { write: () => {} }, env: { ...process.env, BERTH_HOME: dir } };
      const running = main(['-o', 'json', 'audit', '--follow', '--agent', 'live'], { io, signal: stop.signal });
      expect(await exited).toBe(0);
      expect(auditFiles(file).length).toBeGreaterThan(rotatedBefore); // it rotated while followed
      const seqs = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l).details.seq as number);
      await waitFor(() => seqs().includes(COUNT - 1), 'the last entry');
      await waitFor(() => new Set(seqs()).size === COUNT, 'every entry', 3000).catch(() => {});
      stop.abort();
      await running;
      const printed = seqs();
      const missing = Array.from({ length: COUNT }, (_, i) => i).filter((i) => !printed.includes(i));
      expect(missing, `${missing.length} lost`).toEqual([]);
      expect(printed.length).toBe(COUNT); // and none twice
    } finally {
      stop.abort();
      writer.kill();
    }
  });
});

describe('berth audit', () => {
  const h = home();
  const room = uniqueRoom('aud');
  rooms.push(room);
  const cli = cliFor(h, room);

  it('filters by room, agent, action and since; json; bad input is one line', async () => {
    expect((await cli('container', 'run', IMG, '-d', '--name', 'one', '--', 'sleep', '600')).code).toBe(0);
    expect((await cli('container', 'stop', 'one', '-t', '0')).code).toBe(0);
    expect((await runCli(['--room', room, 'container', 'run', IMG, '-d', '--name', 'two', '--', 'sleep', '600'], { BERTH_HOME: h, BERTH_AGENT: 'other' })).code).toBe(0);
    const all = JSON.parse((await cli('-o', 'json', 'audit')).stdout).items;
    expect(all.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['room.create', 'container.run', 'container.stop']));
    const mine = JSON.parse((await cli('-o', 'json', 'audit', '--agent', 'tester', '--action', 'container')).stdout).items;
    expect(mine.map((e: { action: string }) => e.action)).toEqual(['container.run', 'container.stop']);
    expect(mine[0].target).toBe(`${room}/one`);
    const table = (await cli('audit', '--action', 'container.st*')).stdout;
    expect(table).toMatch(/TIME\s+ACTOR\s+ACTION\s+TARGET\s+RESULT/);
    expect(table).toContain('container.stop');
    expect(table).not.toContain('container.run');
    expect(JSON.parse((await runCli(['-o', 'json', 'audit', '--room', 'elsewhere'], { BERTH_HOME: h })).stdout).items).toEqual([]);
    // Without --room: every room's entries.
    const everything = JSON.parse((await runCli(['-o', 'json', 'audit', '--agent', 'other'], { BERTH_HOME: h })).stdout).items;
    expect(everything).toEqual([expect.objectContaining({ action: 'container.run', result: 'ok', actor: 'other', target: `${room}/two` })]);
    expect(JSON.parse((await cli('-o', 'json', 'audit', '--since', '2999-01-01T00:00:00Z')).stdout).items).toEqual([]);
    expect(JSON.parse((await cli('-o', 'json', 'audit', '--tail', '1')).stdout).items).toHaveLength(1);
    for (const [flags, message] of [
      [['--since', 'yesterday'], 'invalid --since "yesterday"'],
      [['--action', 'a b'], 'invalid --action "a b"'],
      [['--room', 'Bad Room'], 'invalid room name'],
      [['--tail', '-3'], 'invalid --tail'],
    ] as [string[], string][]) {
      const r = await runCli(['audit', ...flags], { BERTH_HOME: h });
      expect(r.code, r.stderr).toBe(ExitCode.usage);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(message);
    }
  });

  it('--follow prints new entries as they are recorded, until cancelled', async () => {
    let out = '';
    const stop = new AbortController();
    const io = { stdout: { write: (t: string) => void (out += t) }, stderr: { write: () => {} }, env: { ...process.env, BERTH_HOME: h } };
    const running = main(['-o', 'json', 'audit', '--follow', '--room', room, '--action', 'container.start'], { io, signal: stop.signal });
    expect((await cli('container', 'start', 'one')).code).toBe(0);
    await waitFor(() => out.includes('"container.start"'), 'the new entry');
    stop.abort();
    await running;
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((e) => e.action)).toEqual(['container.start']);
  });
});
