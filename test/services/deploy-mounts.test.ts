// berth deploy --image-mount, --room-mount and --project-mount in real deploys: another image's files read-only (its
// absolute symlinks kept, exported through the files module's guarded extraction), room storage shared by the
// services of one room only, project storage shared by every room.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestImage, execIn, removeImages, removeServiceRooms, runBerth, serviceContainerId, uniqueTag } from '../support/deploy-helpers.js';
import { docker, tempHome, uniqueRoom } from '../support/helpers.js';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });
process.env.BERTH_DEPLOY_MODE = 'engine';

const home = tempHome();
const room = uniqueRoom('dm');
const otherRoom = uniqueRoom('dm');
const APP = uniqueTag('app');
const ASSETS = uniqueTag('assets');

const mountFlags = ['--room-mount', '.:/room', '--project-mount', '.:/proj', '--image-mount', `${ASSETS}:/other`, '--settle', '500ms', '--drain', '100ms'];

async function deploy(inRoom: string, name: string) {
  const r = await runBerth(home, ['--room', inRoom, 'deploy', '--tag', APP, '--name', name, ...mountFlags]);
  expect(r.code, r.stderr).toBe(0);
  return serviceContainerId(inRoom, name);
}

beforeAll(async () => {
  await buildTestImage(APP, ['CMD ["sleep", "600"]']);
  // The other image: a file, a hardlink to it, an absolute symlink (how busybox and most images link their
  // binaries: tar-fs 2.x refused these, so a mount of this image failed), a setuid file and a fifo.
  await buildTestImage(ASSETS, [
    'RUN mkdir -p /assets/deep && echo from-the-other-image > /assets/hello.txt && ln /assets/hello.txt /assets/hard.txt' +
      ' && ln -s /assets/hello.txt /assets/abs-link && ln -s ../hello.txt /assets/deep/rel-link' +
      ' && cp /bin/busybox /assets/suid && chmod 4755 /assets/suid && mkfifo /assets/fifo',
  ]);
});

afterAll(async () => {
  await removeServiceRooms([room, otherRoom]);
  await removeImages([APP, ASSETS]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('berth deploy mounts', () => {
  it("--image-mount shows the other image's files read-only, its links kept, no setuid, no fifo", async () => {
    const id = await deploy(room, 'one');
    expect((await execIn(id, ['cat', '/other/assets/hello.txt'])).output.trim()).toBe('from-the-other-image');
    expect((await execIn(id, ['cat', '/other/assets/hard.txt'])).output.trim()).toBe('from-the-other-image');
    // The absolute link is kept as written: it resolves inside the service container, not on the host.
    expect((await execIn(id, ['readlink', '/other/assets/abs-link'])).output.trim()).toBe('/assets/hello.txt');
    expect((await execIn(id, ['cat', '/other/assets/deep/rel-link'])).output.trim()).toBe('from-the-other-image');
    expect((await execIn(id, ['stat', '-c', '%a', '/other/assets/suid'])).output.trim()).toBe('755');
    expect((await execIn(id, ['test', '-e', '/other/assets/fifo'])).code).not.toBe(0);
    const write = await execIn(id, ['sh', '-c', 'echo x > /other/assets/new.txt']);
    expect(write.code).not.toBe(0);
    expect(write.output).toContain('Read-only file system');
    const info = await docker.getContainer(id).inspect();
    const mount = info.HostConfig.Mounts!.find((m) => m.Target === '/other');
    expect(mount).toMatchObject({ Type: 'bind', ReadOnly: true });
    // Exported once per image id under the data dir; the export container is gone.
    const source = mount!.Source;
    expect(path.dirname(source)).toBe(path.join(home, 'data', 'image-mounts'));
    expect(fs.lstatSync(path.join(source, 'assets', 'abs-link')).isSymbolicLink()).toBe(true);
    expect(fs.statSync(path.join(source, 'assets', 'hard.txt')).nlink).toBe(1);
    expect(await docker.listContainers({ all: true, filters: { label: ['berth.kind=image-mount'] } })).toEqual([]);
  });

  it('--room-mount is shared by the services of a room and by no other room; --project-mount by every room', async () => {
    const one = await serviceContainerId(room, 'one');
    const two = await deploy(room, 'two');
    const elsewhere = await deploy(otherRoom, 'one');
    expect((await execIn(one, ['sh', '-c', 'echo written-by-one > /room/note && echo project-note > /proj/note'])).code).toBe(0);
    expect((await execIn(two, ['cat', '/room/note'])).output.trim()).toBe('written-by-one');
    const missing = await execIn(elsewhere, ['cat', '/room/note']);
    expect(missing.code).not.toBe(0);
    expect(missing.output).toContain('No such file');
    expect((await execIn(elsewhere, ['cat', '/proj/note'])).output.trim()).toBe('project-note');
    // Room and project mounts are writable (no :ro given); the files land in the storage berth storage reads.
    expect(fs.readFileSync(path.join(home, 'data', 'rooms', room, 'note'), 'utf8').trim()).toBe('written-by-one');
    const ls = await runBerth(home, ['--room', room, 'storage', 'ls']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toContain('note');
  });

  it('a mount of a directory inside storage is refused on an engine without safe subpaths, before anything is made', async () => {
    const api = (await docker.version()).ApiVersion;
    const [major, minor] = api.split('.').map(Number);
    const r = await runBerth(home, ['--room', room, 'deploy', '--tag', APP, '--name', 'sub', '--room-mount', 'shared:/room']);
    if (major! > 1 || minor! >= 45) {
      // The engine resolves the subpath inside the storage volume (openat2): the service runs with it.
      expect(r.code, r.stderr).toBe(0);
      const id = await serviceContainerId(room, 'sub');
      expect((await docker.getContainer(id).inspect()).HostConfig.Mounts).toContainEqual(expect.objectContaining({ Type: 'volume', VolumeOptions: expect.objectContaining({ Subpath: 'shared' }) }));
    } else {
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`--room-mount "shared" needs Engine API 1.45 (Docker 26) or later`);
      expect(r.stderr).toContain(`this engine speaks ${api}`);
      expect(await docker.listContainers({ all: true, filters: { label: [`berth.room=${room}`, 'berth.name=sub'] } })).toEqual([]);
    }
  });
});
