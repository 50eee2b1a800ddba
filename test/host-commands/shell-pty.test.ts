// berth shell end to end with the built binary: a caller in a real pty files a request, a person approves or denies
// from another process (itself in a pty, as a person's terminal is), and output and exit code come back; deadlines
// give 7, denials 6, decisions from agents or without a terminal are refused, and a killed caller's request ends
// cancelled.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import * as pty from 'node-pty';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ApprovalQueue, SAFE_PATH, type ApprovalRequest, addTrustRule } from '../../src/runtime/host-commands/index.js';
import { repoRoot, runCli, runtimeFor, tempHome, waitFor } from '../support/helpers.js';
import { PERSON } from '../support/person.js';

const home = tempHome();
const bin = path.join(repoRoot, 'bin', 'berth');
const baseEnv = { ...process.env, BERTH_HOME: home, TERM: 'xterm-256color' } as Record<string, string>;
delete baseEnv.BERTH_AGENT;
const opened = new Set<pty.IPty>();
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

/** bin/berth ARGS in a pty; resolves with its exit code and everything it printed. */
function berthInPty(args: string[], env: Record<string, string> = {}) {
  const term = pty.spawn(process.execPath, [bin, ...args], { name: 'xterm-256color', cols: 100, rows: 30, cwd: repoRoot, env: { ...baseEnv, ...env } });
  opened.add(term);
  let output = '';
  term.onData((d) => (output += d));
  const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
  return { term, output: () => output, exited, waitFor: (text: string | RegExp) => waitFor(() => (typeof text === 'string' ? output.includes(text) : text.test(output)), `output ${text}`) };
}

function queue(): { q: ApprovalQueue; close: () => void } {
  const rt = runtimeFor(home);
  return { q: new ApprovalQueue(rt), close: () => rt.close() };
}

/** The request filed by the caller whose command contains `marker`, once it exists. */
async function requestWith(marker: string): Promise<ApprovalRequest> {
  return waitFor(() => {
    const { q, close } = queue();
    try {
      return q.list({}).find((r) => JSON.stringify(r.command).includes(marker));
    } finally {
      close();
    }
  }, `the request for ${marker}`);
}

async function decideInPty(verb: 'approve' | 'deny', id: number, extra: string[] = []) {
  const p = berthInPty(['approvals', verb, String(id), ...extra]);
  const code = await p.exited;
  return { code, output: p.output() };
}

