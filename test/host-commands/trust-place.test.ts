// Where an auto-approved command runs, with real git repositories in temp dirs: berth's own dirs (workspaces, room
// storage) always go to a person, and a repository cannot make an allowed `git status` / `git log` run its code —
// core.fsmonitor, core.pager, a clean filter, hooks. Each attack is first shown to work with plain git.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as pty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWorkspace } from '../../src/runtime/agents/index.js';
import { ApprovalQueue, baseEnvironment, type ApprovalRequest, fileShellRequest, startApprovedRun, addTrustRule, GIT_CONFIG_OVERRIDES, gitOverrideEnv } from '../../src/runtime/host-commands/index.js';
import type { Runtime } from '../../src/runtime/core/index.js';
import { repoRoot, runtimeFor, tempHome } from '../support/helpers.js';
import { PERSON } from '../support/person.js';

const home = tempHome();
const bin = path.join(repoRoot, 'bin', 'berth');
let rt: Runtime;
let n = 0;

beforeAll(async () => {
  rt = runtimeFor(home, { BERTH_AGENT: '' });
  for (const pattern of [['git', 'status'], ['git', 'log'], ['git', '-C'], ['ls'], ['cd']]) await addTrustRule(rt, { pattern }, PERSON);
});
afterAll(() => {
  rt.close();
  fs.rmSync(home, { recursive: true, force: true });
});

