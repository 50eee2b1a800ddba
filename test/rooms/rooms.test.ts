// Rooms against the real engine: lifecycle, counts, refusing then forcing delete, storage, bad names, audit lines.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditLog, ExitCode } from '../../src/runtime/core/index.js';
import { docker, FIXTURE_IMAGE, removeRooms, runCli, tempHome, TEST_LOG_CONFIG, uniqueRoom, roomContainer } from '../support/helpers.js';

const home = tempHome();
const env = { BERTH_HOME: home };
const rooms: string[] = [];
afterAll(async () => {
  await removeRooms(rooms);
  fs.rmSync(home, { recursive: true, force: true });
});

async function startMember(room: string, name: string) {
  return roomContainer(room, name);
}

describe('room lifecycle', () => {
  it('creates a room with its network and storage, lists and inspects it', async () => {
    const room = uniqueRoom();
    rooms.push(room);
    const created = await runCli(['room', 'create', room], env);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(`created room ${room}`);

    const net = await docker.getNetwork(`berth-${room}`).inspect();
    expect(net.Driver).toBe('bridge');
    expect(net.Labels?.['berth.room']).toBe(room);
    expect(fs.statSync(path.join(home, 'data', 'rooms', room)).isDirectory()).toBe(true);

    await startMember(room, 'web');
    const list = await runCli(['room', 'list', '-o', 'json'], env);
    const item = JSON.parse(list.stdout).items.find((r: { name: string }) => r.name === room);
    expect(item).toMatchObject({ name: room, containers: 1, running: 1, services: 0, network: `berth-${room}` });

    const table = await runCli(['room', 'list'], env);
    expect(table.stdout).toMatch(new RegExp(`^${room}\\s+1/1\\s+0\\s+berth-${room}`, 'm'));

    const ids = await runCli(['room', 'list', '-q'], env);
    expect(ids.stdout.split('\n')).toContain(room);

    const inspect = await runCli(['room', 'inspect', room, '-o', 'json'], env);
    const detail = JSON.parse(inspect.stdout);
    expect(detail.members).toEqual([expect.objectContaining({ name: 'web', kind: 'container', state: 'running' })]);
    expect(detail.subnet).toMatch(/\d+\.\d+\.\d+\.\d+\/\d+/);
  });

  it('refuses to delete a room with containers, then removes them with --force and keeps storage', async () => {
    const room = uniqueRoom();
    rooms.push(room);
    expect((await runCli(['room', 'create', room], env)).code).toBe(0);
    const member = await startMember(room, 'worker');

    const refused = await runCli(['room', 'delete', room], env);
    expect(refused.code).toBe(ExitCode.conflict);
    expect(refused.stderr).toContain(`room "${room}" has 1 container: use --force`);
    expect((await member.inspect()).State.Running).toBe(true); // nothing changed

    const forced = await runCli(['room', 'delete', room, '--force'], env);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('removed 1 container, kept storage');
    await expect(member.inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(docker.getNetwork(`berth-${room}`).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(fs.existsSync(path.join(home, 'data', 'rooms', room))).toBe(true);
  });

  it('refuses, changing nothing, while a container of no room is on its network, and names it', async () => {
    const room = uniqueRoom();
    rooms.push(room);
    expect((await runCli(['room', 'create', room], env)).code).toBe(0);
    const member = await startMember(room, 'worker');
    // Not of the room (no berth labels), attached by hand as `docker network connect` would.
    const stranger = await docker.createContainer({ Image: FIXTURE_IMAGE, Cmd: ['sleep', '600'], name: `${room}.stranger`, HostConfig: { LogConfig: TEST_LOG_CONFIG } });
    try {
      await stranger.start();
      await docker.getNetwork(`berth-${room}`).connect({ Container: stranger.id });
      const refused = await runCli(['room', 'delete', room, '--force'], env);
      expect(refused.code).toBe(ExitCode.conflict);
      expect(refused.stderr).toBe(
        `berth: room "${room}": its network berth-${room} is also used by ${room}.stranger, not of the room: disconnect it first (docker network disconnect berth-${room} ${room}.stranger)\n`,
      );
      expect((await member.inspect()).State.Running).toBe(true); // nothing changed
      expect((await docker.getNetwork(`berth-${room}`).inspect()).Name).toBe(`berth-${room}`);

      await docker.getNetwork(`berth-${room}`).disconnect({ Container: stranger.id });
      const forced = await runCli(['room', 'delete', room, '--force'], env);
      expect(forced.code).toBe(0);
      await expect(docker.getNetwork(`berth-${room}`).inspect()).rejects.toMatchObject({ statusCode: 404 });
    } finally {
      await stranger.remove({ force: true });
    }
  });

  it('purges storage only with --purge-storage', async () => {
    const room = uniqueRoom();
    rooms.push(room);
    await runCli(['room', 'create', room], env);
    fs.writeFileSync(path.join(home, 'data', 'rooms', room, 'keep.txt'), 'data');
    const r = await runCli(['room', 'delete', room, '--purge-storage'], env);
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(home, 'data', 'rooms', room))).toBe(false);
  });

  it('reports a duplicate room as a conflict and an unknown room as not found', async () => {
    const room = uniqueRoom();
    rooms.push(room);
    await runCli(['room', 'create', room], env);
    const dup = await runCli(['room', 'create', room], env);
    expect(dup.code).toBe(ExitCode.conflict);
    expect(dup.stderr).toContain(`room "${room}" already exists`);
    for (const verb of ['inspect', 'delete']) {
      const missing = await runCli(['room', verb, 'no-such-room-x'], env);
      expect(missing.code).toBe(ExitCode.notFound);
      expect(missing.stderr).toContain('room "no-such-room-x" not found');
    }
  });

  it.each(['Bad', 'under_score', '-lead', 'trail-', 'a'.repeat(33), 'dot.ted', ''])(
    'rejects the bad room name %j with a usage error and creates nothing',
    async (name) => {
      // Other test files create networks at the same time: only this name's network counts.
      const mine = async () => (await docker.listNetworks({ filters: { label: [`berth.room=${name}`] } })).length;
      const r = await runCli(['room', 'create', name], env);
      expect(r.code).toBe(ExitCode.usage);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/invalid room name|Not enough/);
      expect(await mine()).toBe(0);
    },
  );
});

