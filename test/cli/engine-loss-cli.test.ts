// The CLI's long-running commands when the engine goes away mid-stream (a relay in front of the real engine, cut
// by the test, or frozen: connections kept open, nothing forwarded, as a hung dockerd does): one clear line naming
// the endpoint and exit code 5, never a hang or a stack.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoomService } from '../../src/runtime/rooms/index.js';
import { startEngineRelay, type EngineRelay } from '../support/engine-relay.js';
import { removeRooms, repoRoot, roomContainer, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('eloss');
let relay: EngineRelay;

beforeAll(async () => {
  const rt = runtimeFor(home);
  await new RoomService(rt).ensure(room);
  rt.close();
  await roomContainer(room, 'ticker', { cmd: ['sh', '-c', 'i=0; while [ $i -lt 3000 ]; do i=$((i+1)); echo "tick $i"; sleep 0.1; done'] });
  relay = await startEngineRelay(path.join(home, 'engine.sock'));
});
afterAll(async () => {
  await relay.close();
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

/** Runs berth through the relay until it has printed `firstOutput`, then `lose()`s the engine; its exit code and stderr. */
async function loseUnder(args: string[], firstOutput: string, lose: () => unknown): Promise<{ code: number | string | null; err: string }> {
  await relay.restore();
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'berth'), ...args], {
    env: { ...process.env, BERTH_HOME: home, BERTH_ROOM: room, DOCKER_HOST: relay.host },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    await waitFor(() => out.includes(firstOutput), `${args.join(' ')} to stream`);
    await lose();
    // A process that never ends is reported with what it printed, not as the test's own timeout.
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running after 30 s'), 30_000))]);
    return { code, err };
  } finally {
    child.kill('SIGKILL');
  }
}

const commands = (suffix: string) =>
  [
    ['logs --follow', ['container', 'logs', '--follow', 'ticker'], 'tick'],
    ['stats --follow', ['container', 'stats', '--follow', 'ticker'], 'ticker'],
    ['run, attached', ['container', 'run', '--name', `attached-${suffix}`, 'berth-fixture:latest', '--', 'sh', '-c', 'echo started; exec sleep 600'], 'started'],
    ['berth run', ['run', 'berth-fixture:latest', '--', 'sh', '-c', 'echo started; exec sleep 600'], 'started'],
  ] as const;

describe('engine lost under a long-running command', () => {
  it.each(commands('cut'))('%s, relay cut: one line naming the endpoint, exit 5', async (_name, args, firstOutput) => {
    const { code, err } = await loseUnder([...args], firstOutput, () => relay.cut());
    expect(code, err).toBe(5);
    const lines = err.trim().split('\n');
    expect(lines).toHaveLength(1);
    // The stream's cut ("the connection was lost"), or the next call's "no such socket".
    expect(lines[0]).toMatch(new RegExp(`^berth: cannot reach the Docker engine at ${relay.host}: (the connection was lost|no such socket)`));
  });

  // Nothing errors here: only the liveness probe can tell that the engine stopped answering.
  it.each(commands('frozen'))('%s, relay frozen: one line saying the engine does not answer, exit 5', async (_name, args, firstOutput) => {
    const { code, err } = await loseUnder([...args], firstOutput, () => relay.freeze());
    expect(code, err).toBe(5);
    const lines = err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^berth: cannot reach the Docker engine at ${relay.host}: not answering \\(no reply to a ping in 1.5 s\\)$`));
  });
});
