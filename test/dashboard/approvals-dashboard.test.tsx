// The dashboard's Approvals view on ink-testing-library, with real `berth shell` callers in other processes: the
// pending badge (and one bell per new request) on every view, the request in full with its command highlighted,
// a approves (output streams in, exit code shown), d denies, t shows the suggested pattern before anything is
// saved, and decisions are refused when BERTH_AGENT is set.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import React from 'react';
import chalk from 'chalk';
import { render } from 'ink-testing-library';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app/App.js';
import { DashboardStore } from '../../src/app/dashboard-store.js';
import { ApprovalQueue } from '../../src/runtime/host-commands/index.js';
import { repoRoot, runtimeFor, tempHome, waitFor } from '../support/helpers.js';
import { KEY } from '../support/dashboard-harness.js';

const home = tempHome();
const bin = path.join(repoRoot, 'bin', 'berth');
const callers = new Set<ChildProcess>();
const level = chalk.level;
afterEach(() => {
  for (const c of callers) c.kill('SIGKILL');
  callers.clear();
});
afterAll(() => {
  chalk.level = level;
  fs.rmSync(home, { recursive: true, force: true });
});

/** A real caller: `berth shell` in its own process, output piped. */
function shell(args: string[]) {
  const child = spawn(process.execPath, [bin, 'shell', '--agent', 'builder', '--timeout', '5m', ...args], {
    env: { ...process.env, BERTH_HOME: home, BERTH_AGENT: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  callers.add(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, exited, output: () => out };
}

async function requestWith(marker: string) {
  return waitFor(() => {
    const rt = runtimeFor(home);
    try {
      return new ApprovalQueue(rt).list({}).find((r) => JSON.stringify(r.command).includes(marker));
    } finally {
      rt.close();
    }
  }, `request ${marker}`);
}

function openApp(env: NodeJS.ProcessEnv = {}) {
  const rt = runtimeFor(home, env);
  const store = new DashboardStore(rt);
  const app = render(<App store={store} endpoint="test-engine" onQuit={() => {}} />);
  void store.start();
  const frame = () => app.lastFrame() ?? '';
  const plain = () => frame().replace(/\x1b\[[0-9;]*m/g, '');
  return {
    app,
    frame,
    plain,
    press: (...keys: string[]) => keys.forEach((k) => app.stdin.write(k)),
    waitFor: (test: (plainFrame: string) => boolean, what: string) => waitFor(() => (test(plain()) ? plain() : undefined), what),
    bells: () => app.frames.filter((f) => f === '\x07').length,
    resize(columns: number, rows: number) {
      Object.defineProperty(app.stdout, 'columns', { value: columns, configurable: true });
      Object.defineProperty(app.stdout, 'rows', { value: rows, configurable: true });
      app.stdout.emit('resize');
    },
    close() {
      store.stop();
      app.unmount();
      rt.close();
    },
  };
}

describe('dashboard Approvals view', () => {
  it('badge and bell from any view; a approves and streams the output; d denies; t shows the pattern first', async () => {
    chalk.level = 1;
    const dash = openApp();
    try {
      await dash.waitFor((f) => f.includes('Containers'), 'the dashboard');
      expect(dash.plain()).not.toContain('pending (A)');
      const first = shell(['--', 'sh', '-c', 'echo dash-out-$((2+3)); exit 4']);
      // On the Containers view: the badge shows, and the terminal bell rang once.
      await dash.waitFor((f) => f.includes('⚑ 1 pending (A)'), 'the badge');
      await waitFor(() => dash.bells() === 1, 'one bell');
      const second = shell(['--', 'echo', 'second-one']);
      await dash.waitFor((f) => f.includes('⚑ 2 pending (A)'), 'the badge to count 2');
      await waitFor(() => dash.bells() === 2, 'a second bell');

      dash.press(':approvals\r');
      await dash.waitFor((f) => f.includes('Approvals (2 pending)'), 'the Approvals view');
      const req = await requestWith('dash-out-$((2+3))');
      // Narrow (100 columns): the list alone; a opens the request in full first instead of deciding on a truncated line.
      dash.press('a');
      await dash.waitFor((f) => f.includes(`Request ${req.id} pending`) && f.includes('press a again'), 'the request in full');
      const full = dash.frame();
      expect(dash.plain()).toContain(`${req.command[0]} -c 'echo dash-out-$((2+3)); exit 4'`);
      expect(full).toMatch(/\x1b\[36m\x1b\[1m\/\S*sh\x1b\[22m\x1b\[39m|\x1b\[1m\x1b\[36m\/\S*sh/); // program bold cyan
      expect(dash.plain()).toContain('agent    builder');
      expect(dash.plain()).toMatch(/cwd\s+\//);
      expect(new ApprovalQueue(runtimeFor(home)).get(req.id).status).toBe('pending');

      dash.press('a');
      await dash.waitFor((f) => f.includes(`request ${req.id} approved`), 'the approval');
      await dash.waitFor((f) => f.includes('dash-out-5') && f.includes('ended with exit code 4'), 'the live output and exit code');
      expect(await first.exited).toBe(4);
      expect(first.output()).toContain('dash-out-5');

      dash.press(KEY.escape);
      await dash.waitFor((f) => f.includes('Approvals (1 pending)') && f.includes('exit 4'), 'the list');
      const other = await requestWith('second-one');
      // The pending one is listed first: the cursor is on it after g.
      dash.press('g', KEY.enter);
      await dash.waitFor((f) => f.includes(`Request ${other.id} pending`), 'the second request');
      dash.press('t');
      await dash.waitFor((f) => f.includes('and trust this pattern?') && f.includes('allow  echo  (an argv prefix'), 'the suggested pattern');
      expect(dash.plain()).toContain('for agent builder');
      dash.press('n');
      await dash.waitFor((f) => !f.includes('trust this pattern?'), 'the confirmation to close');
      expect(new ApprovalQueue(runtimeFor(home)).get(other.id).status).toBe('pending');
      dash.press('d');
      await dash.waitFor((f) => f.includes(`request ${other.id} denied`), 'the denial');
      expect(await second.exited).toBe(6);
      await dash.waitFor((f) => !f.includes('pending (A)'), 'the badge to go');

      // Approve and trust: y approves and saves the pattern for the agent; its next echo runs without a person.
      const third = shell(['--', 'echo', 'third-one']);
      const thirdReq = await requestWith('third-one');
      dash.press(KEY.escape);
      await dash.waitFor((f) => f.includes('Approvals (1 pending)'), 'the list with the third request');
      dash.press('g', KEY.enter);
      await dash.waitFor((f) => f.includes(`Request ${thirdReq.id} pending`), 'the third request');
      dash.press('t');
      await dash.waitFor((f) => f.includes('and trust this pattern?'), 'the suggested pattern');
      dash.press('y');
      await dash.waitFor((f) => f.includes(`request ${thirdReq.id} approved; trusted echo for agent builder`), 'approve and trust');
      expect(await third.exited).toBe(0);
      const rules = (await runtimeFor(home).settings()).get('trustRules' as never) as unknown as { pattern: string[]; agent?: string; action: string }[];
      expect(rules).toEqual([expect.objectContaining({ pattern: ['echo'], agent: 'builder', action: 'allow' })]);
      const fourth = shell(['--', 'echo', 'fourth-one']);
      expect(await fourth.exited).toBe(0);
      expect(fourth.output()).toContain('auto-approved by trusted pattern echo');
      expect(dash.bells()).toBe(3); // the third request rang; the auto-approved fourth never waited

      // Wide: the list and the selected request side by side.
      dash.resize(140, 30);
      dash.press(KEY.escape, 'A');
      await dash.waitFor((f) => f.includes('Approvals (0 pending)') && /Request \d+ (denied|exit \d)/.test(f), 'the split layout');
    } finally {
      dash.close();
    }
  });

  it('refuses decisions when BERTH_AGENT is set: the request stays pending', async () => {
    const caller = shell(['--', 'printf', '%s', 'agent-refusal']); // not echo: the first test trusted it
    const req = await requestWith('agent-refusal');
    const dash = openApp({ BERTH_AGENT: 'sneaky' });
    try {
      await dash.waitFor((f) => f.includes('Containers'), 'the dashboard');
      dash.press(':approvals\r');
      await dash.waitFor((f) => f.includes('Approvals (1 pending)'), 'the queue');
      dash.press(KEY.enter);
      await dash.waitFor((f) => f.includes(`Request ${req.id} pending`) && f.includes("deciding is a person's act"), 'the request');
      dash.press('a');
      await dash.waitFor((f) => f.includes('refused for agent sneaky'), 'the refusal');
      expect(new ApprovalQueue(runtimeFor(home)).get(req.id).status).toBe('pending');
    } finally {
      dash.close();
      caller.child.kill('SIGKILL');
    }
  });
});
