// The approval queue's library and CLI in-process: what a request resolves to and how it is shown, trust verdicts,
// decided exactly once, deadlines, dead callers, bad input (one line, nothing filed).
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { ANNOUNCE_GRACE_MS, ApprovalQueue, SAFE_PATH, callerState, commandLine, currentCaller, formatArgv, prepareRequest, quoteArg, type FileRequestInput, fileShellRequest } from '../../src/runtime/host-commands/index.js';
import { ConflictError, NotFoundError, UsageError, processStart } from '../../src/runtime/core/index.js';
import { runCli, runtimeFor, tempHome } from '../support/helpers.js';

const home = tempHome();
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));
const base: FileRequestInput = { agent: 'builder', argv: ['ls', '-la'], cwd: '/', timeoutMs: 60_000 };

function withQueue<T>(fn: (q: ApprovalQueue) => T): T {
  const rt = runtimeFor(home);
  try {
    return fn(new ApprovalQueue(rt));
  } finally {
    rt.close();
  }
}

describe('showing a command', () => {
  it('quotes so every argument boundary and invisible character is visible', () => {
    expect(quoteArg('status')).toBe('status');
    expect(quoteArg('a b')).toBe("'a b'");
    expect(quoteArg('')).toBe("''");
    expect(quoteArg("it's")).toBe("'it'\\''s'");
    expect(quoteArg('$(id)')).toBe("'$(id)'");
    expect(quoteArg('a\nb')).toBe("$'a\\nb'");
    expect(quoteArg('\x1b[2J')).toBe("$'\\e[2J'");
    expect(quoteArg('g\u0456t')).toBe("$'g\\u0456t'"); // Cyrillic i
    expect(quoteArg('ls\u202e')).toBe("$'ls\\u202e'"); // right-to-left override
    expect(quoteArg('a\u{1f600}')).toBe("$'a\\U0001f600'"); // beyond the BMP: \U and eight digits
    expect(quoteArg('a\u00a0b')).toBe("$'a\\u00a0b'"); // no-break space (\xa0 would be a lone byte, not UTF-8)
    expect(formatArgv(['/usr/bin/git', 'log', '--format=%H %s'])).toBe("/usr/bin/git log '--format=%H %s'");
  });
});

describe('preparing a request', () => {
  it('resolves the program in the fixed PATH, not the caller\'s, and takes only TERM and LANG from the caller', () => {
    const agentBin = fs.mkdtempSync(path.join(home, 'bin-'));
    fs.writeFileSync(path.join(agentBin, 'ls'), '#!/bin/sh\necho evil\n', { mode: 0o755 });
    const p = prepareRequest({ ...base, callerEnv: { PATH: agentBin, LD_PRELOAD: '/x.so', BASH_ENV: '/x', GIT_CONFIG_GLOBAL: '/x', TERM: 'screen', LANG: 'de_DE.UTF-8' } });
    expect(p.command[0]).not.toContain(agentBin);
    expect(path.isAbsolute(p.command[0]!)).toBe(true);
    expect(p.command.slice(1)).toEqual(['-la']);
    expect(p.env.PATH).toBe(SAFE_PATH);
    expect(Object.keys(p.env).sort()).toEqual(['GIT_PAGER', 'GIT_TERMINAL_PROMPT', 'HOME', 'LANG', 'LESSSECURE', 'LOGNAME', 'MANPAGER', 'PAGER', 'PATH', 'SHELL', 'SYSTEMD_PAGER', 'TERM', 'USER']);
    expect(p.env).toMatchObject({ TERM: 'screen', LANG: 'de_DE.UTF-8', GIT_PAGER: 'cat', PAGER: 'cat', LESSSECURE: '1' });
    // A TERM that is not a plain word is not passed on.
    expect(prepareRequest({ ...base, callerEnv: { TERM: 'x;$(id)' } }).env.TERM).toBe('xterm-256color');
  });

  it('resolves a program given by path against the cwd, and the cwd to its real path', () => {
    const dir = fs.mkdtempSync(path.join(home, 'cwd-'));
    fs.writeFileSync(path.join(dir, 'tool.sh'), '#!/bin/sh\n', { mode: 0o755 });
    fs.symlinkSync(dir, path.join(home, 'link'));
    const p = prepareRequest({ ...base, argv: ['./tool.sh', 'x'], cwd: path.join(home, 'link') });
    expect(p.cwd).toBe(fs.realpathSync(dir));
    expect(p.command).toEqual([path.join(fs.realpathSync(dir), 'tool.sh'), 'x']);
    expect(p.argv).toEqual(['./tool.sh', 'x']);
  });

  it('runs a script with bash -c, the text unchanged', () => {
    const p = prepareRequest({ ...base, argv: undefined, script: 'make test && make lint\n' });
    expect(p.kind).toBe('script');
    expect(p.command.slice(1)).toEqual(['--norc', '--noprofile', '-c', 'make test && make lint\n']);
    expect(commandLine(p)).toBe(`${p.command[0]} --norc --noprofile -c $'make test && make lint\\n'`);
  });

  it.each([
    [{ argv: [] }, UsageError, 'give a command after --'],
    [{ argv: ['ls'], script: 'ls' }, UsageError, 'not both'],
    [{ argv: undefined, script: '  ' }, UsageError, '--script is empty'],
    [{ argv: ['no-such-program-xyz'] }, NotFoundError, 'command not found: no-such-program-xyz'],
    [{ argv: ['./nope'] }, NotFoundError, 'command not found: ./nope'],
    [{ cwd: '/no/such/dir' }, NotFoundError, 'no such directory'],
    [{ cwd: '/etc/hostname' }, UsageError, 'not a directory'],
    [{ env: { GITHUB_TOKEN: 'x' } }, UsageError, 'looks like a secret'],
    [{ env: { 'BAD-NAME': 'x' } }, UsageError, 'invalid --env "BAD-NAME"'],
    [{ agent: 'bad agent' }, UsageError, '--agent'],
    [{ argv: ['echo', 'a\0b'] }, UsageError, 'NUL'],
    [{ timeoutMs: 0 }, UsageError, '--timeout'],
  ] as const)('refuses %j', (patch, type, message) => {
    expect(() => prepareRequest({ ...base, ...(patch as Partial<FileRequestInput>) })).toThrow(type);
    expect(() => prepareRequest({ ...base, ...(patch as Partial<FileRequestInput>) })).toThrow(message);
  });
});

