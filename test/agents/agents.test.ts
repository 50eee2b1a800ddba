// Agents against the real engine: identity labels, workspaces mounted at /workspace, memory cap and CPU share
// defaults, and admission under limits across separate berth processes (reject, queue order, queue timeout).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setAgentLimits, type LimitsChange } from '../../src/runtime/agents/index.js';
import { openDatabase } from '../../src/runtime/core/index.js';
import { FIXTURE_IMAGE, docker, removeRooms, repoRoot, runCli, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';
import { PERSON, berthAsPerson } from '../support/person.js';

const rooms: string[] = [];
let home: string;
const env = (extra: NodeJS.ProcessEnv = {}) => ({ BERTH_HOME: home, BERTH_AGENT: '', BERTH_ROLE: '', ...extra });
const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, env(extra));

/** Set-up of an agent's limits, as the person at the terminal would set them (berth agent limits). */
async function limits(agent: string, change: LimitsChange): Promise<void> {
  const rt = runtimeFor(home, { BERTH_AGENT: '' });
  try {
    await setAgentLimits(rt, agent, change, PERSON);
  } finally {
    rt.close();
  }
}

/** Runs the built binary as its own process (admission must hold across processes, not just within one). */
function spawnBerth(args: string[], extra: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'berth'), ...args], {
    env: { ...process.env, ...env(extra) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? -1 : 0), stdout, stderr })),
  );
  return { child, done, stderr: () => stderr };
}

function berth(args: string[], extra: NodeJS.ProcessEnv = {}) {
  return spawnBerth(args, extra).done;
}

async function running(room: string): Promise<string[]> {
  const list = await docker.listContainers({ filters: { label: [`berth.room=${room}`] } });
  return list.map((c) => c.Labels['berth.name']!).sort();
}

function room(): string {
  const r = uniqueRoom('ag');
  rooms.push(r);
  return r;
}

beforeAll(() => {
  home = tempHome();
});

