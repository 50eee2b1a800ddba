// Where a deploy on this machine binds its published ports: the ports.defaultHost setting (loopback unless set), the
// same default as containers, jobs and plugin runs; service list shows the bound address.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WEB_IMAGE_LINES, buildTestImage, removeImages, removeServiceRooms, runBerth, serviceContainers, uniqueTag } from '../support/deploy-helpers.js';
import { docker, tempHome, uniqueRoom } from '../support/helpers.js';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });
process.env.BERTH_DEPLOY_MODE = 'engine';

const home = tempHome();
const openHome = tempHome();
const room = uniqueRoom('dpp');
const openRoom = uniqueRoom('dpp');
const WEB = uniqueTag('web');

beforeAll(async () => {
  await buildTestImage(WEB, WEB_IMAGE_LINES);
  fs.mkdirSync(path.join(openHome, 'config'), { recursive: true });
  fs.writeFileSync(path.join(openHome, 'config', 'config.json'), JSON.stringify({ ports: { defaultHost: '0.0.0.0' } }));
});

afterAll(async () => {
  await removeServiceRooms([room, openRoom]);
  await removeImages([WEB]);
  for (const h of [home, openHome]) fs.rmSync(h, { recursive: true, force: true });
});

/** Deploys the web service into the room and returns the address its one container's 8080/tcp is bound to. */
async function deployedBinding(h: string, r: string): Promise<{ configured: string | undefined; bound: string[]; listed: string; agent: string | undefined }> {
  // An empty BERTH_AGENT is no agent (as for containers): the service runs as the default agent.
  const deployed = await runBerth(h, ['--room', r, 'deploy', '--tag', WEB, '--name', 'web', '--port', '8080', '--settle', '1s', '--drain', '1s'], { env: { BERTH_AGENT: '' } });
  expect(deployed.code, deployed.stderr).toBe(0);
  const [container] = await serviceContainers(r, 'web');
  const info = await docker.getContainer(container!.Id).inspect();
  const list = await runBerth(h, ['--room', r, 'service', 'list']);
  expect(list.code, list.stderr).toBe(0);
  return {
    configured: info.HostConfig.PortBindings?.['8080/tcp']?.[0]?.HostIp,
    bound: (info.NetworkSettings.Ports['8080/tcp'] ?? []).map((b) => b.HostIp),
    listed: list.stdout,
    agent: info.Config.Labels['berth.agent'],
  };
}

describe('deploy published ports', () => {
  it('bind to loopback by default, and where ports.defaultHost says when it is set', async () => {
    const lo = await deployedBinding(home, room);
    expect(lo.configured).toBe('127.0.0.1');
    expect(lo.bound).toEqual(['127.0.0.1']);
    expect(lo.listed).toMatch(/127\.0\.0\.1:\d+->8080\/tcp/);
    expect(lo.agent).toBe('user');

    const open = await deployedBinding(openHome, openRoom);
    expect(open.configured).toBe('0.0.0.0');
    expect(open.bound).toContain('0.0.0.0');
    expect(open.listed).toMatch(/0\.0\.0\.0:\d+->8080\/tcp/);
  });
});
