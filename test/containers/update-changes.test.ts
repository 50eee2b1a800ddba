// container update refuses a recreate that would lose files written in the container (outside its mounts) unless
// --recreate confirms it; changes in place and files in mounts never ask.
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/runtime/core/index.js';
import { cliFor, expectOneLineError, IMG, inspectByName } from '../support/container-helpers.js';
import { docker, removeRooms, tempHome, TEST_LOG_CONFIG, uniqueRoom } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('uc');
const cli = cliFor(home, room);
afterAll(async () => {
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('container update and files written in the container', () => {
  it('refuses a recreate that would lose them, saying how many and where; --recreate confirms', async () => {
    expect((await cli('container', 'run', IMG, '-d', '--name', 'web', '--', 'sleep', '600')).code).toBe(0);
    const w = await cli('container', 'exec', 'web', '--', 'sh', '-c', 'mkdir -p /srv/site && echo hi > /srv/site/index.html && echo x > /srv/b && echo y > /workspace/kept');
    expect(w.code, w.stderr).toBe(0);
    const before = await inspectByName(room, 'web');

    for (const args of [['-p', '18081:80'], ['-e', 'A=1'], ['--image', IMG, '--tag', 't']]) {
      expectOneLineError(
        await cli('container', 'update', 'web', ...args),
        ExitCode.conflict,
        /^berth: container "web" has 2 files added or changed outside its mounts \(\/srv\/b, \/srv\/site\/index\.html\) that recreating it for .* would lose: .*--recreate$/,
      );
    }
    expect((await inspectByName(room, 'web')).Id).toBe(before.Id);
    // Resources change in place: nothing is lost, nothing is asked.
    expect((await cli('container', 'update', 'web', '--memory', '96m')).code).toBe(0);

    const r = await cli('container', 'update', 'web', '-e', 'A=1', '--recreate', '--time', '0');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('recreated web');
    expect((await inspectByName(room, 'web')).Id).not.toBe(before.Id);
  });

  it('files only in mounts (the workspace) are not a loss: the recreate goes ahead', async () => {
    expect((await cli('container', 'run', IMG, '-d', '--name', 'ws', '--', 'sleep', '600')).code).toBe(0);
    expect((await cli('container', 'exec', 'ws', '--', 'sh', '-c', 'echo y > /workspace/only')).code).toBe(0);
    const r = await cli('container', 'update', 'ws', '-e', 'B=2', '--time', '0');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('recreated ws');
  });

  it("what the engine puts in every container is not a loss: an init (docker-init in /sbin of a FROM-scratch image), none at all", async () => {
    await cli('room', 'create', room); // when run alone (exists already otherwise)
    // Made as berth serve makes its containers: with an init, which the engine bind-mounts at /sbin/docker-init.
    const c = await docker.createContainer({
      Image: IMG,
      Cmd: ['sleep', '600'],
      name: `${room}.init`,
      Labels: { 'berth.room': room, 'berth.kind': 'container', 'berth.name': 'init', 'berth.managed': 'true' },
      HostConfig: { Init: true, NetworkMode: `berth-${room}`, LogConfig: TEST_LOG_CONFIG },
    });
    await c.start();
    const r = await cli('container', 'update', 'init', '-e', 'C=3', '--time', '0');
    expect(r.code, r.stderr).toBe(0);
    // A container with no changes at all (the engine answers null).
    expect((await cli('container', 'run', IMG, '-d', '--name', 'plain', '--', 'sleep', '600')).code).toBe(0);
    const p = await cli('container', 'update', 'plain', '-e', 'D=4', '--time', '0');
    expect(p.code, p.stderr).toBe(0);
  });
});
