// What an update keeps and what a domain belongs to, on a plain engine through the built binary: a redeploy with
// only a new tag keeps the ports, domain and env (and prints what changed), --clear drops a setting; a domain held
// by a service in one room is refused to another room, and the proxy never routes it there; a known host with
// nothing running answers 503; a failed deploy leaves UPDATED alone; `service list --all` names the room;
// `room delete` refuses a room with services and with --force removes them, their history, routes and room tokens.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ExitCode } from '../../src/runtime/core/index.js';
import { expectOneLineError } from '../support/container-helpers.js';
import {
  EXIT1_IMAGE_LINES,
  WEB_IMAGE_LINES,
  buildTestImage,
  get,
  removeImages,
  removeServiceRooms,
  runBerth,
  serviceContainerId,
  serviceContainers,
  startProxy,
  uniqueTag,
} from '../support/deploy-helpers.js';
import { docker, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });
process.env.BERTH_DEPLOY_MODE = 'engine';

const home = tempHome();
const roomA = uniqueRoom('du');
const roomB = uniqueRoom('du');
const roomC = uniqueRoom('du');
const WEB1 = uniqueTag('v1');
const WEB2 = uniqueTag('v2');
const EXIT1 = uniqueTag('exit1');
const domain = `web.${roomA}.test`;
const intruder = `intruder-${roomB}`;
let proxy: Awaited<ReturnType<typeof startProxy>>;

const berth = (room: string, ...args: string[]) => runBerth(home, ['--room', room, ...args]);
const fast = ['--settle', '500ms', '--drain', '100ms', '--health-timeout', '20s'];

interface Listed {
  room: string;
  name: string;
  image: string;
  ports: { containerPort: number; hostPort?: number }[];
  domain?: string;
  updated: string;
  revision: number;
}
async function listed(room: string, name: string): Promise<Listed | undefined> {
  // --all: a room that holds nothing (a refused deploy made none) is "not found" to `-r ROOM service list`.
  const r = await berth(room, 'service', 'list', '--all', '-o', 'json');
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout).items as (Listed & { room: string })[]).find((s) => s.name === name && s.room === room);
}

beforeAll(async () => {
  await buildTestImage(WEB1, WEB_IMAGE_LINES);
  await buildTestImage(WEB2, [...WEB_IMAGE_LINES, 'ENV VERSION=image-v2']);
  await buildTestImage(EXIT1, EXIT1_IMAGE_LINES);
  proxy = await startProxy(home);
  const r = await berth(roomA, 'deploy', '--tag', WEB1, '--name', 'web', '--port', '8080', '--domain', domain, '--env', 'VERSION=v1', '--env', 'APP=one', '--liveness', 'http:/health', ...fast);
  expect(r.code, r.stderr).toBe(0);
});

afterAll(async () => {
  await proxy?.stop();
  await docker.getContainer(intruder).remove({ force: true }).catch(() => {});
  await removeServiceRooms([roomA, roomB, roomC]);
  await removeImages([WEB1, WEB2, EXIT1]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('an update keeps what the command leaves out', () => {
  it('a redeploy with only a new tag keeps ports, domain, env and liveness, and prints one line per change', async () => {
    const r = await berth(roomA, 'deploy', '--tag', WEB2, '--name', 'web');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('updated service web to revision 2 (was 1)');
    expect(r.stdout).toContain(`, domain ${domain}`);
    const changes = r.stdout.split('\n').filter((l) => l.startsWith('  '));
    expect(changes).toEqual([`  image: ${WEB1} -> ${WEB2}`]);
    const svc = await listed(roomA, 'web');
    expect(svc).toMatchObject({ image: WEB2, revision: 2, domain });
    expect(svc!.ports.map((p) => p.containerPort)).toEqual([8080]);
    // The env came along (VERSION=v1 over the image's), and the proxy still routes the domain.
    expect((await get(proxy.port, domain)).body.trim()).toBe('v1');
    const info = await docker.getContainer(await serviceContainerId(roomA, 'web')).inspect();
    expect(info.Config.Env).toEqual(expect.arrayContaining(['VERSION=v1', 'APP=one']));
  });

  it('--env sets one name on top of the kept ones; the change lines say which', async () => {
    const r = await berth(roomA, 'deploy', '--tag', WEB2, '--name', 'web', '--env', 'VERSION=v3');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('  '))).toEqual(['  env VERSION: v1 -> v3']);
    expect((await get(proxy.port, domain)).body.trim()).toBe('v3');
    const info = await docker.getContainer(await serviceContainerId(roomA, 'web')).inspect();
    expect(info.Config.Env).toEqual(expect.arrayContaining(['VERSION=v3', 'APP=one']));
  });

  it('a kept domain without the port it needs is one usage line naming --clear', async () => {
    expectOneLineError(
      await berth(roomA, 'deploy', '--tag', WEB2, '--name', 'web', '--port', '8080', '--port', '8081'),
      ExitCode.usage,
      '--clear domain drops it',
    );
    expect((await berth(roomA, 'deploy', '--tag', WEB2, '--name', 'web', '--clear', 'bogus')).code).toBe(ExitCode.usage);
  });
});

describe('a known host with nothing running', () => {
  it('answers 503 through the proxy, and 200 again once the service runs', async () => {
    const id = await serviceContainerId(roomA, 'web');
    await docker.getContainer(id).stop({ t: 1 });
    try {
      await waitFor(async () => (await get(proxy.port, domain)).status === 503, 'a 503 for the stopped service');
      const r = await get(proxy.port, domain);
      expect(r.status).toBe(503);
      expect(r.body).toContain(`no running revision for ${domain}`);
      expect((await get(proxy.port, 'nobody.test')).status).toBe(404);
    } finally {
      await docker.getContainer(id).start().catch(() => {});
    }
    await waitFor(async () => (await get(proxy.port, domain)).status === 200, 'the service answering again', 30_000);
  });
});

describe('a domain belongs to one service', () => {
  it('refuses a deploy in another room that claims it, naming the holder, and creates nothing', async () => {
    const r = await berth(roomB, 'deploy', '--tag', WEB1, '--name', 'web', '--port', '8080', '--domain', domain, ...fast);
    expectOneLineError(r, ExitCode.conflict, `domain ${domain} is held by service web in room ${roomA}`);
    expect(await serviceContainers(roomB, 'web')).toEqual([]);
    expect(await listed(roomB, 'web')).toBeUndefined();
    // Another service in the same room is refused too; the holder itself may redeploy with it.
    expectOneLineError(await berth(roomA, 'deploy', '--tag', WEB1, '--name', 'other', '--port', '8080', '--domain', domain), ExitCode.conflict, 'is held by service web');
  });

  it('the proxy routes a host to its holder only, even when another container carries the domain', async () => {
    // What an older berth let happen: a container of a service in another room labelled with the same domain (and
    // the revision the holder serves, so only the route's owner can tell them apart).
    const c = await docker.createContainer({
      name: intruder,
      Image: WEB1,
      Env: ['VERSION=intruder'],
      Labels: { 'berth.room': roomB, 'berth.kind': 'service', 'berth.service': 'web', 'berth.service.revision': '3', 'berth.name': 'web-r3', 'berth.domain': domain, 'berth.service.port': '8080' },
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] }, LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '1' } } },
    });
    await c.start();
    try {
      await waitFor(async () => (await docker.getContainer(intruder).inspect()).NetworkSettings.Ports['8080/tcp']?.[0]?.HostPort, 'the intruder publishing its port');
      const bodies = new Set<string>();
      for (let i = 0; i < 12; i++) bodies.add((await get(proxy.port, domain)).body.trim());
      expect([...bodies]).toEqual(['v3']);
    } finally {
      await c.remove({ force: true });
    }
  });
});

