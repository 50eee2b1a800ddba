// An approved command runs where the person was shown and runs what they were shown: the directory is held from
// filing, and a request whose directory or program was swapped (an agent's mv + ln -s) is refused at run, never run
// elsewhere. Real files, a real SQLite queue and a real pty.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalQueue, fileShellRequest, startApprovedRun } from '../../src/runtime/host-commands/index.js';
import type { Runtime } from '../../src/runtime/core/index.js';
import { runtimeFor, tempHome } from '../support/helpers.js';

const home = tempHome();
let rt: Runtime;

beforeAll(() => {
  rt = runtimeFor(home, { BERTH_AGENT: '' });
});
afterAll(() => {
  rt.close();
  fs.rmSync(home, { recursive: true, force: true });
});

/** proj (the approved directory) and etc (what an agent would rather it ran in), as real directories. */
function place(name: string) {
  const base = fs.mkdtempSync(path.join(home, `${name}-`));
  const proj = path.join(base, 'proj');
  const elsewhere = path.join(base, 'elsewhere');
  fs.mkdirSync(proj);
  fs.mkdirSync(elsewhere);
  fs.writeFileSync(path.join(elsewhere, 'precious'), 'keep me\n');
  return { base, proj, elsewhere };
}

async function approveAndRun(req: { id: number }) {
  const queue = new ApprovalQueue(rt);
  const approved = queue.decide(req.id, 'approved', { actor: 'alice' });
  return startApprovedRun(rt, approved);
}

describe('the approved directory and program', () => {
  it('runs in the directory shown, with PWD naming it', async () => {
    const { proj } = place('plain');
    const req = await fileShellRequest(rt, { agent: 'a1', script: 'pwd; pwd -P', cwd: proj, timeoutMs: 60_000 });
    expect(req.cwd).toBe(fs.realpathSync(proj));
    const run = await approveAndRun(req);
    expect(await run.done).toBe(0);
    const out = fs.readFileSync(new ApprovalQueue(rt).outputFile(req.id), 'utf8').split(/\r?\n/).filter(Boolean);
    expect(out).toEqual([req.cwd, req.cwd]);
  });

  it('a directory swapped for a symlink after filing is refused at run; nothing runs anywhere', async () => {
    const { proj, elsewhere } = place('swap');
    const req = await fileShellRequest(rt, { agent: 'a1', script: 'rm -f precious; pwd -P', cwd: proj, timeoutMs: 60_000 });
    // The agent: mv proj proj.old; ln -s elsewhere proj.
    fs.renameSync(proj, `${proj}.old`);
    fs.symlinkSync(elsewhere, proj);
    const err = (await approveAndRun(req).catch((e: unknown) => e)) as Error & { exitCode: number };
    expect(err.message).toBe(`request ${req.id}: its directory ${req.cwd} was moved or replaced after it was filed: refused, nothing ran`);
    expect(err.exitCode).toBe(4);
    expect(fs.readFileSync(path.join(elsewhere, 'precious'), 'utf8')).toBe('keep me\n');
    const ended = new ApprovalQueue(rt).get(req.id);
    expect(ended.startedAt ?? null).toBeNull();
  });

  it('a directory renamed away and replaced by a new one is refused too', async () => {
    const { proj } = place('replace');
    const req = await fileShellRequest(rt, { agent: 'a1', argv: ['ls'], cwd: proj, timeoutMs: 60_000 });
    fs.renameSync(proj, `${proj}.old`);
    fs.mkdirSync(proj);
    await expect(approveAndRun(req)).rejects.toThrow(/its directory .* was moved or replaced/);
  });

  it('a program rewritten or replaced after filing is refused; the same file unchanged runs', async () => {
    const { proj } = place('prog');
    const tool = path.join(proj, 'tool.sh');
    fs.writeFileSync(tool, '#!/bin/sh\necho harmless\n', { mode: 0o755 });
    const rewritten = await fileShellRequest(rt, { agent: 'a1', argv: ['./tool.sh'], cwd: proj, timeoutMs: 60_000 });
    expect(rewritten.command[0]).toBe(path.join(rewritten.cwd, 'tool.sh'));
    fs.writeFileSync(tool, '#!/bin/sh\necho harmful\n');
    await expect(approveAndRun(rewritten)).rejects.toThrow(`request ${rewritten.id}: its program ${rewritten.command[0]} was replaced or changed after it was filed: refused, nothing ran`);

    const replaced = await fileShellRequest(rt, { agent: 'a1', argv: ['./tool.sh'], cwd: proj, timeoutMs: 60_000 });
    fs.renameSync(tool, `${tool}.old`);
    fs.copyFileSync(`${tool}.old`, tool);
    fs.chmodSync(tool, 0o755);
    await expect(approveAndRun(replaced)).rejects.toThrow(/its program .* was replaced or changed/);

    const kept = await fileShellRequest(rt, { agent: 'a1', argv: ['./tool.sh'], cwd: proj, timeoutMs: 60_000 });
    const run = await approveAndRun(kept);
    expect(await run.done).toBe(0);
    expect(fs.readFileSync(new ApprovalQueue(rt).outputFile(kept.id), 'utf8')).toContain('harmful');
  });
});
