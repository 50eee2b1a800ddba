// Auto-approved host commands end to end with the built binary: no pager waits under the pty, an auto-approved
// command gets none of the caller's keys, and SIGTERM/SIGHUP to berth shell ends the command's whole process group.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as pty from 'node-pty';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalQueue, NO_PAGER_ENV, type ApprovalRequest, addTrustRule } from '../../src/runtime/host-commands/index.js';
import { processStart } from '../../src/runtime/core/index.js';
import { repoRoot, runtimeFor, tempHome, waitFor } from '../support/helpers.js';
import { PERSON } from '../support/person.js';

const home = tempHome();
const bin = path.join(repoRoot, 'bin', 'berth');
const baseEnv = { ...process.env, BERTH_HOME: home, TERM: 'xterm-256color' } as Record<string, string>;
delete baseEnv.BERTH_AGENT;
const opened = new Set<pty.IPty>();
const COMMITS = 400;
let repo: string;

beforeAll(async () => {
  const rt = runtimeFor(home, { BERTH_AGENT: '' });
  for (const pattern of [['git', 'log'], ['sh'], ['bash']]) await addTrustRule(rt, { pattern }, PERSON);
  rt.close();
  // A repository with more commits than a terminal has rows: git would page them.
  repo = fs.mkdtempSync(path.join(home, 'repo-'));
  const git = (args: string[], input?: string) => {
    const r = spawnSync('git', args, { cwd: repo, input, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  };
  git(['init', '-q', '-b', 'main']);
  let stream = '';
  for (let i = 1; i <= COMMITS; i++) {
    const msg = `msg-${String(i).padStart(4, '0')}\n`;
    stream += `commit refs/heads/main\ncommitter T <t@example.com> ${1_700_000_000 + i} +0000\ndata ${msg.length}\n${msg}\n`;
  }
  git(['fast-import', '--quiet'], stream);
});
afterEach(() => {
  for (const t of opened) {
    try {
      t.kill('SIGKILL');
    } catch {
      // gone
    }
  }
  opened.clear();
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

function berthInPty(args: string[]) {
  const term = pty.spawn(process.execPath, [bin, ...args], { name: 'xterm-256color', cols: 100, rows: 30, cwd: repoRoot, env: baseEnv });
  opened.add(term);
  // Held open so this side of the test reads all of berth's output too (node-pty drops the tail on Linux otherwise).
  const slave = fs.openSync((term as pty.IPty & { ptsName: string }).ptsName, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
  let output = '';
  term.onData((d) => (output += d));
  const exited = new Promise<number>((resolve) =>
    term.onExit(({ exitCode }) => {
      fs.closeSync(slave);
      resolve(exitCode);
    }),
  );
  return { term, output: () => output, exited, waitFor: (text: string) => waitFor(() => output.includes(text), `output ${text}`) };
}

function lastRequest(): ApprovalRequest {
  const rt = runtimeFor(home);
  try {
    return new ApprovalQueue(rt).list({}).at(-1)!;
  } finally {
    rt.close();
  }
}

describe('auto-approved commands under the pty', () => {
  it('git log in a repository with many commits prints every commit and exits: no pager waits for keys', async () => {
    const caller = berthInPty(['shell', '--agent', 'bot', '--cwd', repo, '--', 'git', 'log', '--oneline']);
    const code = await caller.exited;
    const tail = caller.output().slice(-300);
    expect(code, tail).toBe(0);
    expect(caller.output()).toContain('auto-approved by trusted pattern git log');
    for (const i of [1, COMMITS / 2, COMMITS]) expect(caller.output(), tail).toContain(`msg-${String(i).padStart(4, '0')}`);
    const req = lastRequest();
    // The pager settings are part of the environment the request shows.
    expect(req.env).toMatchObject(NO_PAGER_ENV);
    expect(req).toMatchObject({ status: 'approved', decidedVia: 'rule', exitCode: 0 });
    // berth read the command's last output before its exit (the copy for the dashboard has it too).
    const copy = fs.readFileSync(path.join(home, 'data', 'approvals', `${req.id}.out`), 'utf8');
    expect(copy).toContain('msg-0001');
    expect(copy).toContain(`msg-${String(COMMITS).padStart(4, '0')}`);
  });

  it("an auto-approved command gets none of the caller's keys: it reads end-of-file", async () => {
    // The first read gets end-of-file; the second waits a moment for a line that never comes.
    const caller = berthInPty(['shell', '--agent', 'bot', '--', 'bash', '-c', 'echo ready; read x; echo "got-[$x]"; read -t 2 y; echo "again-[$y]"']);
    await caller.waitFor('ready');
    caller.term.write('typed\r');
    await caller.waitFor('got-[');
    caller.term.write('more\r');
    expect(await caller.exited).toBe(0);
    expect(caller.output()).toContain('got-[]');
    expect(caller.output()).toContain('again-[]');
    expect(caller.output()).not.toContain('got-[typed]');
    expect(caller.output()).not.toContain('again-[more]');
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s to berth shell ends the command and its whole process group, also what ignores the signal', async (signal, code) => {
    // Not on a terminal, as under `timeout`; the background sleep ignores HUP, INT and TERM.
    const child = spawn(process.execPath, [bin, 'shell', '--agent', 'bot', '--', 'sh', '-c', `trap '' HUP INT TERM; sleep 1000 & echo "bg=$!"; wait`], {
      env: baseEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    const pid = Number((await waitFor(() => /bg=(\d+)/.exec(stdout), 'the background pid'))[1]);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const group = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    try {
      expect(processStart(pid)).not.toBeNull();
      child.kill(signal);
      expect(await exited).toBe(code);
      await waitFor(() => {
        const state = processStart(pid);
        return !state || state.zombie;
      }, `the background sleep (pid ${pid}) to be gone`);
    } finally {
      child.kill('SIGKILL');
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
    const req = lastRequest();
    expect(req.endedAt).not.toBeNull();
    expect(req.endReason).toBe('exited');
  });
  it('SIGTERM reaches the approved command as SIGTERM, not as an interrupt, and berth does not call what ran cancelled', async () => {
    const script = `trap 'echo got-TERM; exit 4' TERM; trap 'echo got-INT; exit 5' INT; echo ready; while :; do sleep 0.05; done`;
    const child = spawn(process.execPath, [bin, 'shell', '--agent', 'bot', '--', 'sh', '-c', script], { env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    try {
      await waitFor(() => stdout.includes('ready'), 'the command to start');
      child.kill('SIGTERM');
      expect(await exited).toBe(143);
    } finally {
      child.kill('SIGKILL');
    }
    expect(stdout).toContain('got-TERM');
    expect(stdout).not.toContain('got-INT');
    expect(stderr).not.toContain('cancelled');
  });
});