describe('secrets never enter a request', () => {
  it.each([
    [{ argv: ['curl', '-H', 'Authorization: Bearer abcdefghijkl', 'https://x'] }, 'argument 3 of the command looks like a secret'],
    [{ argv: ['git', 'push', 'https://bob:hunter2@example.com/r.git'] }, 'argument 3 of the command looks like a secret'],
    [{ argv: undefined, script: 'export GH=ghp_abcdefghijklmnopqrstuvwxyz0123; gh api' }, 'the script holds something that looks like a secret'],
    [{ env: { HEADER: 'ghp_abcdefghijklmnopqrstuvwxyz0123' } }, '--env HEADER looks like a secret'],
  ] as const)('refuses %j and files nothing', async (patch, message) => {
    const rt = runtimeFor(home);
    const before = new ApprovalQueue(rt).list({}).length;
    await expect(fileShellRequest(rt, { ...base, ...(patch as Partial<FileRequestInput>) })).rejects.toThrow(message);
    expect(new ApprovalQueue(rt).list({}).length).toBe(before);
    rt.close();
  });
});

describe('the queue', () => {
  it('decides a request exactly once, audited with who decided', () => {
    withQueue((q) => {
      const req = q.file(prepareRequest(base));
      expect(req.status).toBe('pending');
      const approved = q.decide(req.id, 'approved', { actor: 'alice' });
      expect(approved).toMatchObject({ status: 'approved', decidedBy: 'alice', decidedVia: 'person' });
      expect(() => q.decide(req.id, 'denied', { actor: 'bob' })).toThrow(ConflictError);
      expect(() => q.decide(req.id, 'denied', { actor: 'bob' })).toThrow(`approval request ${req.id} is already approved by alice`);
      expect(q.get(req.id).decidedBy).toBe('alice');
      expect(() => q.decide(99_999, 'approved', { actor: 'alice' })).toThrow(NotFoundError);
      const audit = runtimeFor(home).audit.read().filter((e) => e.target === `approval/${req.id}`);
      expect(audit.map((e) => [e.action, e.actor])).toEqual([['approval.request', 'builder'], ['approval.approve', 'alice']]);
    });
  });

  it('takes trust verdicts: allow approves by the rule, deny denies, ask and allow-with-env wait for a person', () => {
    withQueue((q) => {
      const rule = { pattern: ['ls'], effect: 'allow' };
      const allowed = q.file(prepareRequest(base), { decision: 'allow', reason: 'matches ls', rule });
      expect(allowed).toMatchObject({ status: 'approved', decidedVia: 'rule', decidedBy: 'ls', rule });
      const denied = q.file(prepareRequest(base), { decision: 'deny', reason: 'deny rule rm', rule: { pattern: ['rm'] } });
      expect(denied).toMatchObject({ status: 'denied', decidedVia: 'rule', reason: 'deny rule rm' });
      const withEnv = q.file(prepareRequest({ ...base, env: { FOO: '1' } }), { decision: 'allow', reason: 'matches ls', rule });
      expect(withEnv.status).toBe('pending');
      expect(withEnv.reason).toContain('adds environment variables');
      expect(q.file(prepareRequest(base), { decision: 'ask', reason: 'no rule matches' }).status).toBe('pending');
      const audit = runtimeFor(home).audit.read().filter((e) => e.target === `approval/${allowed.id}`);
      expect(audit[1]).toMatchObject({ action: 'approval.approve', actor: 'rule:ls', details: { via: 'rule', rule } });
    });
  });

  it('expires a request at its deadline: deciding after it is a conflict', () => {
    withQueue((q) => {
      const req = q.file(prepareRequest({ ...base, timeoutMs: 1 }));
      expect(() => q.decide(req.id, 'approved', { actor: 'alice' }, Date.now() + 10)).toThrow('already expired');
      expect(q.get(req.id)).toMatchObject({ status: 'expired', decidedVia: 'expiry' });
    });
  });

  it('waitForDecision returns the decision another connection made, and expires on its own deadline', async () => {
    const rt = runtimeFor(home);
    const q = new ApprovalQueue(rt);
    const req = q.file(prepareRequest(base));
    const waiting = q.waitForDecision(req.id, { pollMs: 10 });
    withQueue((other) => other.decide(req.id, 'denied', { actor: 'carol', reason: 'no' }));
    expect(await waiting).toMatchObject({ status: 'denied', decidedBy: 'carol', reason: 'no' });
    const short = q.file(prepareRequest({ ...base, timeoutMs: 50 }));
    expect((await q.waitForDecision(short.id, { pollMs: 10 })).status).toBe('expired');
    const aborted = q.file(prepareRequest(base));
    const ac = new AbortController();
    const w = q.waitForDecision(aborted.id, { signal: ac.signal });
    ac.abort(new Error('stop'));
    await expect(w).rejects.toThrow('stop');
    expect(q.get(aborted.id)).toMatchObject({ status: 'cancelled', decidedVia: 'caller' });
    rt.close();
  });

  it("hands a person's approval to its caller only after its audit line, or after the grace period when its decider died in between", async () => {
    const rt = runtimeFor(home);
    const q = new ApprovalQueue(rt);
    try {
      // What a decider SIGKILLed between its commit and its audit line leaves: approved by a person, not announced.
      const approveUnannounced = (id: number, decidedAt: number) =>
        rt.db().prepare(`UPDATE approval_requests SET status = 'approved', decided_at = ?, decided_by = 'dave', decided_via = 'person' WHERE id = ?`).run(decidedAt, id);
      const req = q.file(prepareRequest(base));
      approveUnannounced(req.id, Date.now());
      let handed = false;
      const waiting = q.waitForDecision(req.id, { pollMs: 10 }).then((r) => ((handed = true), r));
      await new Promise((r) => setTimeout(r, 300));
      expect(handed).toBe(false);
      rt.db().prepare('UPDATE approval_requests SET announced_at = ? WHERE id = ?').run(Date.now(), req.id);
      expect(await waiting).toMatchObject({ status: 'approved', decidedBy: 'dave' });
      // Decided longer ago than the grace period: its decider is gone, the caller goes on.
      const old = q.file(prepareRequest(base));
      approveUnannounced(old.id, Date.now() - ANNOUNCE_GRACE_MS);
      expect((await q.waitForDecision(old.id, { pollMs: 10 })).status).toBe('approved');
      // decide() commits, appends the line, then announces.
      const decided = q.file(prepareRequest(base));
      const w = q.waitForDecision(decided.id, { pollMs: 10 });
      withQueue((other) => other.decide(decided.id, 'approved', { actor: 'erin' }));
      expect(await w).toMatchObject({ status: 'approved', decidedBy: 'erin' });
      expect(rt.db().prepare('SELECT announced_at FROM approval_requests WHERE id = ?').get(decided.id)).toEqual({ announced_at: expect.any(Number) });
      expect(rt.audit.read().filter((e) => e.target === `approval/${decided.id}`).map((e) => e.action)).toEqual(['approval.request', 'approval.approve']);
    } finally {
      rt.close();
    }
  });

  it('tells a dead caller from a live one, and from a new process with the same pid', async () => {
    const me = currentCaller();
    expect(callerState(me)).toBe('alive');
    expect(callerState({ ...me, start: `${me.start}0` })).toBe('dead'); // same pid, other start time: reused
    expect(callerState({ ...me, host: 'elsewhere' })).toBe('unknown');
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    const caller = { ...me, pid: child.pid!, start: processStart(child.pid!)!.start };
    expect(callerState(caller)).toBe('alive');
    const rt = runtimeFor(home);
    const q = new ApprovalQueue(rt);
    const req = q.file({ ...prepareRequest(base), caller });
    expect(q.settle().filter((r) => r.id === req.id)).toEqual([]);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(callerState(caller)).toBe('dead');
    expect(q.settle().map((r) => [r.id, r.status])).toContainEqual([req.id, 'cancelled']);
    expect(q.settle().filter((r) => r.id === req.id)).toEqual([]); // once
    expect(q.get(req.id).reason).toBe(`the caller (pid ${child.pid}) is gone`);
    rt.close();
  });

  it('an approved run whose caller died is marked lost, not running forever', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    const caller = { ...currentCaller(), pid: child.pid!, start: processStart(child.pid!)!.start };
    const rt = runtimeFor(home);
    const q = new ApprovalQueue(rt);
    const req = q.file({ ...prepareRequest(base), caller });
    q.decide(req.id, 'approved', { actor: 'alice' });
    rt.db().prepare('UPDATE approval_requests SET started_at = ? WHERE id = ?').run(Date.now(), req.id); // as its caller would
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    q.settle();
    expect(q.get(req.id)).toMatchObject({ status: 'approved', endReason: 'caller-lost', exitCode: null });
    rt.close();
  });
});

