// The dashboard's Agents view: each agent's running containers and limits, the selected agent's detail and
// workspace on a wide screen, cursor keys; fed by the real engine and the config a CLI run wrote.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KEY, openDashboard } from '../support/dashboard-harness.js';
import { setAgentLimits } from '../../src/runtime/agents/index.js';
import { FIXTURE_IMAGE, removeRooms, runCli, runtimeFor, tempHome, uniqueRoom } from '../support/helpers.js';
import { PERSON } from '../support/person.js';

const home = tempHome();
const room = uniqueRoom('agv');
afterAll(async () => {
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('Agents view', () => {
  it('shows running containers against the limits, and the selected agent\'s containers and workspace', async () => {
    const env = { BERTH_HOME: home, BERTH_AGENT: '', BERTH_ROLE: '' };
    // Limits are a person's to set (a terminal on stdin): set here as the person would, through the runtime.
    const rt = runtimeFor(home, env);
    await setAgentLimits(rt, 'aaa-viewbot', { maxRunning: '2', cpus: '1', memory: '64m' }, PERSON);
    await setAgentLimits(rt, 'zzz-idle', { maxRunning: '5' }, PERSON);
    rt.close();
    const run = await runCli(['container', 'run', '-d', '-r', room, '--agent', 'aaa-viewbot', '--name', 'worker', FIXTURE_IMAGE, '--', 'sleep', '600'], env);
    expect(run.code, run.stderr).toBe(0);
    const dash = await openDashboard(home, room, { columns: 200 });
    try {
      dash.press(':', 'agents', KEY.enter);
      const frame = await dash.waitForFrame((f) => /aaa-viewbot\s+1\/2\s/.test(f), 'the agent row with 1/2 running', 30_000);
      expect(frame).toMatch(/AGENT\s+RUNNING\s+CPU\s+CPU QUOTA\s+MEMORY\s+CAP\s+QUEUED/);
      expect(frame).toMatch(/aaa-viewbot\s+1\/2\s+\S+\s+0\.5\/1\s+\S+\s+64m\s+0/);
      expect(frame).toMatch(/zzz-idle\s+0\/5\s/);
      expect(frame).toContain('limits: cpus 1, memory 64m, max running 2, on limit reject');
      expect(frame).toContain(`${room}/worker`);
      expect(frame).toContain(path.join('workspaces', room, 'aaa-viewbot'));
      // The cursor moves (G: the last agent) and the detail follows it.
      dash.press('G');
      await dash.waitForFrame((f) => f.includes('limits: max running 5, on limit reject'), 'the detail of the last agent');
    } finally {
      dash.close();
    }
  }, 90_000);
});