afterAll(async () => {
  await removeRooms(rooms);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('agent identity and workspace', () => {
  it('labels containers with --agent/--role, else BERTH_AGENT/BERTH_ROLE, else config', async () => {
    const r = room();
    const a = await cli(['container', 'run', '-d', '-r', r, '--name', 'a', '--agent', 'alice', '--role', 'builder', FIXTURE_IMAGE, '--', 'sleep', '600']);
    expect(a.code, a.stderr).toBe(0);
    const b = await cli(['container', 'run', '-d', '-r', r, '--name', 'b', FIXTURE_IMAGE, '--', 'sleep', '600'], { BERTH_AGENT: 'bob', BERTH_ROLE: 'tester' });
    expect(b.code, b.stderr).toBe(0);
    const c = await cli(['container', 'run', '-d', '-r', r, '--name', 'c', FIXTURE_IMAGE, '--', 'sleep', '600']);
    expect(c.code, c.stderr).toBe(0);
    const labels = Object.fromEntries(
      (await docker.listContainers({ filters: { label: [`berth.room=${r}`] } })).map((x) => [x.Labels['berth.name'], [x.Labels['berth.agent'], x.Labels['berth.role']]]),
    );
    expect(labels).toEqual({ a: ['alice', 'builder'], b: ['bob', 'tester'], c: ['user', undefined] });
    await removeRooms([r]);
  });

  it('mounts the agent\'s workspace read-write at /workspace in containers and jobs; agent workspace prints its path', async () => {
    const r = room();
    const write = await cli(['run', '-r', r, '--agent', 'wsbot', FIXTURE_IMAGE, '--', 'sh', '-c', 'echo from-job > /workspace/result.txt']);
    expect(write.code, write.stderr).toBe(0);
    const ws = await cli(['agent', 'workspace', 'wsbot', '-r', r]);
    expect(ws.code, ws.stderr).toBe(0);
    const dir = ws.stdout.trim();
    expect(dir).toBe(path.join(home, 'data', 'workspaces', r, 'wsbot'));
    expect(fs.readFileSync(path.join(dir, 'result.txt'), 'utf8')).toBe('from-job\n');
    // The next task sees the file; another agent has its own (empty) workspace.
    const read = await cli(['run', '-r', r, '--agent', 'wsbot', FIXTURE_IMAGE, '--', 'cat', '/workspace/result.txt']);
    expect(read.stdout).toBe('from-job\n');
    const other = await cli(['run', '-r', r, '--agent', 'other', FIXTURE_IMAGE, '--', 'ls', '-A', '/workspace']);
    expect(other.code).toBe(0);
    expect(other.stdout).toBe('');
    const c = await cli(['container', 'run', '-d', '-r', r, '--agent', 'wsbot', '-o', 'json', FIXTURE_IMAGE, '--', 'sleep', '600']);
    const info = await docker.getContainer(JSON.parse(c.stdout).id).inspect();
    expect(info.Mounts.find((m) => m.Destination === '/workspace')).toMatchObject({ Source: dir, RW: true });
    await removeRooms([r]);
  });
});

describe('agent limits', () => {
  it('stores limits, shows them, and refuses bad values with one line', async () => {
    const set = await berthAsPerson(home, ['agent', 'limits', 'lim', '--cpus', '1.5', '--memory', '64m', '--max-running', '2', '--on-limit', 'queue']);
    expect(set.code, set.output).toBe(0);
    expect(set.output).toBe('agent lim: CPU quota 1.5, memory cap 64m per container, max running 2, on limit queue\n');
    expect((await cli(['agent', 'limits', 'lim'])).stdout).toMatch(/limits:\s+CPU quota 1.5/);
    const json = JSON.parse((await cli(['agent', 'limits', 'lim', '-o', 'json'])).stdout);
    expect(json).toEqual({ agent: 'lim', cpus: 1.5, memory: '64m', maxRunning: 2, onLimit: 'queue' });
    for (const [args, message] of [
      [['--cpus', 'lots'], /invalid --cpus/],
      [['--memory', '12zz'], /invalid --memory/],
      [['--max-running', '0'], /--max-running/],
      [['--on-limit', 'wait'], /invalid --on-limit "wait": use reject or queue/],
    ] as [string[], RegExp][]) {
      const r = await cli(['agent', 'limits', 'lim', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    expect(JSON.parse((await cli(['agent', 'limits', 'lim', '-o', 'json'])).stdout)).toEqual(json);
    const none = await berthAsPerson(home, ['agent', 'limits', 'lim', '--max-running', 'none']);
    expect(none.output).toMatch(/^agent lim: CPU quota 1.5/);
    expect(none.output).not.toMatch(/max running/);
    expect((await berthAsPerson(home, ['agent', 'limits', 'lim', '--clear'])).output).toBe('agent lim: no limits\n');
  });

  it("setting limits is a person's act: refused (exit 6, one line) for BERTH_AGENT and without a terminal; showing them is not", async () => {
    await limits('gated', { maxRunning: '1' });
    const bin = path.join(repoRoot, 'bin', 'berth');
    // The agent raising its own limit, from a pipe (an agent's tool call) and from a terminal.
    const piped = spawnSync(process.execPath, [bin, 'agent', 'limits', 'gated', '--max-running', '50'], { env: { ...process.env, ...env({ BERTH_AGENT: 'gated' }) }, input: '', encoding: 'utf8' });
    expect(piped.status).toBe(6);
    expect(piped.stderr.trim().split('\n')).toEqual(["berth: setting an agent's limits is a person's act: refused for agent gated (BERTH_AGENT is set)"]);
    const agentTty = await berthAsPerson(home, ['agent', 'limits', 'gated', '--max-running', '50'], { BERTH_AGENT: 'gated' });
    expect(agentTty.code).toBe(6);
    const noTty = spawnSync(process.execPath, [bin, 'agent', 'limits', 'gated', '--clear'], { env: { ...process.env, ...env() }, input: '', encoding: 'utf8' });
    expect(noTty.status).toBe(6);
    expect(noTty.stderr.trim().split('\n')).toEqual(["berth: setting an agent's limits is a person's act: refused because stdin is not a terminal"]);
    expect((await cli(['agent', 'limits', 'gated', '--max-running', '50'])).code).toBe(6);
    // Nothing changed, and anyone may look.
    const shown = await cli(['agent', 'limits', 'gated', '-o', 'json'], { BERTH_AGENT: 'gated' });
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual({ agent: 'gated', maxRunning: 1 });
  }, 60_000);

  it('gives containers without explicit limits the agent\'s memory cap and CPU share; refuses a larger ask', async () => {
    const r = room();
    await limits('capped', { cpus: '1', memory: '64m', maxRunning: '4' });
    const c = await cli(['container', 'run', '-d', '-r', r, '--agent', 'capped', '-o', 'json', FIXTURE_IMAGE, '--', 'sleep', '600']);
    expect(c.code, c.stderr).toBe(0);
    const info = await docker.getContainer(JSON.parse(c.stdout).id).inspect();
    expect(info.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(info.HostConfig.NanoCpus).toBe(250_000_000);
    const big = await cli(['container', 'run', '-d', '-r', r, '--agent', 'capped', '--memory', '128m', FIXTURE_IMAGE, '--', 'sleep', '600']);
    expect(big.code).toBe(6);
    expect(big.stderr).toMatch(/^berth: agent capped: memory cap 64MiB per container; this container asks 128(\.0)? ?MiB\n$/);
    const cpu = await cli(['container', 'run', '-d', '-r', r, '--agent', 'capped', '--cpus', '2', FIXTURE_IMAGE, '--', 'sleep', '600']);
    expect(cpu.code).toBe(6);
    expect(cpu.stderr).toMatch(/CPU quota 1/);
    expect(await running(r)).toHaveLength(1);
    await removeRooms([r]);
  });

  it('CPU quota is the sum over running containers: a start that would exceed it is refused with the use', async () => {
    const r = room();
    await limits('cpuq', { cpus: '1' });
    expect((await cli(['container', 'run', '-d', '-r', r, '--agent', 'cpuq', '--cpus', '0.6', '--name', 'one', FIXTURE_IMAGE, '--', 'sleep', '600'])).code).toBe(0);
    const second = await cli(['container', 'run', '-d', '-r', r, '--agent', 'cpuq', '--cpus', '0.6', '--name', 'two', FIXTURE_IMAGE, '--', 'sleep', '600']);
    expect(second.code).toBe(6);
    expect(second.stderr.trim()).toBe('berth: agent cpuq: CPU quota 1 would be exceeded (0.6 in use by 1 running, this container asks 0.6)');
    expect((await cli(['container', 'run', '-d', '-r', r, '--agent', 'cpuq', '--cpus', '0.4', '--name', 'three', FIXTURE_IMAGE, '--', 'sleep', '600'])).code).toBe(0);
    expect(await running(r)).toEqual(['one', 'three']);
    // Nothing was left behind by the refused start.
    expect((await docker.listContainers({ all: true, filters: { label: [`berth.room=${r}`, 'berth.name=two'] } })).length).toBe(0);
    await removeRooms([r]);
  });

  it('10 parallel starts from separate processes with --max-running 3 leave exactly 3 running', async () => {
    const r = room();
    await limits('par', { maxRunning: '3', onLimit: 'reject' });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => berth(['container', 'run', '-d', '-r', r, '--agent', 'par', '--name', `p${i}`, FIXTURE_IMAGE, '--', 'sleep', '600'])),
    );
    const ok = results.filter((x) => x.code === 0);
    const refused = results.filter((x) => x.code === 6);
    expect(ok.length, results.map((x) => x.stderr).join('')).toBe(3);
    // Anything but started (0) or refused (6) is a defect: show what those processes said.
    const other = results.filter((x) => x.code !== 0 && x.code !== 6).map((x) => `exit ${x.code}: ${x.stderr}`);
    expect(refused.length, other.join('')).toBe(7);
    for (const x of refused) expect(x.stderr).toMatch(/^berth: agent par: max running 3 reached \(3 running(, \d starting)?\)\n$/);
    expect(await running(r)).toHaveLength(3);
    // Only the three started containers exist: refused starts created nothing.
    expect((await docker.listContainers({ all: true, filters: { label: [`berth.room=${r}`] } })).length).toBe(3);
    const list = await cli(['agent', 'list', '-o', 'json']);
    expect(JSON.parse(list.stdout).items.find((a: { agent: string }) => a.agent === 'par')).toMatchObject({ running: 3, limits: { maxRunning: 3, onLimit: 'reject' } });
    const table = await cli(['agent', 'list']);
    expect(table.stdout).toMatch(/^par\s+3\/3\s/m);
    // Starting a stopped container counts as well.
    const [first] = await running(r);
    expect((await cli(['container', 'stop', '-r', r, '--time', '0', first!])).code).toBe(0);
    expect((await cli(['container', 'run', '-d', '-r', r, '--agent', 'par', '--name', 'late', FIXTURE_IMAGE, '--', 'sleep', '600'])).code).toBe(0);
    const again = await cli(['container', 'start', '-r', r, first!]);
    expect(again.code).toBe(6);
    expect(again.stderr).toMatch(/max running 3 reached \(3 running\)/);
    await removeRooms([r]);
  }, 180_000);

  it('a temporary job counts against the limits like any container, and its --timeout bounds a queue wait', async () => {
    const r = room();
    await limits('jobber', { maxRunning: '1', onLimit: 'reject' });
    const job = spawnBerth(['run', '-r', r, '--agent', 'jobber', FIXTURE_IMAGE, '--', 'sleep', '600']);
    await waitFor(async () => (await running(r)).length === 1, 'the job to run', 60_000);
    const refused = await cli(['container', 'run', '-d', '-r', r, '--agent', 'jobber', FIXTURE_IMAGE, '--', 'sleep', '600']);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(/agent jobber: max running 1 reached \(1 running\)/);
    await limits('jobber', { onLimit: 'queue' });
    const waited = await cli(['run', '-r', r, '--agent', 'jobber', '--timeout', '1s', FIXTURE_IMAGE, '--', 'true']);
    expect(waited.code).toBe(7);
    expect(waited.stderr).toMatch(/^agent jobber: max running 1 reached \(1 running\); waiting up to 1s\nberth: timed out after 1s in agent jobber's queue/);
    // Ctrl+C removes the job; then the agent has room again.
    job.child.kill('SIGINT');
    expect((await job.done).code).toBe(130);
    const ok = await cli(['run', '-r', r, '--agent', 'jobber', FIXTURE_IMAGE, '--', 'echo', 'admitted']);
    expect(ok.stdout).toBe('admitted\n');
    await removeRooms([r]);
  }, 120_000);

  it('queued starts are admitted first come, first served as containers stop; a queue wait is bounded by --timeout', async () => {
    const r = room();
    await limits('fifo', { maxRunning: '1', onLimit: 'queue' });
    expect((await cli(['container', 'run', '-d', '-r', r, '--agent', 'fifo', '--name', 'holder', FIXTURE_IMAGE, '--', 'sleep', '600'])).code).toBe(0);
    const db = openDatabase(path.join(home, 'data', 'berth.db'));
    const waiting = () => (db.prepare("SELECT COUNT(*) AS n FROM agent_admissions WHERE agent = 'fifo' AND state = 'waiting'").get() as { n: number }).n;
    try {
      const queued: Promise<{ code: number; stdout: string; stderr: string }>[] = [];
      let killed: ReturnType<typeof spawnBerth> | undefined;
      for (const name of ['q1', 'dead', 'q2', 'q3']) {
        const p = spawnBerth(['container', 'run', '-d', '-r', r, '--agent', 'fifo', '--name', name, '--timeout', '2m', FIXTURE_IMAGE, '--', 'sleep', '600']);
        if (name === 'dead') killed = p;
        else queued.push(p.done);
        // The next start is filed only once this one has said why it waits: its ticket is in the queue and the line
        // counted the tickets ahead of it, so neither the order nor the counts depend on how fast the starts ran.
        await waitFor(() => p.stderr().includes('waiting up to'), `${name} queued`, 60_000);
      }
      // A caller killed while it waits must not block the queue behind it.
      killed!.child.kill('SIGKILL');
      await killed!.done;
      expect(await running(r)).toEqual(['holder']);
      const table = await cli(['agent', 'list']);
      expect(table.stdout).toMatch(/^fifo\s+1\/1\s.*\s(3|4)$/m);
      // A start with a short timeout gives up with exit 7 and leaves the queue.
      const impatient = await berth(['container', 'run', '-d', '-r', r, '--agent', 'fifo', '--name', 'late', '--timeout', '1s', FIXTURE_IMAGE, '--', 'sleep', '600']);
      expect(impatient.code).toBe(7);
      expect(impatient.stderr).toBe("agent fifo: 3 earlier starts ahead in the queue; waiting up to 1s\nberth: timed out after 1s in agent fifo's queue (agent fifo: 3 earlier starts ahead in the queue)\n");
      let previous = 'holder';
      for (const next of ['q1', 'q2', 'q3']) {
        expect((await cli(['container', 'stop', '-r', r, '--time', '0', previous])).code).toBe(0);
        await waitFor(async () => (await running(r)).includes(next), `${next} admitted`, 60_000);
        expect(await running(r)).toEqual([next]);
        previous = next;
      }
      const results = await Promise.all(queued);
      expect(results.map((x) => [x.code, x.stderr])).toEqual([
        [0, 'agent fifo: max running 1 reached (1 running); waiting up to 2m\n'],
        [0, 'agent fifo: 2 earlier starts ahead in the queue; waiting up to 2m\n'],
        [0, 'agent fifo: 3 earlier starts ahead in the queue; waiting up to 2m\n'],
      ]);
      expect((await docker.listContainers({ all: true, filters: { label: [`berth.room=${r}`, 'berth.name=dead'] } })).length).toBe(0);
      expect(waiting()).toBe(0);
    } finally {
      db.close();
    }
    await removeRooms([r]);
  }, 240_000);
});
