// Container lifecycle against the real engine: run with every option, rooms scoping names, start/stop/restart/
// pause/unpause/kill/delete with state checks, get/status, wait, and the audit log.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditLog, ExitCode } from '../../src/runtime/core/index.js';
import { cliFor, expectOneLineError, IMG, inspectByName, roomContainers } from '../support/container-helpers.js';
import { docker, removeRooms, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('cl');
const other = uniqueRoom('cl');
const cli = cliFor(home, room);
afterAll(async () => {
  await removeRooms([room, other]);
  fs.rmSync(home, { recursive: true, force: true });
});
const audit = () => new AuditLog(path.join(home, 'data', 'actions.jsonl')).read();

describe('container run', () => {
  it('creates a labelled container on the room network with resources, ports, env, tags and the room storage', async () => {
    fs.mkdirSync(path.join(home, 'data', 'rooms', room), { recursive: true });
    const r = await cli(
      'container', 'run', IMG, '-d', '--name', 'web', '--tag', 'blue', '--tag', 'api',
      '--env', 'MODE=dev', '--env', 'API_TOKEN=hunter2', '--cpus', '0.5', '--memory', '64m', '--pids', '50',
      '--port', '127.0.0.1::80/udp', '--mount-path', '/data', '--agent', 'claude', '--role', 'builder',
      '--', 'sh', '-c', 'echo hi > /data/out.txt; exec sleep 600',
    );
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    const info = await inspectByName(room, 'web');
    expect(info.Id).toBe(id);
    expect(info.Config.Labels).toMatchObject({
      'berth.room': room, 'berth.kind': 'container', 'berth.name': 'web', 'berth.agent': 'claude', 'berth.role': 'builder', 'berth.tags': 'blue,api',
    });
    expect(info.Config.Env).toEqual(expect.arrayContaining(['MODE=dev', 'API_TOKEN=hunter2']));
    expect(info.Config.Cmd).toEqual(['sh', '-c', 'echo hi > /data/out.txt; exec sleep 600']);
    expect(info.HostConfig).toMatchObject({ NanoCpus: 5e8, Memory: 64 * 1024 * 1024, PidsLimit: 50, NetworkMode: `berth-${room}` });
    expect(info.HostConfig.PortBindings).toEqual({ '80/udp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    expect(info.NetworkSettings.Networks[`berth-${room}`]!.Aliases).toContain('web');
    const storage = path.join(home, 'data', 'rooms', room);
    // The room storage where asked, and the agent's workspace (beside the room storage, which containers can write) at
    // /workspace always: both berth-owned directories that no container can swap (storage-mounts.ts).
    expect(info.HostConfig.Mounts).toEqual([
      { Type: 'bind', Source: storage, Target: '/data' },
      { Type: 'bind', Source: path.join(home, 'data', 'workspaces', room, 'claude'), Target: '/workspace' },
    ]);
    // Written by the container once it runs: run -d returns when it started, not when its command got that far.
    await waitFor(() => fs.existsSync(path.join(storage, 'out.txt')), 'the container to write into the room storage');
    expect(fs.readFileSync(path.join(storage, 'out.txt'), 'utf8')).toBe('hi\n');

    const get = await cli('container', 'get', 'web', '-o', 'json');
    const detail = JSON.parse(get.stdout);
    expect(detail.env).toEqual(expect.arrayContaining(['MODE=dev', 'API_TOKEN=***']));
    expect(get.stdout).not.toContain('hunter2');
    expect(detail).toMatchObject({ name: 'web', agent: 'claude', role: 'builder', tags: ['blue', 'api'], resources: { cpus: 0.5, memory: 67108864, pids: 50 } });
    // The engine lists a container's mounts in no fixed order.
    expect(detail.mounts).toHaveLength(2);
    expect(detail.mounts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source: storage, target: '/data' }),
        expect.objectContaining({ source: path.join(home, 'data', 'workspaces', room, 'claude'), target: '/workspace' }),
      ]),
    );
    const table = await cli('container', 'inspect', id.slice(0, 10));
    expect(table.stdout).toMatch(/^memory:\s+64MiB$/m);
    expect(table.stdout).toContain('API_TOKEN=***');

    const run = audit().find((l) => l.action === 'container.run' && l.target === `${room}/web`)!;
    expect(run.result).toBe('ok');
    expect(run.actor).toBe('tester');
    expect(JSON.stringify(run)).not.toContain('hunter2');
  });

  it('scopes names to the room: two rooms can each have a "web"', async () => {
    const r = await cliFor(home, other)('container', 'run', IMG, '-d', '--name', 'web', '--', 'sleep', '600');
    expect(r.code, r.stderr).toBe(0);
    const here = JSON.parse((await cli('container', 'get', 'web', '-o', 'json')).stdout);
    const there = JSON.parse((await cliFor(home, other)('container', 'get', 'web', '-o', 'json')).stdout);
    expect(here.room).toBe(room);
    expect(there.room).toBe(other);
    expect(here.id).not.toBe(there.id);
    // Default agent comes from BERTH_AGENT, then config; a generated name when none is given.
    expect(there.agent).toBe('tester');
    const gen = await cliFor(home, other)('container', 'run', IMG, '-d', '-o', 'json', '--', 'sleep', '600');
    expect(JSON.parse(gen.stdout).name).toMatch(/^berth-fixture-[0-9a-f]{6}$/);
  });
});