describe('berth shell end to end', () => {
  it('waits for a person, runs the approved command in a pty, streams its output and keys, returns its exit code', async () => {
    const caller = berthInPty(['shell', '--agent', 'builder', '--timeout', '2m', '--', 'sh', '-c', 'echo out-$((6*7)); read line; echo "got-$line"; exit 3']);
    await caller.waitFor('waiting for approval of request');
    const req = await requestWith('out-$((6*7))');
    expect(req.status).toBe('pending');
    expect(caller.output()).not.toContain('out-42');

    const approval = await decideInPty('approve', req.id);
    expect(approval.code).toBe(0);
    expect(approval.output).toContain(`approved request ${req.id}`);
    // Output streams while the command still runs (it waits for a line), and typed keys reach it.
    await caller.waitFor('out-42');
    caller.term.write('typed\r');
    await caller.waitFor('got-typed');
    expect(await caller.exited).toBe(3);

    const { q, close } = queue();
    const done = q.get(req.id);
    close();
    expect(done).toMatchObject({ status: 'approved', decidedVia: 'person', exitCode: 3, endReason: 'exited' });
    expect(done.startedAt).not.toBeNull();
    const audit = runtimeFor(home).audit.read().filter((e) => e.target === `approval/${req.id}`).map((e) => e.action);
    expect(audit).toEqual(['approval.request', 'approval.approve', 'approval.start', 'approval.exit']);
  });

  it('runs exactly what was shown: resolved program, cwd, base environment plus the shown additions only', async () => {
    const dir = fs.mkdtempSync(path.join(home, 'cwd-'));
    const child = spawn(process.execPath, [bin, 'shell', '--agent', 'builder', '--cwd', dir, '--env', 'GREETING=hi there', '--', 'sh', '-c', 'echo "pwd=$(pwd)"; echo "greet=$GREETING"; echo "path=$PATH"; echo "sneaky=${SNEAKY:-unset}"; echo "preload=${LD_PRELOAD:-unset}"'], {
      env: { ...baseEnv, SNEAKY: 'from-caller', LD_PRELOAD: '/tmp/evil.so', PATH: `/tmp/agent-bin:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const req = await requestWith('greet=$GREETING');
    expect(req.command[0]).toMatch(/^\/(usr\/)?bin\/sh$/);
    expect(req.cwd).toBe(fs.realpathSync(dir));
    expect(req.envAdded).toEqual({ GREETING: 'hi there' });
    expect(req.env.PATH).toBe(SAFE_PATH);
    expect(req.env).not.toHaveProperty('SNEAKY');
    const shown = await runCli(['approvals', 'show', String(req.id)], { BERTH_HOME: home });
    expect(shown.stdout).toContain("env added:   'GREETING=hi there'");
    expect(shown.stdout).toContain(`cwd:         ${fs.realpathSync(dir)}`);

    expect((await decideInPty('approve', req.id)).code).toBe(0);
    expect(await exited).toBe(0);
    // Not a terminal: plain \n line ends.
    expect(stdout).toBe([`pwd=${fs.realpathSync(dir)}`, 'greet=hi there', `path=${SAFE_PATH}`, 'sneaky=unset', 'preload=unset', ''].join('\n'));
  });

  it('denied: the caller exits 6 with the reason, and the command never runs', async () => {
    const marker = path.join(home, 'never-created');
    const caller = berthInPty(['shell', '--agent', 'builder', '--', 'touch', marker]);
    const req = await requestWith(marker);
    const denial = await decideInPty('deny', req.id, ['--reason', 'not today']);
    expect(denial.code).toBe(0);
    expect(await caller.exited).toBe(6);
    expect(caller.output()).toMatch(/denied by \S+ \(not today\)/);
    expect(fs.existsSync(marker)).toBe(false);
    // Decided once: a second decision is a conflict.
    const again = await decideInPty('approve', req.id);
    expect(again.code).toBe(4);
    expect(again.output).toContain('already denied');
  });

  it('expired: nobody decides before --timeout, the caller exits 7', async () => {
    const caller = berthInPty(['shell', '--agent', 'builder', '--timeout', '1s', '--', 'echo', 'expiry-marker']);
    expect(await caller.exited).toBe(7);
    expect(caller.output()).toContain('expired');
    const req = await requestWith('expiry-marker');
    expect(req.status).toBe('expired');
    expect((await decideInPty('approve', req.id)).code).toBe(4);
  });

  it('refuses decisions from agents (BERTH_AGENT) and without a terminal on stdin: exit 6, one line, still pending', async () => {
    const caller = berthInPty(['shell', '--agent', 'builder', '--', 'echo', 'refusal-marker']);
    const req = await requestWith('refusal-marker');
    const asAgent = berthInPty(['approvals', 'approve', String(req.id)], { BERTH_AGENT: 'builder' });
    expect(await asAgent.exited).toBe(6);
    expect(asAgent.output().trim().split('\n')).toHaveLength(1);
    expect(asAgent.output()).toContain("a person's act");

    // stdin a pipe (what an agent's tool call has), even with a terminal elsewhere.
    const piped = spawn(process.execPath, [bin, 'approvals', 'approve', String(req.id)], { env: baseEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    piped.stderr.on('data', (d) => (err += d));
    expect(await new Promise((resolve) => piped.once('exit', resolve))).toBe(6);
    expect(err.trim().split('\n')).toEqual(["berth: deciding an approval is a person's act: refused because stdin is not a terminal"]);
    const inProcess = await runCli(['approvals', 'deny', String(req.id)], { BERTH_HOME: home });
    expect(inProcess.code).toBe(6);

    const { q, close } = queue();
    expect(q.get(req.id).status).toBe('pending');
    close();
    caller.term.write('\x03'); // Ctrl+C while waiting: cancelled, 130
    expect(await caller.exited).toBe(130);
    const { q: q2, close: close2 } = queue();
    expect(q2.get(req.id)).toMatchObject({ status: 'cancelled', decidedVia: 'caller' });
    close2();
  });

  it('a caller killed with SIGKILL leaves its request cancelled, not pending', async () => {
    const child = spawn(process.execPath, [bin, 'shell', '--agent', 'builder', '--', 'echo', 'killed-caller-marker'], { env: baseEnv, stdio: 'ignore' });
    const req = await requestWith('killed-caller-marker');
    expect(req.caller.pid).toBe(child.pid);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const listed = await runCli(['approvals', 'list', '-a', '-o', 'json'], { BERTH_HOME: home });
    const item = (JSON.parse(listed.stdout) as { items: ApprovalRequest[] }).items.find((r) => r.id === req.id)!;
    expect(item).toMatchObject({ status: 'cancelled', decidedVia: 'caller' });
    expect(item.reason).toContain(`pid ${child.pid}`);
    expect((await decideInPty('approve', req.id)).code).toBe(4);
  });

  it('runs a script request with bash, exactly its text, and watch reports each step as JSON lines', async () => {
    const watch = spawn(process.execPath, [bin, 'approvals', 'watch', '-o', 'json'], { env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let events = '';
    watch.stdout.on('data', (d) => (events += d));
    const parsed = () => events.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; request: ApprovalRequest });
    try {
      const child = spawn(process.execPath, [bin, 'shell', '--agent', 'scripter', '-c', 'echo "one $((1+1))" && echo two; exit 5'], { env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      const req = await requestWith('echo two; exit 5');
      expect(req.kind).toBe('script');
      expect(req.script).toBe('echo "one $((1+1))" && echo two; exit 5');
      expect(req.command.slice(-4)).toEqual(['--norc', '--noprofile', '-c', req.script]);
      await waitFor(() => parsed().some((e) => e.event === 'request' && e.request.id === req.id), 'watch to see the request');
      expect((await decideInPty('approve', req.id)).code).toBe(0);
      expect(await exited).toBe(5);
      expect(stdout).toBe('one 2\ntwo\n');
      await waitFor(() => parsed().some((e) => e.event === 'exit' && e.request.id === req.id), 'watch to see the exit');
      const mine = parsed().filter((e) => e.request.id === req.id);
      expect(mine.map((e) => e.event)).toEqual(['request', 'decision', 'start', 'exit']);
      expect(mine[1]!.request.status).toBe('approved');
      expect(mine[3]!.request.exitCode).toBe(5);
    } finally {
      watch.kill('SIGINT');
      await new Promise((resolve) => watch.once('exit', resolve));
    }
  });

  it('asks the trusted patterns first: allow runs at once (audited with the rule), deny exits 6, env additions go to a person', async () => {
    const trustHome = tempHome();
    const env = { ...baseEnv, BERTH_HOME: trustHome };
    try {
      // An allow rule is a person's to add (a terminal on stdin): added as the person would, through the runtime.
      const setup = runtimeFor(trustHome, { BERTH_AGENT: '' });
      await addTrustRule(setup, { pattern: ['echo'], agent: 'trusty' }, PERSON);
      setup.close();
      expect((await runCli(['trust', 'add', '--deny', '--', 'rm'], { BERTH_HOME: trustHome })).code).toBe(0);
      const run = (args: string[]) =>
        new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
          const child = spawn(process.execPath, [bin, 'shell', '--agent', 'trusty', '--timeout', '20s', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (d) => (stdout += d));
          child.stderr.on('data', (d) => (stderr += d));
          child.once('exit', (code) => resolve({ code, stdout, stderr }));
        });
      const allowed = await run(['--', 'echo', 'trusted', 'words']);
      expect(allowed).toMatchObject({ code: 0, stdout: 'trusted words\n' });
      expect(allowed.stderr).toContain('auto-approved by trusted pattern echo');
      const denied = await run(['--', 'rm', '-rf', path.join(trustHome, 'x')]);
      expect(denied.code).toBe(6);
      expect(denied.stderr).toContain('denied by trusted pattern rm');
      // Chained onto an allowed command: still a person's decision (the parser sees the second command).
      const chained = spawn(process.execPath, [bin, 'shell', '--agent', 'trusty', '-c', 'echo hi; id'], { env, stdio: 'ignore' });
      const withEnv = spawn(process.execPath, [bin, 'shell', '--agent', 'trusty', '-e', 'LD_PRELOAD=/tmp/x.so', '--', 'echo', 'env-marker'], { env, stdio: 'ignore' });
      const rt = runtimeFor(trustHome);
      const q = new ApprovalQueue(rt);
      const pending = await waitFor(() => (q.list({ status: 'pending' }).length === 2 ? q.list({ status: 'pending' }) : undefined), 'two pending requests');
      expect(pending.map((r) => r.reason).sort()).toEqual(['env additions: the request sets LD_PRELOAD', 'no allow rule: nothing allows `id`']);
      chained.kill('SIGKILL');
      withEnv.kill('SIGKILL');
      const all = q.list({});
      expect(all[0]).toMatchObject({ status: 'approved', decidedVia: 'rule', decidedBy: 'echo', exitCode: 0 });
      expect(all[0]!.rule).toMatchObject({ pattern: ['echo'], agent: 'trusty' });
      const audit = rt.audit.read().filter((e) => e.target === `approval/${all[0]!.id}`);
      expect(audit.map((e) => e.action)).toEqual(['approval.request', 'approval.approve', 'approval.start', 'approval.exit']);
      expect(audit[1]).toMatchObject({ actor: 'rule:echo', details: { via: 'rule', rule: { pattern: ['echo'] } } });
      rt.close();
    } finally {
      fs.rmSync(trustHome, { recursive: true, force: true });
    }
  });
});
