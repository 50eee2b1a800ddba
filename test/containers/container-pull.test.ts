// Pulling a missing image on run, from a local docker-registry (no internet here): progress events reach the
// library caller, the CLI stays quiet when piped, the container runs the pulled image, and the room holds it.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerService } from '../../src/runtime/containers/index.js';
import { cliFor, IMG } from '../support/container-helpers.js';
import { docker, removeRooms, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('pull');
const holder = uniqueRoom('pullh');
const other = uniqueRoom('pullo');
let registry: ChildProcess | undefined;
let repo = '';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function follow(stream: NodeJS.ReadableStream): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
      const failed = out?.find((o) => o.error);
      if (err || failed) reject(err ?? new Error(failed!.error));
      else resolve();
    }),
  );
}

beforeAll(async () => {
  const port = await freePort();
  const dir = path.join(home, 'registry');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.yml'), `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  registry = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
  await waitFor(() => fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.ok), 'the local registry');
  repo = `127.0.0.1:${port}/berth-pull-${room}`;
  await docker.getImage(IMG).tag({ repo, tag: '1' });
  await follow(await docker.getImage(`${repo}:1`).push({ authconfig: {} } as object));
  await docker.getImage(`${repo}:1`).remove();
});

afterAll(async () => {
  await removeRooms([room, holder, other]);
  await docker.getImage(`${repo}:1`).remove({ force: true }).catch(() => {});
  registry?.kill();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('run pulls a missing image', () => {
  it('reports pull progress to the library caller and runs the pulled image', async () => {
    const events: string[] = [];
    const rt = runtimeFor(home);
    try {
      const c = await new ContainerService(rt).run(room, { image: `${repo}:1`, name: 'pulled', command: ['sleep', '600'] }, { onPull: (e) => events.push(e.status) });
      expect(c.pulled).toBe(true);
      expect(c.state).toBe('running');
      expect(events.some((s) => /Pulling|Download|Status/.test(s))).toBe(true);
    } finally {
      rt.close();
    }
    expect((await docker.getContainer(`${room}.pulled`).inspect()).Config.Image).toBe(`${repo}:1`);
  });

  it('stays quiet when piped and does not pull an image that is already here', async () => {
    await docker.getImage(`${repo}:1`).remove({ force: true });
    const r = await cliFor(home, room)('container', 'run', `${repo}:1`, '-d', '-o', 'json', '--name', 'quiet', '--', 'sleep', '600');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'quiet', pulled: true });
    const again = await cliFor(home, room)('container', 'run', `${repo}:1`, '-d', '-o', 'json', '--name', 'again', '--', 'sleep', '600');
    expect(JSON.parse(again.stdout).pulled).toBe(false);
  });

  it('the room that pulled the image on run holds it (image list), another room does not', async () => {
    await docker.getImage(`${repo}:1`).remove({ force: true });
    const r = await cliFor(home, holder)('container', 'run', `${repo}:1`, '-d', '-o', 'json', '--name', 'holds', '--', 'sleep', '600');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).pulled).toBe(true);
    const listed = async (inRoom: string) => JSON.parse((await cliFor(home, inRoom)('image', 'list', '-o', 'json')).stdout).items.flatMap((i: { tags: string[] }) => i.tags);
    expect(await listed(holder)).toEqual([`${repo}:1`]);
    expect((await cliFor(home, other)('room', 'create', other)).code).toBe(0);
    expect(await listed(other)).toEqual([]);
    const wide = (await cliFor(home, holder)('image', 'list', '--all', '-o', 'json')).stdout;
    const rooms = JSON.parse(wide).items.find((i: { tags: string[] }) => i.tags.includes(`${repo}:1`)).rooms;
    expect(rooms).toContain(holder);
    expect(rooms).not.toContain(other);
  });
});
