import { it } from 'vitest';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { startEngineRelay } from './engine-relay.js';
import { repoRoot, tempHome, uniqueRoom, removeRooms, roomContainer, runtimeFor } from './helpers.js';
import { RoomService } from '../src/runtime/rooms.js';
it('relay cli', async () => {
  const home = tempHome();
  const room = uniqueRoom('rl');
  const rt = runtimeFor(home); await new RoomService(rt).ensure(room); rt.close();
  await roomContainer(room, 'num', { cmd: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo n$i; sleep 0.1; done'] });
  const relay = await startEngineRelay(path.join(home, 'e.sock'));
  const env = { ...process.env, BERTH_HOME: home, BERTH_ROOM: room, DOCKER_HOST: relay.host };
  for (const args of [['container', 'logs', '-f', 'num'], ['container', 'stats', '--follow', 'num'], ['container', 'run', '--name', 'att', 'berth-fixture:latest', '--', 'sh', '-c', 'while true; do sleep 1; done']]) {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/berth'), ...args], { env });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    let out = 0; child.stdout.on('data', (d) => (out += d.length));
    await new Promise((r) => setTimeout(r, 2500));
    const t0 = Date.now();
    await relay.cut();
    const code = await new Promise((r) => child.on('exit', r));
    console.log(args.join(' '), 'exit', code, 'after', Date.now() - t0, 'ms', JSON.stringify(err), out);
    await relay.restore();
  }
  await relay.close();
  await removeRooms([room]);
}, 60000);
