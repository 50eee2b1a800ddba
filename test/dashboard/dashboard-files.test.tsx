// The Files tab of a container's detail: browse the container's filesystem, download a file and a directory to host
// paths typed at the prompt, go into a directory and back, upload a host directory; against the real engine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY, openDashboard } from '../support/dashboard-harness.js';
import { FIXTURE_IMAGE, docker, removeRooms, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('dfiles');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-dash-files-'));
const BACKSPACE = '\x7f';

beforeAll(async () => {
  const rt = (await import('../support/helpers.js')).runtimeFor(home);
  await new (await import('../../src/runtime/rooms/index.js')).RoomService(rt).ensure(room);
  rt.close();
  const c = await docker.createContainer({
    Image: FIXTURE_IMAGE,
    Cmd: ['sh', '-c', 'mkdir -p /srv/app/sub && echo hello-from-container > /srv/app/hello.txt && echo x > /srv/app/sub/x && trap "exit 0" TERM; while true; do sleep 0.2; done'],
    WorkingDir: '/srv/app',
    name: `${room}.fbox`,
    Labels: { 'berth.room': room, 'berth.kind': 'container', 'berth.name': 'fbox', 'berth.agent': 'tester' },
    HostConfig: { LogConfig: { Type: 'json-file', Config: { 'max-size': '1m' } } },
  });
  await c.start();
  fs.mkdirSync(path.join(work, 'updir'));
  fs.writeFileSync(path.join(work, 'updir', 'new.txt'), 'uploaded from the dashboard\n');
});
afterAll(async () => {
  await removeRooms([room]);
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
});

async function containerFile(p: string): Promise<string> {
  const exec = await docker.getContainer(`${room}.fbox`).exec({ Cmd: ['cat', p], AttachStdout: true, AttachStderr: true });
  return new Promise((resolve) => {
    exec.start({}, (_e: unknown, s: NodeJS.ReadableStream | undefined) => {
      let text = '';
      s!.on('data', (c: Buffer) => (text += c.subarray(8).toString('utf8')));
      s!.on('end', () => resolve(text));
    });
  });
}

describe('dashboard Files tab', () => {
  it('browses, downloads a file and a directory, enters a directory and comes back, uploads a directory', async () => {
    const dash = await openDashboard(home, room);
    try {
      await dash.waitForFrame((f) => f.includes('fbox'), 'the container row');
      await waitFor(async () => (await containerFile('/srv/app/hello.txt')).includes('hello'), 'the container to write its files');
      dash.press(KEY.enter, '4');
      // Starts in the working directory, directories first.
      const listing = await dash.waitForFrame((f) => f.includes('4 files') && f.includes('/srv/app') && f.includes('hello.txt') && f.includes('sub/'), 'the listing');
      expect(listing.indexOf('sub/')).toBeLessThan(listing.indexOf('hello.txt'));

      // Download hello.txt to a path typed at the prompt.
      dash.press(KEY.down, 'D');
      await dash.waitForFrame((f) => f.includes('download /srv/app/hello.txt to') && f.includes('./hello.txt'), 'the download prompt');
      const to = path.join(work, 'got.txt');
      dash.press(...Array(11).fill(BACKSPACE), ...to.split(''), KEY.enter);
      await dash.waitForFrame((f) => f.includes('downloaded /srv/app/hello.txt'), 'the download to finish');
      expect(fs.readFileSync(to, 'utf8')).toBe('hello-from-container\n');

      // Download the directory sub/: unpacked (through the archive guard) into a host directory typed at the prompt.
      dash.press(KEY.up, 'D');
      await dash.waitForFrame((f) => f.includes('download /srv/app/sub to') && f.includes('./sub'), 'the directory download prompt');
      const dirTo = path.join(work, 'got-dir');
      dash.press(...Array(5).fill(BACKSPACE), ...dirTo.split(''), KEY.enter);
      await dash.waitForFrame((f) => f.includes('downloaded /srv/app/sub (1 file,'), 'the directory download to finish');
      expect(fs.readdirSync(dirTo)).toEqual(['x']);
      expect(fs.readFileSync(path.join(dirTo, 'x'), 'utf8')).toBe('x\n');

      // Into sub/ and back up.
      dash.press(KEY.enter);
      await dash.waitForFrame((f) => f.includes('/srv/app/sub') && /\bx\b/.test(f), 'the sub directory');
      dash.press(KEY.escape);
      // The listing's header, not the status line (which still names /srv/app/sub after the download).
      await dash.waitForFrame((f) => f.includes('hello.txt') && /\/srv\/app {2}\d+ entr/.test(f), 'back in /srv/app');

      // Upload a host directory into the directory shown.
      dash.press('U');
      await dash.waitForFrame((f) => f.includes('upload into /srv/app from'), 'the upload prompt');
      dash.press(BACKSPACE, BACKSPACE, ...path.join(work, 'updir').split(''), KEY.enter);
      await dash.waitForFrame((f) => f.includes('uploaded 1 file') && f.includes('updir/'), 'the upload and the refreshed listing');
      expect(await containerFile('/srv/app/updir/new.txt')).toBe('uploaded from the dashboard\n');
    } finally {
      dash.close();
    }
  });
});
