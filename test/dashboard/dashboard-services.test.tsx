// The dashboard's Services view on ink-testing-library against the real engine: a deployed service with replicas
// and health, its deploy history and live logs; R rolls it back and d removes it, each after a confirmation.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KEY, openDashboard } from '../support/dashboard-harness.js';
import { WEB_IMAGE_LINES, buildTestImage, removeImages, removeServiceRooms, serviceContainers, uniqueTag } from '../support/deploy-helpers.js';
import { DashboardStore } from '../../src/app/dashboard-store.js';
import { ServicesStore } from '../../src/app/services-store.js';
import { runCli, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

// Deploys wait for settle and drain on a machine shared with other test runs: generous, not wall-clock asserted.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });
// In-process runs too keep to the plain engine path (see ENGINE_MODE in deploy-helpers.ts).
process.env.BERTH_DEPLOY_MODE = 'engine';

const home = tempHome();
const room = uniqueRoom('dv');
const WEB = uniqueTag('web');
const deploy = (version: string) =>
  runCli(['--room', room, 'deploy', '--tag', WEB, '--name', 'web', '--port', '8080', '--env', `VERSION=${version}`, '--settle', '1s', '--drain', '500ms'], {
    BERTH_HOME: home,
    BERTH_AGENT: 'tester',
  });

beforeAll(async () => {
  await buildTestImage(WEB, WEB_IMAGE_LINES);
  for (const v of ['v1', 'v2']) {
    const r = await deploy(v);
    expect(r.code, r.stderr).toBe(0);
  }
});

afterAll(async () => {
  await removeServiceRooms([room]);
  await removeImages([WEB]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('Services view', () => {
  it('shows replicas, health, history and live logs; rolls back and removes after a confirmation', async () => {
    const dash = await openDashboard(home, room, { columns: 130 });
    try {
      dash.press(':', ...'services', KEY.enter);
      await dash.waitForFrame((f) => f.includes(`Services in ${room}`) && /web\s+1\/1\s+r2\s+running/.test(f), 'the service row');
      await dash.waitForFrame((f) => /r2 active/.test(f) && /r1 superseded/.test(f), 'the deploy history');
      await dash.waitForFrame((f) => f.includes('web-r2 | started v2'), 'the live logs');

      dash.press('R');
      await dash.waitForFrame((f) => f.includes('Roll back service web?'), 'the rollback confirmation');
      dash.press('y');
      await dash.waitForFrame((f) => f.includes('rolled web back to the spec of r1 as r3'), 'the rollback result', 120_000);
      await dash.waitForFrame((f) => /web\s+1\/1\s+r3/.test(f), 'revision 3 in the list', 30_000);
      expect((await serviceContainers(room, 'web')).map((c) => c.Labels['berth.service.revision'])).toEqual(['3']);

      dash.press('d');
      await dash.waitForFrame((f) => f.includes('Remove service web?'), 'the remove confirmation');
      dash.press('n');
      await dash.waitForFrame((f) => !f.includes('Remove service web?'), 'the confirmation to close');
      expect(await serviceContainers(room, 'web')).toHaveLength(1);
      dash.press('d');
      await dash.waitForFrame((f) => f.includes('Remove service web?'), 'the remove confirmation again');
      dash.press('y');
      await dash.waitForFrame((f) => f.includes('removed service web'), 'the remove result', 60_000);
      expect(await serviceContainers(room, 'web')).toEqual([]);
      await dash.waitForFrame((f) => f.includes('no services'), 'the empty list', 30_000);
    } finally {
      dash.close();
    }
  });

  it("follows a service selected before its first container exists, once the container appears", async () => {
    const rt = runtimeFor(home);
    const dashboard = new DashboardStore(rt);
    const services = new ServicesStore(rt, dashboard.events);
    try {
      await dashboard.start();
      services.start(room);
      // As when the list shows a service whose first deploy has not created its container yet: the follow finds
      // nothing now and must start when the container does.
      services.select('late');
      const r = await runCli(['--room', room, 'deploy', '--tag', WEB, '--name', 'late', '--env', 'VERSION=late1', '--settle', '1s'], {
        BERTH_HOME: home,
        BERTH_AGENT: 'tester',
      });
      expect(r.code, r.stderr).toBe(0);
      await waitFor(() => services.getSnapshot().logs.includes('late-r1 | started late1'), "the new container's log line", 60_000);
    } finally {
      services.dispose();
      dashboard.stop();
      rt.close();
    }
  });
});
