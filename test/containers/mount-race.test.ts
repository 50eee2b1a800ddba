// The mount-source race (issue: a container swaps a directory under storage for a symlink between berth's check and
// the engine's mount): a container of the room swaps `dir` and the old workspace place between real directories and
// links to a canary outside storage, tight and with sleeps, while berth runs containers with storage mounts and
// workspaces, restarts one, and deploys with a room mount, 100+ times each. The canary is never mounted anywhere
// (device and inode seen from inside) and its contents never change.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cliFor, IMG } from '../support/container-helpers.js';
import { execIn } from '../support/deploy-helpers.js';
import { docker, removeRooms, tempHome, TEST_LOG_CONFIG, uniqueRoom, waitFor } from '../support/helpers.js';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

const TRIES = 100;
const home = tempHome();
const room = uniqueRoom('race');
const cli = cliFor(home, room, { BERTH_AGENT: 'user' });
const storage = path.join(home, 'data', 'rooms', room);
const canary = path.join(home, 'canary');
const idOf = (p: string) => {
  const st = fs.statSync(p);
  return `${st.dev}:${st.ino}`;
};

function checksum(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = fs.lstatSync(p);
      hash.update(`${path.relative(dir, p)}:${st.mode}:`);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) hash.update(fs.readFileSync(p));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

/** Runs `fn(0..n-1)` with `width` workers, each trying in turn (`worker` says which). */
async function tries(n: number, width: number, fn: (i: number, worker: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async (_, worker) => {
    while (next < n) await fn(next++, worker);
  }));
}

let swapper: Awaited<ReturnType<typeof docker.createContainer>> | undefined;
let canarySum = '';

beforeAll(async () => {
  fs.mkdirSync(path.join(canary, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(canary, 'hostname'), 'the host\n');
  fs.writeFileSync(path.join(canary, 'sub', 'secret'), 'not for containers\n');
  canarySum = checksum(canary);
  fs.mkdirSync(path.join(storage, 'workspaces'), { recursive: true });
  expect((await cli('room', 'create', room)).code).toBe(0);
  // The swapper: every other round tight, the others with the sleeps that matched berth's check-to-use delay.
  // `dir` and the workspace's old place alternate between a real directory and a link to the canary.
  const loop = [
    'cd /data && mkdir -p d_real w_real workspaces && ln -s "$CANARY" d_link && ln -s "$CANARY" w_link',
    'i=0; while :; do i=$((i+1))',
    'mv d_real dir; mv w_real workspaces/user; [ $((i%2)) = 0 ] && usleep 3000',
    'mv dir d_real; mv workspaces/user w_real',
    'mv d_link dir; mv w_link workspaces/user; [ $((i%2)) = 0 ] && usleep 3000',
    'mv dir d_link; mv workspaces/user w_link; done',
  ].join('; ');
  swapper = await docker.createContainer({
    Image: IMG,
    Cmd: ['sh', '-c', loop],
    Env: [`CANARY=${canary}`],
    name: `${room}.swapper`,
    Labels: { 'berth.room': room, 'berth.kind': 'container', 'berth.name': 'swapper' },
    HostConfig: { LogConfig: TEST_LOG_CONFIG, Binds: [`${storage}:/data`], NetworkMode: 'none' },
  });
  await swapper.start();
  await waitFor(() => fs.existsSync(path.join(storage, 'd_link')), 'the swapper to start');
});

afterAll(async () => {
  await swapper?.remove({ force: true }).catch(() => {});
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('mount sources under storage, with a container swapping them', () => {
  it('a --mount-subpath under storage never mounts the canary', async () => {
    const [major, minor] = (await docker.version()).ApiVersion.split('.').map(Number);
    const safeSubpaths = major! > 1 || minor! >= 45;
    let refused = 0;
    await tries(TRIES, 3, async (i) => {
      const r = await cli('run', '--mount-path', '/data', '--mount-subpath', 'dir', IMG, '--', 'stat', '-c', '%d:%i', '/data');
      if (r.code === 0) expect(r.stdout.trim(), `try ${i}: the canary was mounted`).not.toBe(idOf(canary));
      else {
        expect(r.stderr).toContain('--mount-subpath "dir" needs Engine API 1.45');
        refused++;
      }
    });
    // An engine without safe subpaths refuses every one; one with them may fail a try whose `dir` was a link.
    if (!safeSubpaths) expect(refused).toBe(TRIES);
    expect(checksum(canary)).toBe(canarySum);
  });

  it("every container and job gets the agent's own workspace and the room storage, never the canary", async () => {
    const workspace = path.join(home, 'data', 'workspaces', room, 'user');
    await tries(TRIES, 3, async (i) => {
      const r = await cli('run', '--mount-path', '/data', IMG, '--', 'stat', '-c', '%d:%i', '/workspace', '/data');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n'), `try ${i}`).toEqual([idOf(workspace), idOf(storage)]);
    });
    expect(checksum(canary)).toBe(canarySum);
  });

  it('a restarted container gets the same directories at every start', async () => {
    const workspace = path.join(home, 'data', 'workspaces', room, 'user');
    const keepers: string[] = [];
    for (const name of ['keeper1', 'keeper2']) {
      const r = await cli('container', 'run', '-d', '--name', name, '--mount-path', '/data', IMG, '--', 'sleep', '600');
      expect(r.code, r.stderr).toBe(0);
      keepers.push(name);
    }
    await tries(TRIES, 2, async (i, worker) => {
      const name = keepers[worker]!;
      const restart = await cli('container', 'restart', name, '-t', '0');
      expect(restart.code, restart.stderr).toBe(0);
      const seen = await execIn(`${room}.${name}`, ['stat', '-c', '%d:%i', '/workspace', '/data']);
      expect(seen.output.trim().split('\n'), `restart ${i}`).toEqual([idOf(workspace), idOf(storage)]);
    });
    expect(checksum(canary)).toBe(canarySum);
  });

  it('a deploy with a room mount under storage never mounts the canary', async () => {
    let refused = 0;
    for (let i = 0; i < TRIES; i++) {
      const r = await cli('deploy', '--tag', IMG, '--name', 'svc', '--room-mount', 'dir:/data', '--settle', '0ms', '--drain', '0ms');
      if (r.code !== 0) {
        refused++;
        continue;
      }
      const list = await docker.listContainers({ filters: { label: [`berth.room=${room}`, 'berth.name=svc'] } });
      for (const c of list) expect((await execIn(c.Id, ['stat', '-c', '%d:%i', '/data'])).output.trim()).not.toBe(idOf(canary));
    }
    const [major, minor] = (await docker.version()).ApiVersion.split('.').map(Number);
    if (major === 1 && minor! < 45) expect(refused).toBe(TRIES);
    expect(checksum(canary)).toBe(canarySum);
  });
});
