// container update: resources merge in place (same container), env/tags/image/ports recreate under the same name,
// room and labels, and a failing update leaves the container exactly as it was.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditLog, ExitCode } from '../../src/runtime/core/index.js';
import { cliFor, expectOneLineError, IMG, inspectByName, roomContainers } from '../support/container-helpers.js';
import { docker, removeRooms, tempHome, uniqueRoom } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('cu');
const cli = cliFor(home, room);
afterAll(async () => {
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('container update', () => {
  it('changes resources in place and keeps the ones not given (--memory alone keeps cpus)', async () => {
    const run = await cli('container', 'run', IMG, '-d', '--name', 'res', '--cpus', '0.5', '--pids', '40', '--', 'sleep', '600');
    const id = run.stdout.trim();
    const r = await cli('container', 'update', 'res', '--memory', '96m');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('updated res in place: memory\n');
    const info = await inspectByName(room, 'res');
    expect(info.Id).toBe(id);
    expect(info.HostConfig).toMatchObject({ Memory: 96 * 1024 * 1024, NanoCpus: 5e8, PidsLimit: 40 });
    expect(info.State.Running).toBe(true);

    expectOneLineError(await cli('container', 'update', 'res', '--memory', 'big'), ExitCode.usage, 'invalid --memory "big"');
    expectOneLineError(await cli('container', 'update', 'res'), ExitCode.usage, 'nothing to update');
    expectOneLineError(await cli('container', 'update', 'res', '--unset-env', 'NOT_SET'), ExitCode.usage, '--unset-env "NOT_SET": not set');
    expect((await inspectByName(room, 'res')).HostConfig.Memory).toBe(96 * 1024 * 1024);
  });

  it('recreates for env and tags with the same name, room and labels, and says so', async () => {
    const run = await cli('container', 'run', IMG, '-d', '--name', 'app', '--agent', 'ann', '--role', 'dev', '--tag', 'old',
      '--env', 'KEEP=1', '--env', 'DROP=2', '--memory', '64m', '--port', '127.0.0.1::8080', '--', 'sleep', '600');
    const oldId = run.stdout.trim();
    const r = await cli('container', 'update', 'app', '--env', 'NEW=3', '--unset-env', 'DROP', '--tag', 'a', '--tag', 'b', '--time', '0');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^recreated app \(Docker cannot change env, tags in place\): env, tags changed, new id [0-9a-f]{12} replaces [0-9a-f]{12}$/m);

    const info = await inspectByName(room, 'app');
    expect(info.Id).not.toBe(oldId);
    expect(info.State.Running).toBe(true);
    expect(info.Config.Labels).toMatchObject({ 'berth.room': room, 'berth.name': 'app', 'berth.kind': 'container', 'berth.agent': 'ann', 'berth.role': 'dev', 'berth.tags': 'a,b' });
    expect(info.Config.Env).toEqual(expect.arrayContaining(['KEEP=1', 'NEW=3']));
    expect(info.Config.Env.some((e) => e.startsWith('DROP='))).toBe(false);
    expect(info.Config.Cmd).toEqual(['sleep', '600']);
    expect(info.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(info.HostConfig.PortBindings).toEqual({ '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    expect(info.NetworkSettings.Networks[`berth-${room}`]!.Aliases).toContain('app');
    const names = (await roomContainers(room)).filter((c) => c.Labels['berth.name'] === 'app');
    expect(names.map((c) => c.Id)).toEqual([info.Id]); // the old one is gone

    const line = new AuditLog(path.join(home, 'data', 'actions.jsonl')).read().find((l) => l.action === 'container.update' && l.target === `${room}/app`)!;
    expect(line).toMatchObject({ result: 'ok', details: { changed: ['env', 'tags'], recreated: true } });
  });

  it('recreates for --port and keeps it stopped when it was stopped', async () => {
    await cli('container', 'run', IMG, '-d', '--name', 'ports', '--', 'sleep', '600');
    await cli('container', 'stop', 'ports', '--force');
    const r = await cli('container', 'update', 'ports', '--port', '127.0.0.1::9090/udp');
    expect(r.stdout).toContain('recreated ports (Docker cannot change ports in place)');
    const info = await inspectByName(room, 'ports');
    expect(info.HostConfig.PortBindings).toEqual({ '9090/udp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    expect(info.State.Status).toBe('created');
  });

  it('recreates with a new image, keeping the command given at run', async () => {
    const alt = `berth-fixture:${room}`;
    await docker.getImage(IMG).tag({ repo: 'berth-fixture', tag: room });
    try {
      await cli('container', 'run', IMG, '-d', '--name', 'swap', '--', 'sleep', '600');
      const r = await cli('container', 'update', 'swap', '--image', alt, '--time', '0');
      expect(r.stdout).toContain('recreated swap (Docker cannot change image in place)');
      const info = await inspectByName(room, 'swap');
      expect(info.Config.Image).toBe(alt);
      expect(info.Config.Cmd).toEqual(['sleep', '600']);
      expect(info.State.Running).toBe(true);
    } finally {
      await removeRooms([room]).catch(() => {});
      await docker.getImage(alt).remove().catch(() => {});
    }
  });

  it('changes nothing when the new image is missing', async () => {
    const run = await cli('container', 'run', IMG, '-d', '--name', 'img', '--', 'sleep', '600');
    const r = await cli('container', 'update', 'img', '--image', 'berth-missing-image:9', '--env', 'X=1');
    expectOneLineError(r, ExitCode.notFound, 'image "berth-missing-image:9" is not here and could not be pulled');
    const info = await inspectByName(room, 'img');
    expect(info.Id).toBe(run.stdout.trim());
    expect(info.State.Running).toBe(true);
    expect(info.Config.Env.some((e) => e === 'X=1')).toBe(false);
  });
});
