// The dashboard's deploy (Services view, D): a `berth deploy` line typed in a prompt, its progress streaming in a
// full-screen pane, against the real engine. Redeploying fills in the active revision's spec, which the line parser
// reads back to the same spec; bad input shows one line and changes nothing; x stops a deploy that never gets
// healthy while the running revision keeps serving.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseDeployLine, quoteWords } from '../../src/commands/deploy.js';
import { deployArgs, toDeploySpec } from '../../src/runtime/services/index.js';
import { KEY, openDashboard } from '../support/dashboard-harness.js';
import { WEB_IMAGE_LINES, buildTestImage, removeImages, removeServiceRooms, serviceContainers, uniqueTag } from '../support/deploy-helpers.js';
import { runtimeFor, tempHome, uniqueRoom } from '../support/helpers.js';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });
process.env.BERTH_DEPLOY_MODE = 'engine';

const home = tempHome();
const room = uniqueRoom('dd');
const WEB = uniqueTag('web');

beforeAll(async () => {
  await buildTestImage(WEB, WEB_IMAGE_LINES);
});

afterAll(async () => {
  await removeServiceRooms([room]);
  await removeImages([WEB]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('dashboard deploy', () => {
  it('fills in a spec as a line that parses back to the same spec, every option included', async () => {
    const rt = runtimeFor(home, { BERTH_AGENT: 'tester' });
    try {
      const spec = await toDeploySpec(rt, room, {
        tag: 'registry.example.test:5000/team/api:1.2',
        name: 'api',
        env: ['GREETING=hello world', "QUOTE=it's here", 'EMPTY='],
        envSecrets: ['DB_PASSWORD=db-pass'],
        roomMounts: ['.:/data', '.:/etc/app:ro'],
        projectMounts: ['.:/shared:ro'],
        imageMounts: ['registry.example.test:5000/team/assets:2:/assets'],
        identity: 'builder',
        token: true,
        ports: ['8080'],
        liveness: 'http:/health',
        livenessInterval: '500ms',
        domain: 'api.example.test',
        replicas: 3,
        restart: 'on-failure:4',
        cpus: '0.5',
        memory: '64m',
        settle: '1.5s',
        healthTimeout: '2m',
        drain: '250ms',
        logMaxSize: '512K',
        logMaxFiles: '2',
      });
      expect(spec.logs).toEqual({ maxSize: '512k', maxFiles: 2 });
      const line = quoteWords(deployArgs(spec));
      expect(line).toContain('--log-max-size 512k --log-max-files 2');
      expect(await toDeploySpec(rt, room, await parseDeployLine(line))).toEqual(spec);
      // A command liveness with spaces, udp and fixed ports, defaults left out.
      const other = await toDeploySpec(rt, room, { tag: WEB, ports: ['9000:53/udp', '127.0.0.1::8080'], liveness: 'wget -q -O - http://localhost:8080/' });
      expect(deployArgs(other)).not.toContain('--replicas');
      expect(deployArgs(other)).not.toContain('--log-max-size'); // unset: config logs decides at each create
      expect(await toDeploySpec(rt, room, await parseDeployLine(quoteWords(deployArgs(other))))).toEqual(other);
      await expect(parseDeployLine('--tag x --replicaz 2')).rejects.toThrow(/Unknown argument: replicaz/);
      await expect(parseDeployLine('--name web')).rejects.toThrow(/Missing required argument: tag/);
    } finally {
      rt.close();
    }
  });

  it('streams a deploy typed in the Services view, redeploys with the spec filled in, and stops one with x', async () => {
    const dash = await openDashboard(home, room, { columns: 130 });
    try {
      dash.press(':', ...'services', KEY.enter);
      await dash.waitForFrame((f) => f.includes(`Services in ${room}`) && f.includes('no services'), 'the empty Services view');

      // Bad input: one line in the pane, nothing created.
      dash.press('D');
      await dash.waitForFrame((f) => f.includes('deploy (berth deploy options: --tag IMAGE ...)'), 'the deploy prompt');
      dash.press(...`${WEB} --replicas zero`, KEY.enter);
      await dash.waitForFrame((f) => f.includes('deploy of service failed: invalid --replicas "zero"'), 'the refusal');
      expect(await serviceContainers(room, 'web')).toEqual([]);
      dash.press(KEY.escape);
      await dash.waitForFrame((f) => f.includes('D deploy · R rollback'), 'the list again');

      // A new service: the pane streams the phases and ends with the outcome.
      dash.press('D');
      await dash.waitForFrame((f) => f.includes('deploy (berth deploy options'), 'the deploy prompt again');
      dash.press(...`${WEB} --name web --port 8080 --env VERSION=v1 --settle 1s --drain 300ms`, KEY.enter);
      await dash.waitForFrame((f) => f.includes(`Deploy web into ${room}`) && /web r1: /.test(f), 'the deploy pane streaming');
      await dash.waitForFrame((f) => f.includes('created web (r1)'), 'the deploy result', 120_000);
      expect((await serviceContainers(room, 'web')).map((c) => c.Labels['berth.service.revision'])).toEqual(['1']);

      // Back to the list; D on the service fills in its spec; one more --env makes it an update.
      dash.press(KEY.escape);
      await dash.waitForFrame((f) => /web\s+1\/1\s+r1/.test(f) && f.includes('created web (r1) (O shows the output)'), 'the service and the last deploy');
      dash.press('D');
      await dash.waitForFrame((f) => f.includes(`--tag ${WEB} --name web --env VERSION=v1 --port 8080`), "the service's spec filled in");
      dash.press(...' --env VERSION=v2', KEY.enter);
      await dash.waitForFrame((f) => f.includes('updated web to r2 (was r1)'), 'the update result', 120_000);
      dash.press(KEY.escape);
      await dash.waitForFrame((f) => /web\s+1\/1\s+r2/.test(f) && f.includes('web-r2 | started v2'), 'revision 2 and its live logs', 60_000);

      // An update that never gets healthy, stopped from the pane: revision 2 keeps serving.
      dash.press('D');
      await dash.waitForFrame((f) => f.includes('--env VERSION=v2'), 'the spec of r2 filled in');
      dash.press(...' --liveness http:/never --health-timeout 5m', KEY.enter);
      await dash.waitForFrame((f) => f.includes('web r3: waiting for GET /never to answer'), 'the health wait of r3', 120_000);
      dash.press('x');
      await dash.waitForFrame((f) => f.includes('deploy of web stopped; revision 3 removed; revision 2 keeps serving'), 'the stopped deploy', 120_000);
      const left = await serviceContainers(room, 'web');
      expect(left.map((c) => [c.Labels['berth.service.revision'], c.State])).toEqual([['2', 'running']]);
    } catch (err) {
      console.log(`the last frame:\n${dash.frame()}`);
      throw err;
    } finally {
      dash.close();
    }
  });
});
