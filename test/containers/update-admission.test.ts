// container update goes through the same admission as a start: an agent's memory cap, CPU quota and max running hold
// for a change in place and for a recreate, and the container is left exactly as it was when refused.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setAgentLimits } from '../../src/runtime/agents/index.js';
import { ExitCode } from '../../src/runtime/core/index.js';
import { cliFor, expectOneLineError, IMG, inspectByName } from '../support/container-helpers.js';
import { removeRooms, runtimeFor, tempHome, uniqueRoom } from '../support/helpers.js';
import { PERSON } from '../support/person.js';

const home = tempHome();
const room = uniqueRoom('ua');
const cli = cliFor(home, room, { BERTH_AGENT: 'lim' });

beforeAll(async () => {
  const rt = runtimeFor(home, { BERTH_AGENT: '' });
  try {
    await setAgentLimits(rt, 'lim', { cpus: '1', memory: '64m', maxRunning: '1' }, PERSON);
  } finally {
    rt.close();
  }
});
afterAll(async () => {
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('container update under agent limits', () => {
  it('refuses --cpus 2 --memory 1g on the agent\'s running container (exit 6, one line) and changes nothing', async () => {
    const run = await cli('container', 'run', IMG, '-d', '--name', 'l1', '--cpus', '0.5', '--', 'sleep', '600');
    expect(run.code, run.stderr).toBe(0);
    const before = await inspectByName(room, 'l1');

    expectOneLineError(await cli('container', 'update', 'l1', '--cpus', '2', '--memory', '1g'), ExitCode.denied, /agent lim: memory cap 64MiB per container/);
    expectOneLineError(await cli('container', 'update', 'l1', '--cpus', '2'), ExitCode.denied, /agent lim: CPU quota 1/);
    // A recreate is a start too: it may not carry a larger ask through.
    expectOneLineError(await cli('container', 'update', 'l1', '--memory', '128m', '--env', 'A=1'), ExitCode.denied, /agent lim: memory cap 64MiB/);

    const after = await inspectByName(room, 'l1');
    expect(after.Id).toBe(before.Id);
    expect(after.HostConfig).toMatchObject({ NanoCpus: 5e8, Memory: 64 * 1024 * 1024 });
  });

  it('admits what fits: the container being updated is replaced, not counted twice against max running 1', async () => {
    const inPlace = await cli('container', 'update', 'l1', '--cpus', '1', '--memory', '32m');
    expect(inPlace.code, inPlace.stderr).toBe(0);
    expect(inPlace.stdout).toContain('updated l1 in place: cpus, memory');
    const recreated = await cli('container', 'update', 'l1', '--env', 'B=2', '--time', '0');
    expect(recreated.code, recreated.stderr).toBe(0);
    const info = await inspectByName(room, 'l1');
    expect(info.State.Running).toBe(true);
    expect(info.HostConfig).toMatchObject({ NanoCpus: 1e9, Memory: 32 * 1024 * 1024 });
  });
});