describe('lifecycle verbs', () => {
  it('pause, unpause, stop, start, restart, kill and delete, each checking the state first', async () => {
    const run = await cli('container', 'run', IMG, '-d', '--name', 'life', '--', 'sleep', '600');
    expect(run.code, run.stderr).toBe(0);
    const id = run.stdout.trim();
    const state = async () => (await docker.getContainer(id).inspect()).State.Status;

    expect((await cli('container', 'pause', 'life')).stdout).toContain('paused life');
    expect(await state()).toBe('paused');
    expectOneLineError(await cli('container', 'pause', 'life'), ExitCode.conflict, 'is already paused');
    expectOneLineError(await cli('container', 'start', 'life'), ExitCode.conflict, 'is paused: use unpause');
    expect((await cli('container', 'unpause', id)).code).toBe(0);
    expect(await state()).toBe('running');
    expectOneLineError(await cli('container', 'unpause', 'life'), ExitCode.conflict, 'is not paused');

    const stop = await cli('container', 'stop', id.slice(0, 12), '--time', '0', '-o', 'json');
    expect(JSON.parse(stop.stdout).state).toBe('exited');
    expectOneLineError(await cli('container', 'pause', 'life'), ExitCode.conflict, `container "life" in room "${room}" is not running (exited)`);
    expect(await state()).toBe('exited'); // nothing changed
    // As docker: stopping a stopped container succeeds and changes nothing (nor is it audited: nothing was done).
    expect(await cli('container', 'stop', 'life')).toMatchObject({ code: 0, stderr: '' });
    expect(await state()).toBe('exited');
    expectOneLineError(await cli('container', 'restart', 'life', '--time', 'soon'), ExitCode.usage, 'invalid --time "soon": use a whole number, 0 or more');
    expect(await state()).toBe('exited');

    expect((await cli('container', 'start', 'life')).stdout).toContain('started life (running)');
    expect(await cli('container', 'start', 'life')).toMatchObject({ code: 0, stdout: 'started life (running)\n', stderr: '' });
    const before = (await docker.getContainer(id).inspect()).State.StartedAt;
    expect((await cli('container', 'restart', 'life', '-t', '0')).code).toBe(0);
    expect((await docker.getContainer(id).inspect()).State.StartedAt).not.toBe(before);

    expectOneLineError(await cli('container', 'kill', 'life', '--signal', 'NOPE'), ExitCode.usage, 'invalid --signal "NOPE"');
    expect(await state()).toBe('running');
    expect((await cli('container', 'kill', 'life', '--signal', 'KILL')).code).toBe(0);
    const status = JSON.parse((await cli('container', 'status', 'life', '-o', 'json')).stdout);
    expect(status).toMatchObject({ state: 'exited', running: false, exitCode: 137, oomKilled: false, restartCount: 0 });

    await cli('container', 'start', 'life');
    expectOneLineError(await cli('container', 'delete', 'life'), ExitCode.conflict, 'is running: stop it first or use --force');
    expect(await state()).toBe('running');
    const del = await cli('container', 'delete', 'life', '--force');
    expect(del.stdout).toContain(`deleted life (${id.slice(0, 12)})`);
    await expect(docker.getContainer(id).inspect()).rejects.toMatchObject({ statusCode: 404 });

    const actions = audit().filter((l) => l.target === `${room}/life`).map((l) => `${l.action}:${l.result}`);
    expect(actions).toEqual([
      'container.run:ok', 'container.pause:ok', 'container.unpause:ok', 'container.stop:ok', 'container.start:ok',
      'container.restart:ok', 'container.kill:ok', 'container.start:ok', 'container.delete:ok',
    ]);
  });

  it('takes several containers as docker does: each reported, non-zero when any failed; -q ids of 12 characters', async () => {
    const ids: string[] = [];
    for (const name of ['many-a', 'many-b']) {
      const r = await cli('container', 'run', IMG, '-d', '--name', name, '--', 'sleep', '600');
      expect(r.code, r.stderr).toBe(0);
      ids.push(r.stdout.trim());
    }
    // Other tests of this file may leave running containers in the room: ours are listed, every id as docker prints it.
    const listed = (await cli('container', 'list', '-q')).stdout.trim().split('\n');
    expect(listed).toEqual(expect.arrayContaining(ids.map((id) => id.slice(0, 12))));
    expect(listed.every((id) => /^[0-9a-f]{12}$/.test(id))).toBe(true);
    const full = (await cli('container', 'list', '-q', '--no-trunc')).stdout.trim().split('\n');
    expect(full).toEqual(expect.arrayContaining(ids));
    expect(full.every((id) => /^[0-9a-f]{64}$/.test(id))).toBe(true);

    const stop = await cli('container', 'stop', 'many-a', 'many-ghost', 'many-b', '-t', '0');
    expect(stop.stdout).toMatch(/^stopped many-a \(.*\)\nstopped many-b \(.*\)\n$/);
    expect(stop.stderr).toBe(`berth: container "many-ghost" not found in room "${room}"\nberth: 1 of 3 containers failed\n`);
    expect(stop.code).toBe(ExitCode.notFound);
    expect((await cli('container', 'start', 'many-a', 'many-b')).stdout).toBe('started many-a (running)\nstarted many-b (running)\n');
    expect((await cli('container', 'restart', 'many-a', 'many-b', '-t', '0')).code).toBe(0);
    expect((await cli('container', 'kill', 'many-a', 'many-b')).stdout).toBe('sent SIGKILL to many-a (exited)\nsent SIGKILL to many-b (exited)\n');
    const del = await cli('container', 'rm', 'many-a', 'many-b');
    expect(del).toMatchObject({ code: 0, stdout: `deleted many-a (${ids[0]!.slice(0, 12)})\ndeleted many-b (${ids[1]!.slice(0, 12)})\n` });
  });

  it('status shows uptime while running and the exit code after', async () => {
    await cli('container', 'run', IMG, '-d', '--name', 'st', '--', 'sh', '-c', 'sleep 600');
    const up = JSON.parse((await cli('container', 'status', 'st', '-o', 'json')).stdout);
    expect(up).toMatchObject({ state: 'running', running: true, exitCode: null });
    expect(up.uptimeMs).toBeGreaterThanOrEqual(0);
    const text = await cli('container', 'status', 'st');
    expect(text.stdout).toMatch(/^uptime:\s+\d+s$/m);
  });

  it('wait returns when the state is reached and exits 7 on timeout', async () => {
    await cli('container', 'run', IMG, '-d', '--name', 'short', '--', 'sh', '-c', 'sleep 1; exit 3');
    const exited = await cli('container', 'wait', 'short', '--for', 'exited', '--timeout', '30s');
    expect(exited.code, exited.stderr).toBe(0);
    expect(exited.stdout).toContain('short is exited (exit code 3)');

    expectOneLineError(await cli('container', 'wait', 'short', '--for', 'running', '--timeout', '300ms'), ExitCode.timeout, 'to be running (it is exited)');
    const waiting = cli('container', 'wait', 'short', '--for', 'running', '--timeout', '30s');
    expect((await cli('container', 'start', 'short')).code).toBe(0);
    const running = await waiting;
    expect(running.code, running.stderr).toBe(0);
    expect(running.stdout).toContain('short is running');

    const timeout = await cli('container', 'wait', 'st', '--for', 'exited', '--timeout', '300ms');
    expectOneLineError(timeout, ExitCode.timeout, 'timed out waiting for container "st" to be exited (it is running)');
    expectOneLineError(await cli('container', 'wait', 'st', '--timeout', 'soon'), ExitCode.usage, 'invalid --timeout "soon"');
  });

  it('reports unknown containers, rooms and bad room names in one line', async () => {
    for (const verb of ['start', 'stop', 'pause', 'get', 'status', 'delete']) {
      expectOneLineError(await cli('container', verb, 'ghost'), ExitCode.notFound, `container "ghost" not found in room "${room}"`);
    }
    expectOneLineError(await cliFor(home, 'no-such-room-zz')('container', 'list'), ExitCode.notFound, 'room "no-such-room-zz" not found');
    expectOneLineError(await cliFor(home, 'Bad_Room')('container', 'stop', 'x'), ExitCode.usage, 'invalid room name "Bad_Room"');
    // A short id-like ref is never taken as a prefix of someone else's id.
    const all = await roomContainers(room);
    const twoChars = all[0]!.Id.slice(0, 2);
    expectOneLineError(await cli('container', 'get', twoChars), ExitCode.notFound, 'not found');
  });
});