describe('berth approvals in-process', () => {
  it('lists, shows, and gives one line for bad input', async () => {
    const id = withQueue((q) => q.file(prepareRequest({ ...base, argv: ['echo', 'list-marker'] })).id);
    const listed = await runCli(['approvals', 'list'], { BERTH_HOME: home });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+pending\\s+builder\\s+/\\S*echo list-marker`, 'm'));
    const json = JSON.parse((await runCli(['approvals', 'list', '-o', 'json'], { BERTH_HOME: home })).stdout);
    expect(json.items.every((r: { status: string }) => r.status === 'pending')).toBe(true);
    const ids = (await runCli(['approvals', 'list', '-q', '--status', 'pending'], { BERTH_HOME: home })).stdout.trim().split('\n');
    expect(ids).toContain(String(id));
    const shown = await runCli(['approvals', 'show', String(id)], { BERTH_HOME: home });
    expect(shown.stdout).toContain('command:');
    expect(shown.stdout).toContain('echo list-marker');
    expect(shown.stdout).toContain('environment: PATH=');
    for (const [args, code, text] of [
      [['approvals', 'show', 'abc'], 2, 'invalid request id "abc"'],
      [['approvals', 'show', '424242'], 3, 'approval request 424242 not found'],
      [['approvals', 'list', '--status', 'weird'], 2, 'invalid --status "weird"'],
      [['shell', '--agent', 'a'], 2, 'give a command after --'],
      [['shell', '--agent', 'a', '--timeout', 'soon', '--', 'ls'], 2, 'invalid --timeout'],
      [['shell', '--agent', 'a', '-e', 'API_TOKEN=x', '--', 'ls'], 2, 'looks like a secret'],
      [['shell', '--agent', 'a', 'ls'], 2, 'Unknown argument'],
    ] as const) {
      const r = await runCli([...args], { BERTH_HOME: home });
      expect({ args, code: r.code }).toEqual({ args, code });
      expect(r.stderr).toContain(text);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    // Nothing was filed by the refused shell calls.
    expect(withQueue((q) => q.list({}).filter((r) => r.agent === 'a'))).toEqual([]);
  });

  it('keeps arguments exactly as typed after --', async () => {
    const child = spawn(process.execPath, [path.resolve('bin/berth'), 'shell', '--agent', 'exact', '--timeout', '30s', '--', 'echo', '007', '1e3', '0x10', ' 5', '-n', '--flag'], {
      env: { ...process.env, BERTH_HOME: home },
      stdio: 'ignore',
    });
    const { waitFor } = await import('../support/helpers.js');
    const req = await waitFor(() => withQueue((q) => q.list({ agent: 'exact' })[0]), 'the request');
    expect(req.argv).toEqual(['echo', '007', '1e3', '0x10', ' 5', '-n', '--flag']);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  });
});
