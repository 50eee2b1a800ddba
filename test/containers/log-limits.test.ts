// Bounded logs on every kind of container berth creates: container run, jobs (berth run), batch create and the
// replacement an update recreates; flags, then config, then 10m × 3; shown by container get; a flood rotates.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/runtime/core/index.js';
import { RoomService } from '../../src/runtime/rooms/index.js';
import { cliFor, expectOneLineError, IMG, inspectByName, roomContainers } from '../support/container-helpers.js';
import { docker, removeRooms, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('logs');
const cli = cliFor(home, room);
afterAll(async () => {
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

const logConfigOf = async (name: string) => (await inspectByName(room, name)).HostConfig.LogConfig;

describe('bounded container logs', () => {
  it('container run: 10m × 3 by default, the flags override, container get shows them', async () => {
    expect((await cli('container', 'run', IMG, '-d', '--name', 'plain', '--', 'sleep', '600')).code).toBe(0);
    expect(await logConfigOf('plain')).toEqual({ Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } });
    const r = await cli('container', 'run', IMG, '-d', '--name', 'small', '--log-max-size', '2MB', '--log-max-files', '2', '--', 'sleep', '600');
    expect(r.code, r.stderr).toBe(0);
    expect(await logConfigOf('small')).toEqual({ Type: 'json-file', Config: { 'max-size': '2m', 'max-file': '2' } });
    const get = await cli('container', 'get', 'small');
    expect(get.stdout).toMatch(/logs:\s+json-file, 2m × 2 files/);
    const json = JSON.parse((await cli('-o', 'json', 'container', 'get', 'plain')).stdout);
    expect(json.logs).toEqual({ driver: 'json-file', maxSize: '10m', maxFiles: 3, bounded: true });
  });

  it('config logs.maxSize / logs.maxFiles change the default', async () => {
    const cfgHome = tempHome();
    try {
      fs.mkdirSync(path.join(cfgHome, 'config'), { recursive: true });
      fs.writeFileSync(path.join(cfgHome, 'config', 'config.json'), JSON.stringify({ logs: { maxSize: '4m', maxFiles: 5 } }));
      const r = await cliFor(cfgHome, room)('container', 'run', IMG, '-d', '--name', 'configured', '--', 'sleep', '600');
      expect(r.code, r.stderr).toBe(0);
      expect(await logConfigOf('configured')).toEqual({ Type: 'json-file', Config: { 'max-size': '4m', 'max-file': '5' } });
    } finally {
      fs.rmSync(cfgHome, { recursive: true, force: true });
    }
  });

  it('a job (berth run) is created with the limits', async () => {
    const storage = new RoomService(runtimeFor(home)).storageDir(room);
    const go = path.join(storage, 'go');
    const job = cli('run', IMG, '--mount-path', '/s', '--log-max-size', '3m', '--', 'sh', '-c', 'while [ ! -f /s/go ]; do sleep 0.05; done; echo done');
    const info = await waitFor(async () => {
      const jobs = await docker.listContainers({ filters: { label: [`berth.room=${room}`, 'berth.kind=job'] } });
      return jobs[0] ? docker.getContainer(jobs[0].Id).inspect() : undefined;
    }, 'the job container');
    fs.writeFileSync(go, '');
    const r = await job;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('done\n');
    expect(info.HostConfig.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-size': '3m', 'max-file': '3' } });
  });

  it('batch create: the flags for every item, an item\'s own log_max_size wins', async () => {
    const file = path.join(home, 'batch.json');
    fs.writeFileSync(file, JSON.stringify([
      { image: IMG, name: 'b1', command: 'sleep 600' },
      { image: IMG, name: 'b2', command: 'sleep 600', log_max_size: '1m' },
    ]));
    const r = await cli('container', 'batch', 'create', '--file', file, '--log-max-files', '4');
    expect(r.code, r.stderr).toBe(0);
    expect(await logConfigOf('b1')).toEqual({ Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '4' } });
    expect(await logConfigOf('b2')).toEqual({ Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '4' } });
  });

  it('update: a recreate bounds a container that had unbounded logs; --log-max-size changes them', async () => {
    // A container made the way berth did before logs were capped: the engine's default json-file, no max-size.
    const old = await docker.createContainer({
      Image: IMG,
      Cmd: ['sleep', '600'],
      name: `${room}.legacy`,
      Labels: { 'berth.room': room, 'berth.kind': 'container', 'berth.name': 'legacy', 'berth.managed': 'true' },
      HostConfig: { NetworkMode: `berth-${room}`, LogConfig: { Type: 'json-file', Config: {} } },
    });
    await old.start();
    expect((await cli('-o', 'json', 'container', 'get', 'legacy')).stdout).toContain('"bounded": false');
    expect((await cli('container', 'get', 'legacy')).stdout).toMatch(/logs:\s+json-file, unbounded/);
    const r = await cli('container', 'update', 'legacy', '--env', 'A=1', '--time', '0');
    expect(r.code, r.stderr).toBe(0);
    expect(await logConfigOf('legacy')).toEqual({ Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } });
    const r2 = await cli('container', 'update', 'legacy', '--log-max-size', '5m', '--time', '0');
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stdout).toContain('logs');
    expect(await logConfigOf('legacy')).toEqual({ Type: 'json-file', Config: { 'max-size': '5m', 'max-file': '3' } });
    const same = await cli('container', 'update', 'legacy', '--log-max-size', '5m');
    expect(same.code).toBe(ExitCode.usage);
  });

  it.each([
    [['--log-max-size', '10x'], 'invalid --log-max-size "10x"'],
    [['--log-max-size', '0'], 'invalid --log-max-size "0"'],
    [['--log-max-files', '0'], 'invalid --log-max-files "0"'],
    [['--log-max-files', '2.5'], 'invalid --log-max-files "2.5"'],
  ])('refuses %j in one line and creates nothing', async (flags, message) => {
    const before = (await roomContainers(room)).length;
    expectOneLineError(await cli('container', 'run', IMG, '-d', ...flags, '--', 'sleep', '600'), ExitCode.usage, message);
    expectOneLineError(await cli('run', IMG, ...flags, '--', 'true'), ExitCode.usage, message);
    expect((await roomContainers(room)).length).toBe(before);
  });

  it('a flooding container rotates its log instead of growing without end', async () => {
    const r = await cli('container', 'run', IMG, '-d', '--name', 'flood', '--log-max-size', '16k', '--log-max-files', '2', '--',
      'sh', '-c', 'i=0; while [ $i -lt 20000 ]; do echo "flood line $i"; i=$((i+1)); done; exec sleep 600');
    expect(r.code, r.stderr).toBe(0);
    const info = await inspectByName(room, 'flood');
    await waitFor(() => fs.existsSync(`${info.LogPath}.1`), 'the log to rotate');
    await waitFor(async () => (await inspectByName(room, 'flood')).State.Running && (await docker.getContainer(info.Id).logs({ stdout: true, tail: 1 })).toString().includes('19999'), 'the loop to end');
    const files = fs.readdirSync(path.dirname(info.LogPath)).filter((f) => f.startsWith(path.basename(info.LogPath)));
    expect(files.length).toBeLessThanOrEqual(2);
    const total = files.reduce((n, f) => n + fs.statSync(path.join(path.dirname(info.LogPath), f)).size, 0);
    expect(total).toBeLessThan(3 * 16 * 1024); // ~600 kB were written
  });
});