/** Plain git in `dir`, as a person would run it (their environment, no berth overrides). */
function git(dir: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync('git', args, { cwd: dir, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A repository with one commit, outside berth's dirs, and the marker file its attack would create. */
function repo(): { dir: string; marker: string } {
  const dir = fs.mkdtempSync(path.join(home, `repo${++n}-`));
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['config', 'user.email', 't@example.com']);
  git(dir, ['config', 'user.name', 'T']);
  fs.writeFileSync(path.join(dir, 'f.txt'), 'a\n');
  git(dir, ['add', '.']);
  git(dir, ['commit', '-qm', 'one']);
  return { dir, marker: path.join(home, `ran-${n}`) };
}

const ask = (argv: string[], cwd: string) => fileShellRequest(rt, { agent: 'bot', argv, cwd, timeoutMs: 60_000 });

/** Settles a request the test will not run: pending → cancelled, approved → not run. */
function drop(req: ApprovalRequest): void {
  const q = new ApprovalQueue(rt);
  if (!q.cancel(req.id, 'test done') && q.get(req.id).status === 'approved') q.markEnded(req.id, null, 'not-run');
}

describe('berth data dirs never auto-approve', () => {
  it('a cwd in an agent workspace or room storage goes to a person, and so does git -C into one', async () => {
    const workspace = ensureWorkspace(rt, 'place-room', 'bot');
    for (const [argv, cwd] of [
      [['ls'], workspace],
      [['ls'], path.dirname(path.dirname(workspace))],
      [['git', 'status'], workspace],
      [['git', '-C', workspace, 'status'], '/'],
      [['git', '-C', path.dirname(workspace), '-C', 'bot', 'log'], '/'],
    ] as [string[], string][]) {
      const req = await ask(argv, cwd);
      expect(req.status, `${argv.join(' ')} in ${cwd}`).toBe('pending');
      expect(req.reason).toMatch(/^working directory: .*inside berth's data/);
      drop(req);
    }
    // Outside them the same rule allows it.
    const outside = await ask(['ls'], home);
    expect(outside.status).toBe('approved');
    drop(outside);
  });
});

describe('a repository cannot make an allowed git command run its code', () => {
  it('an ordinary repository auto-approves, and the request runs (and shows) git with its code-running settings forced off', async () => {
    const { dir } = repo();
    git(dir, ['remote', 'add', 'origin', 'https://example.invalid/r.git']);
    git(dir, ['config', 'branch.main.remote', 'origin']);
    git(dir, ['config', 'branch.main.merge', 'refs/heads/main']);
    const req = await ask(['git', 'status'], dir);
    expect(req.status, req.reason ?? '').toBe('approved');
    expect(req.env).toMatchObject({ ...gitOverrideEnv(), GIT_CONFIG_NOSYSTEM: '1', GIT_PAGER: 'cat' });
    expect(GIT_CONFIG_OVERRIDES.map(([k, v]) => `${k}=${v}`)).toEqual(expect.arrayContaining(['core.fsmonitor=false', 'core.pager=cat', 'core.hooksPath=/dev/null']));
    // git itself reads them as command-line config.
    const seen = git(dir, ['config', '--list', '--show-scope'], req.env);
    expect(seen).toContain('command\tcore.hookspath=/dev/null');
    expect(req.envAdded).toEqual({});
    drop(req);
  });

  it('core.fsmonitor: a person decides, the check runs nothing, and the forced settings keep git status from running it', async () => {
    const { dir, marker } = repo();
    git(dir, ['config', 'core.fsmonitor', `touch ${marker} #`]);
    git(dir, ['status']);
    expect(fs.existsSync(marker)).toBe(true); // the attack is real
    fs.rmSync(marker);

    const req = await ask(['git', 'status'], dir);
    expect(req.status).toBe('pending');
    expect(req.reason).toMatch(/^repository config: the repository at .* sets core\.fsmonitor \(local config\)/);
    expect(fs.existsSync(marker)).toBe(false);
    drop(req);
    git(dir, ['status'], { ...baseEnvironment(process.env), ...gitOverrideEnv() });
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('core.pager: a person decides; approved by a person, git under the pty still never runs it', async () => {
    const { dir, marker } = repo();
    git(dir, ['config', 'core.pager', `touch ${marker}; cat`]);
    // The attack is real: git under a terminal pages through the repository's pager.
    const env = { ...process.env } as Record<string, string>;
    delete env.GIT_PAGER;
    delete env.PAGER;
    const term = pty.spawn('git', ['log'], { cwd: dir, env, cols: 80, rows: 24 });
    await new Promise((resolve) => term.onExit(resolve));
    expect(fs.existsSync(marker)).toBe(true);
    fs.rmSync(marker);

    const req = await ask(['git', 'log'], dir);
    expect(req.status).toBe('pending');
    expect(req.reason).toMatch(/sets core\.pager/);
    const approved = new ApprovalQueue(rt).decide(req.id, 'approved', { actor: 'alice' });
    const run = await startApprovedRun(rt, approved);
    expect(await run.done).toBe(0);
    expect(fs.readFileSync(new ApprovalQueue(rt).outputFile(req.id), 'utf8')).toContain('one');
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('a clean filter (.gitattributes + the repository config): a person decides, and neither the check nor trust check runs it', async () => {
    const { dir, marker } = repo();
    fs.writeFileSync(path.join(dir, '.gitattributes'), '*.txt filter=evil\n');
    git(dir, ['add', '.gitattributes']);
    git(dir, ['commit', '-qm', 'attributes']);
    git(dir, ['config', 'filter.evil.clean', `touch ${marker}; cat`]);
    // Same size, new content: git status must read the file through the filter.
    fs.writeFileSync(path.join(dir, 'f.txt'), 'b\n');
    git(dir, ['status']);
    expect(fs.existsSync(marker)).toBe(true);
    fs.rmSync(marker);
    fs.writeFileSync(path.join(dir, 'f.txt'), 'c\n');

    const req = await ask(['git', 'status'], dir);
    expect(req.status).toBe('pending');
    expect(req.reason).toMatch(/sets filter\.evil\.clean/);
    drop(req);
    const check = spawnSync(process.execPath, [bin, 'trust', 'check', '--', 'git', 'status'], { cwd: dir, env: { ...process.env, BERTH_HOME: home, BERTH_AGENT: '' }, encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(1);
    expect(check.stdout).toMatch(/reason:\s+repository config: .*filter\.evil\.clean/);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it("a hook in .git/hooks never runs under an auto-approved git status (berth shell end to end)", async () => {
    const { dir, marker } = repo();
    const hook = path.join(dir, '.git', 'hooks', 'post-index-change');
    fs.writeFileSync(hook, `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 });
    // A changed mtime makes git status refresh and write the index, which runs the hook.
    fs.utimesSync(path.join(dir, 'f.txt'), new Date('2001-01-01'), new Date('2001-01-01'));
    git(dir, ['status']);
    expect(fs.existsSync(marker)).toBe(true);
    fs.rmSync(marker);
    fs.utimesSync(path.join(dir, 'f.txt'), new Date('2002-01-01'), new Date('2002-01-01'));

    const child = spawn(process.execPath, [bin, 'shell', '--agent', 'bot', '--cwd', dir, '--', 'git', 'status', '--short'], {
      env: { ...process.env, BERTH_HOME: home, BERTH_AGENT: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
    expect(stderr).toContain('auto-approved by trusted pattern git status');
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('a script that changes directory before git goes to a person: berth cannot tell which repository git reads', async () => {
    const { dir } = repo();
    const req = await fileShellRequest(rt, { agent: 'bot', script: 'cd .. && git status', cwd: dir, timeoutMs: 60_000 });
    expect(req.status).toBe('pending');
    expect(req.reason).toMatch(/^working directory: the script runs `cd`/);
    drop(req);
    // Without git, cd is just an allowed command.
    const plain = await fileShellRequest(rt, { agent: 'bot', script: 'cd .. && ls', cwd: dir, timeoutMs: 60_000 });
    expect(plain.status).toBe('approved');
    drop(plain);
  });
});