describe('audit log', () => {
  it('writes one JSON line per mutation, failures included', async () => {
    const auditHome = tempHome();
    const room = uniqueRoom();
    rooms.push(room);
    const e = { BERTH_HOME: auditHome, BERTH_AGENT: 'tester' };
    await runCli(['room', 'create', room], e);
    await runCli(['room', 'create', room], e); // conflict
    await runCli(['room', 'list'], e); // not a mutation
    await runCli(['room', 'delete', room], e);
    const lines = new AuditLog(path.join(auditHome, 'data', 'actions.jsonl')).read();
    expect(lines.map((l) => [l.action, l.target, l.result, l.actor])).toEqual([
      ['room.create', room, 'ok', 'tester'],
      ['room.create', room, 'error', 'tester'],
      ['room.delete', room, 'ok', 'tester'],
    ]);
    expect(lines[1]!.error).toContain('already exists');
    expect(Date.parse(lines[0]!.time)).toBeGreaterThan(0);
    fs.rmSync(auditHome, { recursive: true, force: true });
  });

  it('masks secret values in details', () => {
    const auditHome = tempHome();
    const log = new AuditLog(path.join(auditHome, 'actions.jsonl'));
    log.append({
      actor: 'a',
      action: 'container.run',
      target: 'x',
      result: 'ok',
      details: { env: ['API_TOKEN=hunter2', 'MODE=dev'], password: 'pw', nested: { dbSecret: 's3' } },
    });
    const text = fs.readFileSync(path.join(auditHome, 'actions.jsonl'), 'utf8');
    expect(text).not.toMatch(/hunter2|"pw"|s3/);
    expect(JSON.parse(text).details).toEqual({ env: ['API_TOKEN=***', 'MODE=dev'], password: '***', nested: { dbSecret: '***' } });
    fs.rmSync(auditHome, { recursive: true, force: true });
  });
});

describe('rooms created concurrently', () => {
  it('end with exactly one network when several processes ensure the same room at once', async () => {
    const { RoomService } = await import('../../src/runtime/rooms/index.js');
    const { runtimeFor } = await import('../support/helpers.js');
    const runtimes = Array.from({ length: 6 }, () => runtimeFor(home));
    try {
      // A few rounds: the race this guards (two creates that each list before the other's network shows) is rare.
      for (let round = 0; round < 5; round++) {
        const room = uniqueRoom('race');
        rooms.push(room);
        await Promise.all(runtimes.map((rt) => new RoomService(rt).ensure(room)));
        const nets = await docker.listNetworks({ filters: { name: [`berth-${room}`] } });
        expect(nets.filter((n) => n.Name === `berth-${room}`)).toHaveLength(1);
      }
    } finally {
      runtimes.forEach((rt) => rt.close());
    }
  });
});
