// The CLI's long-running commands when the engine goes away mid-stream (a relay in front of the real engine, cut
// by the test): one clear line naming the endpoint and exit code 5, never a hang or a stack.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoomService } from '../src/runtime/rooms.js';
import { startEngineRelay, type EngineRelay } from './engine-relay.js';
import { removeRooms, repoRoot, roomContainer, runtimeFor, tempHome, uniqueRoom, waitFor } from './helpers.js';

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

describe('engine lost under a long-running command', () => {
  it.each([
    ['logs --follow', ['container', 'logs', '--follow', 'ticker'], 'tick'],
    ['stats --follow', ['container', 'stats', '--follow', 'ticker'], 'ticker'],
    ['run, attached', ['container', 'run', '--name', 'attached', 'berth-fixture:latest', '--', 'sh', '-c', 'echo started; exec sleep 600'], 'started'],
  ])('%s: one line naming the endpoint, exit 5', async (_name, args, firstOutput) => {
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
      await relay.cut();
      expect(await exited).toBe(5);
      const lines = err.trim().split('\n');
      expect(lines).toHaveLength(1);
      // The stream's cut ("the connection was lost"), or the next call's "no such socket".
      expect(lines[0]).toMatch(new RegExp(`^berth: cannot reach the Docker engine at ${relay.host}: (the connection was lost|no such socket)`));
    } finally {
      child.kill('SIGKILL');
    }
  });
});
