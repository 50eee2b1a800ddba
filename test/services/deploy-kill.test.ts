// SIGKILL of berth at several points of a deploy, then the same deploy run again: it converges to exactly one
// healthy revision serving through berth proxy, no orphan containers, no deploy lock left, the killed run recorded.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DeployState } from '../../src/runtime/services/index.js';
import { WEB_IMAGE_LINES, buildTestImage, get, removeImages, removeServiceRooms, runBerth, serviceContainers, spawnBerth, startProxy, uniqueTag } from '../support/deploy-helpers.js';
import { runtimeFor, tempHome, uniqueRoom } from '../support/helpers.js';

// Deploys wait for health, settle and drain on a machine shared with other test runs: generous, not wall-clock asserted.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });
// In-process runs too keep to the plain engine path (see ENGINE_MODE in deploy-helpers.ts).
process.env.BERTH_DEPLOY_MODE = 'engine';

const home = tempHome();
const room = uniqueRoom('dk');
const WEB = uniqueTag('web');
let proxy: Awaited<ReturnType<typeof startProxy>>;

const flags = (name: string, version: string) => [
  '--room', room, 'deploy', '--tag', WEB, '--name', name, '--port', '8080', '--env', `VERSION=${version}`,
  '--domain', `${name}.${room}.test`, '--settle', '2s', '--drain', '3s',
];

beforeAll(async () => {
  await buildTestImage(WEB, WEB_IMAGE_LINES);
  proxy = await startProxy(home);
  const first = await runBerth(home, flags('web', 'v0'));
  expect(first.code, first.stderr).toBe(0);
});

afterAll(async () => {
  await proxy?.stop();
  await removeServiceRooms([room]);
  await removeImages([WEB]);
  fs.rmSync(home, { recursive: true, force: true });
});

/** Exactly one revision's containers, all running, that revision active, serving `version`, no lock. */
async function expectConverged(name: string, version: string): Promise<number> {
  const containers = await serviceContainers(room, name);
  expect(containers).toHaveLength(1);
  expect(containers[0]!.State).toBe('running');
  const rt = runtimeFor(home);
  try {
    const state = new DeployState(rt.db());
    const active = state.activeRevision(room, name);
    expect(containers[0]!.Labels['berth.service.revision']).toBe(String(active));
    expect(rt.db().prepare("SELECT COUNT(*) AS n FROM locks WHERE key LIKE 'deploy:%'").get()).toEqual({ n: 0 });
    expect(state.revisions(room, name).filter((r) => r.status === 'deploying')).toEqual([]);
    expect((await get(proxy.port, `${name}.${room}.test`)).body.trim()).toBe(version);
    return active!;
  } finally {
    rt.close();
  }
}

const points: [string, RegExp][] = [
  ['right after the new container is started', /web r\d+: starting web-r\d+/],
  ['while the new revision is checked for health', /web r\d+: waiting for/],
  ['while the new revision takes the service name in the room network', /web r\d+: giving web-r\d+ the name web/],
  ['after the switch, while the old revision drains', /web r\d+: draining revision/],
  ['while the old revision is removed', /web r\d+: removing web-r/],
];

describe('a deploy killed with SIGKILL', () => {
  it.each(points)('%s converges when run again', async (_what, at) => {
    const version = `k${Math.random().toString(36).slice(2, 8)}`;
    const killed = spawnBerth(home, flags('web', version));
    await killed.waitFor(at);
    killed.child.kill('SIGKILL');
    expect((await killed.exit).signal).toBe('SIGKILL');
    const killedRevision = Number(/web r(\d+):/.exec(killed.stderr())![1]);

    const rerun = await runBerth(home, flags('web', version));
    expect(rerun.code, rerun.stderr).toBe(0);
    const active = await expectConverged('web', version);
    expect(active).toBeGreaterThan(killedRevision);
    const rt = runtimeFor(home);
    try {
      const row = new DeployState(rt.db()).revision(room, 'web', killedRevision)!;
      // Killed before the switch: recorded as interrupted; after it: it had become the active one, then superseded.
      expect(['interrupted', 'superseded']).toContain(row.status);
      // A drain the kill cut short is finished by the rerun, not left draining in the history.
      expect(['failed', 'done']).toContain(row.phase);
    } finally {
      rt.close();
    }
  });

  it('while the old revision drains: the next service list removes it and finishes the history entry', async () => {
    const first = await runBerth(home, flags('drainer', 'd1'));
    expect(first.code, first.stderr).toBe(0);
    // A drain long enough that only the kill ends it.
    const killed = spawnBerth(home, flags('drainer', 'd2').map((a, i, all) => (all[i - 1] === '--drain' ? '10m' : a)));
    await killed.waitFor(/drainer r\d+: draining revision/);
    killed.child.kill('SIGKILL');
    expect((await killed.exit).signal).toBe('SIGKILL');
    const killedRevision = Number(/drainer r(\d+):/.exec(killed.stderr())![1]);
    // What the kill left: the old revision still running beside the new one.
    expect((await serviceContainers(room, 'drainer')).filter((c) => c.State === 'running')).toHaveLength(2);

    const list = await runBerth(home, ['--room', room, 'service', 'list', '-o', 'json']);
    expect(list.code, list.stderr).toBe(0);
    const listed = (JSON.parse(list.stdout).items as { name: string; revision: number; running: number; desired: number }[]).find((s) => s.name === 'drainer')!;
    expect(listed).toMatchObject({ revision: killedRevision, running: 1, desired: 1 });
    const containers = await serviceContainers(room, 'drainer');
    expect(containers.map((c) => c.Labels['berth.service.revision'])).toEqual([String(killedRevision)]);
    expect(containers[0]!.State).toBe('running');
    const rt = runtimeFor(home);
    try {
      const history = new DeployState(rt.db()).revisions(room, 'drainer');
      expect(history.find((r) => r.revision === killedRevision)).toMatchObject({ status: 'active', phase: 'done' });
      expect(history.filter((r) => r.phase === 'draining' || r.phase === 'switched')).toEqual([]);
      expect(rt.db().prepare("SELECT COUNT(*) AS n FROM locks WHERE key LIKE 'deploy:%'").get()).toEqual({ n: 0 });
    } finally {
      rt.close();
    }
    expect((await get(proxy.port, `drainer.${room}.test`)).body.trim()).toBe('d2');
    const audit = fs.readFileSync(path.join(home, 'data', 'actions.jsonl'), 'utf8');
    expect(audit).toContain('"action":"service.drain"');
  });

  it('during the very first deploy of a service converges too', async () => {
    const killed = spawnBerth(home, flags('fresh', 'f1'));
    await killed.waitFor(/fresh r1: waiting for/);
    killed.child.kill('SIGKILL');
    await killed.exit;
    expect(await serviceContainers(room, 'fresh')).toHaveLength(1); // the orphan the kill left
    const rerun = await runBerth(home, flags('fresh', 'f1'));
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toContain('cleaning up after an interrupted deploy: removing 1 container (fresh-r1)');
    expect(await expectConverged('fresh', 'f1')).toBe(2);
  });
});
