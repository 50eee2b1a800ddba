// An agent's --max-running under a killed waiter: two running, two queued, one running container removed and the
// head of the queue SIGKILLed 0.15–0.4 s later, over several trials. The killed waiter may have been admitted and sent
// its create/start to the engine already; its slot must stay taken until the engine shows what became of it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setAgentLimits } from '../../src/runtime/agents/index.js';
import { FIXTURE_IMAGE, docker, removeRooms, repoRoot, runCli, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';
import { PERSON } from '../support/person.js';

const TRIALS = Number(process.env.BERTH_MAX_RUNNING_TRIALS ?? 6);
const rooms: string[] = [];
let home: string;
const env = () => ({ BERTH_HOME: home, BERTH_AGENT: '', BERTH_ROLE: '' });

function spawnBerth(args: string[]) {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'berth'), ...args], { env: { ...process.env, ...env() }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return { child, done, stderr: () => stderr };
}

async function runningOf(agent: string): Promise<number> {
  return (await docker.listContainers({ filters: { label: [`berth.agent=${agent}`], status: ['running'] } })).length;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(() => {
  home = tempHome();
});

afterAll(async () => {
  await removeRooms(rooms);
  fs.rmSync(home, { recursive: true, force: true });
});

it(`--max-running 2 --on-limit queue holds when a waiter is SIGKILLed as a slot frees (${TRIALS} trials)`, { timeout: TRIALS * 60_000 }, async () => {
  const peaks: number[] = [];
  for (let trial = 0; trial < TRIALS; trial++) {
    const agent = `mr${trial}-${uniqueRoom('a').slice(2)}`;
    const room = uniqueRoom('mr');
    rooms.push(room);
    const rt = runtimeFor(home, { BERTH_AGENT: '' });
    try {
      await setAgentLimits(rt, agent, { maxRunning: '2', onLimit: 'queue' }, PERSON);
    } finally {
      rt.close();
    }
    const run = (name: string) => ['container', 'run', '-d', '-r', room, '--agent', agent, '--name', name, '--timeout', '2m', FIXTURE_IMAGE, '--', 'sleep', '600'];
    for (const name of ['c1', 'c2']) {
      const r = await runCli(run(name), env());
      expect(r.code, r.stderr).toBe(0);
    }
    const waiters = [spawnBerth(run('w1')), spawnBerth(run('w2'))];
    try {
      for (const w of waiters) await waitFor(() => w.stderr().includes('waiting up to'), 'a start queued', 60_000);
      const [c1] = await docker.listContainers({ filters: { label: [`berth.room=${room}`, 'berth.name=c1'] } });
      await docker.getContainer(c1!.Id).remove({ force: true });
      await pause(150 + Math.random() * 250);
      waiters[0]!.child.kill('SIGKILL');
      // Long enough for the other waiter to be admitted and its container to run, had the dead one's slot been freed.
      let peak = 0;
      for (const until = Date.now() + 5_000; Date.now() < until; await pause(50)) peak = Math.max(peak, await runningOf(agent));
      const list = await runCli(['agent', 'list'], env());
      const shown = new RegExp(`^${agent}\\s+(\\d+)/2\\s`, 'm').exec(list.stdout);
      peak = Math.max(peak, Number(shown?.[1] ?? 0));
      peaks.push(peak);
    } finally {
      for (const w of waiters) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
      await Promise.all(waiters.map((w) => w.done));
      await removeRooms([room]);
    }
  }
  console.log(`max-running trials: peaks ${peaks.join(' ')}; over the limit in ${peaks.filter((p) => p > 2).length} of ${TRIALS}`);
  expect(peaks.filter((p) => p > 2)).toEqual([]);
});