describe('service list', () => {
  it('keeps UPDATED when a deploy fails', async () => {
    const before = await listed(roomA, 'web');
    const r = await berth(roomA, 'deploy', '--tag', EXIT1, '--name', 'web');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('revision 3 keeps serving');
    const after = await listed(roomA, 'web');
    expect(after!.updated).toBe(before!.updated);
    expect(after!.revision).toBe(3);
  });

  it('--all has a ROOM column', async () => {
    const r = await runBerth(home, ['service', 'list', '--all']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^ROOM\s+NAME\s+IMAGE/);
    expect(r.stdout).toMatch(new RegExp(`^${roomA}\\s+web\\s`, 'm'));
  });

  it('--clear drops a setting: the domain and the ports go, the proxy no longer knows the host', async () => {
    const r = await berth(roomA, 'deploy', '--tag', WEB2, '--name', 'web', '--clear', 'domain', '--clear', 'ports', '--clear', 'liveness');
    expect(r.code, r.stderr).toBe(0);
    const changes = r.stdout.split('\n').filter((l) => l.startsWith('  '));
    expect(changes).toEqual(['  ports: 8080/tcp -> none', `  domain: ${domain} -> none`, '  liveness: http:/health -> none']);
    const svc = await listed(roomA, 'web');
    expect(svc!.ports).toEqual([]);
    expect(svc!.domain).toBeUndefined();
    expect((await get(proxy.port, domain)).status).toBe(404);
  });
});

describe('room delete', () => {
  it('refuses a room with services, and with --force removes them, their history, routes and room tokens', async () => {
    const cdomain = `gone.${roomC}.test`;
    const d = await berth(roomC, 'deploy', '--tag', WEB1, '--name', 'gone', '--port', '8080', '--domain', cdomain, '--token', ...fast);
    expect(d.code, d.stderr).toBe(0);
    expect((await get(proxy.port, cdomain)).status).toBe(200);
    const token = path.join(home, 'data', 'secrets', `room-token.${roomC}.tester`);
    expect(fs.existsSync(token)).toBe(true);

    expectOneLineError(await runBerth(home, ['room', 'delete', roomC]), ExitCode.conflict, `room "${roomC}" has 1 service (gone): use --force`);
    expect((await serviceContainers(roomC, 'gone')).length).toBe(1);

    const r = await runBerth(home, ['room', 'delete', roomC, '--force']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`deleted room ${roomC}, removed 1 service (gone)`);
    expect(r.stdout).toContain('revoked 1 room token');
    expect(await serviceContainers(roomC, 'gone')).toEqual([]);
    const all = JSON.parse((await runBerth(home, ['service', 'list', '--all', '-o', 'json'])).stdout).items as Listed[];
    expect(all.filter((s) => s.room === roomC)).toEqual([]);
    expect(fs.existsSync(token)).toBe(false);
    await waitFor(async () => (await get(proxy.port, cdomain)).status === 404, 'the route gone');
  });
});
