// A container removed by someone else (docker rm -f) between berth's create and start (or just after the start, when
// the removal comes late): one berth line that says so,
// whatever step found it gone (the engine says `Could not find the file / in container …` to an upload, `No such
// container` to an attach or a start), exit 3, and nothing left in the room.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineRelay, type EngineRelay } from '../support/engine-relay.js';
import { docker, FIXTURE_IMAGE, removeRooms, repoRoot, tempHome, uniqueRoom } from '../support/helpers.js';
import { cliFor } from '../support/container-helpers.js';

const room = uniqueRoom('rws');
const home = tempHome();
let relay: EngineRelay;

beforeAll(async () => {
  expect((await cliFor(home, room)('room', 'create', room)).code).toBe(0);
  relay = await startEngineRelay(path.join(home, 'relay.sock'));
}, 60_000);

afterAll(async () => {
  await relay?.close();
  await removeRooms([room]);
});

/**
 * Runs berth through the relay; when the engine reports the container created (or `event`), holds the relay, removes
 * it, lets go. The relay runs in this process, so berth's next request may pass before the hold: the removal then
 * comes after the start.
 */
async function raceRemoval(args: string[], event = 'create'): Promise<{ code: number | null; stderr: string }> {
  const events = (await docker.getEvents({ filters: { type: ['container'], event: [event], label: [`berth.room=${room}`] } })) as NodeJS.ReadableStream & { destroy(): void };
  const removed = new Promise<void>((resolve, reject) => {
    events.once('data', (chunk: Buffer) => {
      relay.freeze();
      const id = (JSON.parse(chunk.toString().split('\n')[0]!) as { id: string }).id;
      docker
        .getContainer(id)
        .remove({ force: true })
        .then(() => relay.thaw())
        .then(resolve, reject);
    });
  });
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'berth'), '--room', room, ...args], {
    env: { ...process.env, BERTH_HOME: home, BERTH_AGENT: 'tester', DOCKER_HOST: relay.host },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  await removed;
  events.destroy();
  return { code, stderr };
}

describe('a container removed while berth starts it', () => {
  it.each([
    ['container run', ['container', 'run', FIXTURE_IMAGE, '--name', 'c1', '--', 'sleep', '60'], 'c1'],
    ['run (a job, attached before its start)', ['run', FIXTURE_IMAGE, '--name', 'j1', '--', 'true'], 'j1'],
  ])('%s: one line saying it was removed, exit 3, nothing left', async (_what, args, name) => {
    const r = await raceRemoval(args);
    expect(r.stderr.trim().split('\n')).toEqual([`berth: container "${name}" in room "${room}" was removed while it was being started`]);
    expect(r.code).toBe(3);
    expect(await docker.listContainers({ all: true, filters: { label: [`berth.room=${room}`] } })).toEqual([]);
  }, 60_000);

  it('container run, removed once started (held when the engine reports the start): the same line', async () => {
    const r = await raceRemoval(['container', 'run', FIXTURE_IMAGE, '--name', 'c2', '--', 'sleep', '60'], 'start');
    expect(r.stderr.trim().split('\n')).toEqual([`berth: container "c2" in room "${room}" was removed while it was being started`]);
    expect(r.code).toBe(3);
    expect(await docker.listContainers({ all: true, filters: { label: [`berth.room=${room}`] } })).toEqual([]);
  }, 60_000);
});
