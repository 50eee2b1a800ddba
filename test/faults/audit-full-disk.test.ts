// A full disk and the audit log: with BERTH_HOME on a small tmpfs, an action whose line cannot be
// written is refused before it acts (exit 8) or, when the disk fills during it, reported as done-but-unrecorded
// (exit 9); a write the disk cuts short is rolled back; a torn tail is reported as a damaged line, never merged.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { appendLine, DEFAULT_AUDIT_LIMITS } from '../../src/runtime/core/audit-file.js';
import { ExitCode, exitCodeOf } from '../../src/runtime/core/index.js';
import { ApprovalQueue, prepareRequest } from '../../src/runtime/host-commands/index.js';
import { cliFor, IMG, roomContainers } from '../support/container-helpers.js';
import { docker, removeRooms, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';
import { fill, removeSmallDisks, smallDisk } from './tmpfs.js';

const rooms: string[] = [];
afterAll(async () => {
  await removeRooms(rooms);
});
afterEach(removeSmallDisks);

const auditText = (home: string) => fs.readFileSync(path.join(home, 'data', 'actions.jsonl'), 'utf8');
const entries = (home: string) => auditText(home).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { action: string; target: string; result: string });

describe('audit log on a full disk', () => {
  it('a write cut short by ENOSPC is rolled back; after space is freed the next line is whole', () => {
    const dir = smallDisk('64k');
    const file = path.join(dir, 'actions.jsonl');
    appendLine(file, `${JSON.stringify({ n: 1 })}\n`, DEFAULT_AUDIT_LIMITS);
    const filler = fill(dir); // the log's first page still has room: a long line is cut at its end
    const long = `${JSON.stringify({ n: 2, pad: 'x'.repeat(6000) })}\n`;
    expect(() => appendLine(file, long, DEFAULT_AUDIT_LIMITS)).toThrow(/ENOSPC/);
    expect(fs.readFileSync(file, 'utf8')).toBe(`${JSON.stringify({ n: 1 })}\n`);
    fs.rmSync(filler);
    appendLine(file, long, DEFAULT_AUDIT_LIMITS);
    expect(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).n)).toEqual([1, 2]);
  });

  it('a torn tail (a crash mid-write) is one damaged line that berth audit names; the entry appended onto it is still listed', async () => {
    const home = tempHome();
    const room = uniqueRoom('af');
    rooms.push(room);
    fs.mkdirSync(path.join(home, 'data'), { recursive: true });
    fs.writeFileSync(path.join(home, 'data', 'actions.jsonl'), '{"time":"2024-01-01T00:00:00Z","actor":"a","action":"container.run","targ');
    const cli = cliFor(home, room);
    expect((await cli('room', 'create', room)).code).toBe(0);
    const r = await cli('audit', '-o', 'json');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('damaged line 1 in actions.jsonl');
    expect(JSON.parse(r.stdout).items.map((e: { action: string }) => e.action)).toContain('room.create');
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('ten container runs on a full disk are refused (exit 8, nothing created); freed, every line parses and every action is in the log', async () => {
    const home = smallDisk('2m');
    const room = uniqueRoom('af');
    rooms.push(room);
    const cli = cliFor(home, room);
    expect((await cli('room', 'create', room)).code).toBe(0);
    const filler = fill(home);
    const results = [];
    for (let i = 0; i < 10; i++) results.push(await cli('container', 'run', '-d', '--name', `c${i}`, IMG, '--', 'sleep', '600'));
    for (const r of results) {
      expect(r.code, r.stderr).toBe(ExitCode.auditRefused);
      expect(r.stderr).toMatch(/refused, nothing was done: the audit log .* cannot be written \(the disk is full: /);
    }
    expect(await roomContainers(room)).toHaveLength(0);
    fs.rmSync(filler);
    expect((await cli('container', 'run', '-d', '--name', 'after', IMG, '--', 'sleep', '600')).code).toBe(0);
    const log = entries(home); // every line parses
    const running = (await roomContainers(room)).map((c) => c.Names[0]!.replace(/^\//, ''));
    const logged = log.filter((e) => e.action === 'container.run' && e.result === 'ok').map((e) => e.target);
    expect(running).toHaveLength(1);
    expect(logged).toEqual([`${room}/after`]);
  });

  it('a disk that fills while a job runs: the job is done, berth says its line was not written (exit 9), and the log stays whole', async () => {
    const home = smallDisk('2m');
    const room = uniqueRoom('af');
    rooms.push(room);
    const cli = cliFor(home, room);
    expect((await cli('room', 'create', room)).code).toBe(0);
    // A line longer than a page: the log's last page cannot take it once the disk is full.
    const job = cli('run', IMG, '--', 'sh', '-c', `while [ ! -e /go ]; do sleep 0.05; done; echo done; : ${'x'.repeat(5000)}`);
    const c = await waitFor(async () => (await roomContainers(room)).find((x) => x.State === 'running'), 'the job running');
    const filler = fill(home);
    const exec = await docker.getContainer(c.Id).exec({ Cmd: ['touch', '/go'] });
    await exec.start({ Detach: true });
    const r = await job;
    expect(r.stdout).toContain('done');
    expect(r.code, r.stderr).toBe(ExitCode.auditLost);
    expect(r.stderr).toMatch(/job\.run .* was done, but its audit line could not be written to .* \(the disk is full: /);
    fs.rmSync(filler);
    expect((await cli('room', 'inspect', room)).code).toBe(0);
    expect((await cli('container', 'run', '-d', '--name', 'after', IMG, '--', 'sleep', '600')).code).toBe(0);
    expect(auditText(home).endsWith('\n')).toBe(true);
    expect(entries(home).map((e) => e.action)).toEqual(['room.create', 'container.run']);
  });

  it("a person's decision on a full disk is refused (exit 8) and the request stays pending; freed, it is decided and audited", () => {
    const home = smallDisk('2m');
    const rt = runtimeFor(home);
    try {
      const queue = new ApprovalQueue(rt);
      const req = queue.file(prepareRequest({ agent: 'builder', argv: ['ls'], cwd: '/', timeoutMs: 60_000 }));
      const filler = fill(home);
      let refused: unknown;
      try {
        queue.decide(req.id, 'approved', { actor: 'alice' });
      } catch (err) {
        refused = err;
      }
      expect(exitCodeOf(refused)).toBe(ExitCode.auditRefused);
      expect((refused as Error).message).toMatch(new RegExp(`^approval\\.approve approval/${req.id} refused, nothing was done: the audit log .* cannot be written \\(the disk is full: `));
      expect(queue.get(req.id).status).toBe('pending');
      fs.rmSync(filler);
      expect(queue.decide(req.id, 'approved', { actor: 'alice' }).status).toBe('approved');
      expect(entries(home).filter((e) => e.target === `approval/${req.id}`).map((e) => e.action)).toEqual(['approval.request', 'approval.approve']);
    } finally {
      rt.close();
    }
  });
});
