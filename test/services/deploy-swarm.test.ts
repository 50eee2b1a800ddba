// berth deploy on a Swarm manager: a single-node swarm this file initialises (and leaves in afterAll, so it is up only
// while this file runs). Replicas, start-first updates that roll back on failure, a healthcheck from --liveness,
// labels on the service, the room network as an overlay, service list showing running/desired.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { swarmServiceName, overlayNetworkName } from '../../src/runtime/services/index.js';
import {
  EXIT1_IMAGE_LINES,
  WEB_IMAGE_LINES,
  buildTestImage,
  get,
  removeImages,
  removeServiceRooms,
  requestLoop,
  runBerth,
  startProxy,
  uniqueTag,
} from '../support/deploy-helpers.js';
import { docker, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

// Deploys wait for health, settle and drain on a machine shared with other test runs: generous, not wall-clock asserted.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });

const home = tempHome();
const room = uniqueRoom('ds');
const WEB = uniqueTag('web');
const EXIT1 = uniqueTag('exit1');
const domain = `web.${room}.test`;
let initialised = false;
let proxy: Awaited<ReturnType<typeof startProxy>> | undefined;

const berth = (...args: string[]) => runBerth(home, ['--room', room, ...args], { env: { BERTH_DEPLOY_MODE: 'auto' } });
const flags = (tag: string, version: string) => [
  'deploy', '--tag', tag, '--name', 'web', '--replicas', '2', '--port', '8080', '--env', `VERSION=${version}`,
  '--domain', domain, '--liveness', 'http:/health', '--liveness-interval', '1s', '--health-timeout', '90s',
];

beforeAll(async () => {
  const state = (await docker.info()).Swarm?.LocalNodeState;
  if (state !== 'active') {
    execFileSync('docker', ['swarm', 'init', '--advertise-addr', '127.0.0.1'], { stdio: 'ignore' });
    initialised = true;
  }
  await buildTestImage(WEB, WEB_IMAGE_LINES);
  await buildTestImage(EXIT1, EXIT1_IMAGE_LINES);
  proxy = await startProxy(home);
}, 180_000);


afterAll(async () => {
  await proxy?.stop();
  try {
    const services = await docker.listServices({ filters: { label: [`berth.room=${room}`] } });
    await Promise.all(services.map((s) => docker.getService(s.ID!).remove().catch(() => {})));
    // Tasks' containers go away with the service; wait so the overlay network can be removed.
    await waitFor(async () => (await docker.listContainers({ all: true, filters: { label: [`berth.room=${room}`] } })).length === 0, 'service tasks to go', 60_000).catch(() => {});
    await removeServiceRooms([room]);
  } finally {
    if (initialised) execFileSync('docker', ['swarm', 'leave', '--force'], { stdio: 'ignore' });
    await removeImages([WEB, EXIT1]);
    fs.rmSync(home, { recursive: true, force: true });
  }
}, 180_000);

describe('berth deploy on a Swarm manager', () => {
  it('creates a Swarm service with replicas, start-first rollback updates, a healthcheck and an overlay network', async () => {
    const r = await berth(...flags(WEB, 'v1'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('created service web (revision 1)');
    const [svc] = await docker.listServices({ filters: { name: [swarmServiceName(room, 'web')] } });
    const spec = (await docker.getService(svc!.ID!).inspect()).Spec;
    expect(spec.Labels).toMatchObject({ 'berth.kind': 'service', 'berth.room': room, 'berth.service': 'web', 'berth.domain': domain, 'traefik.enable': 'true' });
    expect(spec.Mode.Replicated.Replicas).toBe(2);
    expect(spec.UpdateConfig).toMatchObject({ Order: 'start-first', FailureAction: 'rollback' });
    expect(spec.TaskTemplate.ContainerSpec.Healthcheck.Test.join(' ')).toContain('http://127.0.0.1:8080/health');
    expect(spec.TaskTemplate.LogDriver).toEqual({ Name: 'json-file', Options: { 'max-size': '10m', 'max-file': '3' } });
    const net = await docker.getNetwork(spec.TaskTemplate.Networks[0].Target).inspect();
    expect(net).toMatchObject({ Name: overlayNetworkName(room), Driver: 'overlay' });

    const list = await berth('service', 'list', '-o', 'json');
    const listed = JSON.parse(list.stdout).items[0] as { ports: { hostPort?: number; containerPort: number; protocol: string }[] };
    expect(listed).toMatchObject({ name: 'web', mode: 'swarm', running: 2, desired: 2 });
    // Each task publishes 8080 on host ports of its own (mode=host; this engine gives IPv4 and IPv6 one each): list
    // and inspect show exactly the ones the running tasks report.
    const tasks = (await docker.listTasks({ filters: { service: [swarmServiceName(room, 'web')], 'desired-state': ['running'] } })) as {
      Status?: { State?: string; PortStatus?: { Ports?: { PublishedPort?: number }[] } };
    }[];
    const published = tasks.filter((t) => t.Status?.State === 'running').flatMap((t) => (t.Status?.PortStatus?.Ports ?? []).map((p) => p.PublishedPort)).sort();
    expect(published.length).toBeGreaterThanOrEqual(2);
    for (const p of listed.ports) expect(p).toMatchObject({ containerPort: 8080, protocol: 'tcp', hostPort: expect.any(Number) });
    expect(listed.ports.map((p) => p.hostPort).sort()).toEqual(published);
    const detail = JSON.parse((await berth('service', 'inspect', 'web', '-o', 'json')).stdout) as { containers: { ports: { hostPort?: number }[] }[] };
    const byTask = detail.containers.flatMap((c) => c.ports.map((p) => p.hostPort)).sort();
    expect(byTask).toEqual(listed.ports.map((p) => p.hostPort).sort());
    expect((await berth('service', 'list')).stdout).toMatch(/^web\s+\S+\s+1\s+2\/2\s+healthy/m);
    await waitFor(async () => (await get(proxy!.port, domain)).body.trim() === 'v1', 'the proxy to route to the Swarm service', 30_000);
  });

  it('updates start-first with no failed request through berth proxy (and the update\'s log limits)', async () => {
    const loop = requestLoop(proxy!.port, domain);
    const r = await berth(...flags(WEB, 'v2'), '--log-max-size', '1m', '--log-max-files', '2');
    const { failures, seen } = await loop.stop();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('updated service web to revision 2 (was 1)');
    expect(failures).toEqual([]);
    expect(seen.get('v2')).toBeGreaterThan(0);
    const [svc] = await docker.listServices({ filters: { name: [swarmServiceName(room, 'web')] } });
    expect((await docker.getService(svc!.ID!).inspect()).Spec.TaskTemplate.LogDriver).toEqual({ Name: 'json-file', Options: { 'max-size': '1m', 'max-file': '2' } });
  });

  it('keeps serving when the new revision fails: Swarm rolls back and berth exits non-zero', async () => {
    const loop = requestLoop(proxy!.port, domain);
    const r = await berth(...flags(EXIT1, 'v3'));
    const { failures, seen } = await loop.stop();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/deploy of web revision 3 failed: .*; revision 2 keeps serving/);
    expect(failures).toEqual([]);
    expect([...seen.keys()]).toEqual(['v2']);
    const [svc] = await docker.listServices({ filters: { name: [swarmServiceName(room, 'web')] } });
    const spec = (await docker.getService(svc!.ID!).inspect()).Spec;
    expect(spec.TaskTemplate.ContainerSpec.Image).toContain(WEB);
    const list = JSON.parse((await berth('service', 'list', '-o', 'json')).stdout).items[0];
    expect(list).toMatchObject({ revision: 2, desired: 2 });
  });

  it('merges the logs of the tasks and removes the Swarm service', async () => {
    const logs = await berth('service', 'logs', 'web');
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/web\.\d \| started v2/);
    const rm = await berth('service', 'remove', 'web');
    expect(rm.code, rm.stderr).toBe(0);
    expect(await docker.listServices({ filters: { name: [swarmServiceName(room, 'web')] } })).toEqual([]);
  });
});
