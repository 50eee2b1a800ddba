// Services over the API on a plain engine: deploy creates (201) and updates (200, the old revision stopped only
// after the new one is healthy), a failing update leaves the old revision serving, list/inspect/history, logs as
// NDJSON and followed over a WebSocket, rollback, remove; and bad input that deploys nothing.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { api, openSocket } from '../support/api-request.js';
import { EXIT1_IMAGE_LINES, WEB_IMAGE_LINES, buildTestImage, removeImages, serviceContainers, uniqueTag } from '../support/deploy-helpers.js';
import { tempHome, uniqueRoom, waitFor } from '../support/helpers.js';
import { removeServeRoom, startServe, type ServeProcess } from '../support/serve-helpers.js';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });

const home = tempHome();
const room = uniqueRoom('apisvc');
const WEB = uniqueTag('apiweb');
const EXIT1 = uniqueTag('apiexit1');
let server: ServeProcess;

const deploy = (body: Record<string, unknown>) => api(server, 'POST', '/v1/services', { body: { name: 'web', ...body } });
const webBody = (version: string) => ({ tag: WEB, ports: ['8080'], env: { VERSION: version }, liveness: 'http:/health', settle: '1s', drain: '1s', health_timeout: '20s' });
const running = async () => (await serviceContainers(room, 'web')).filter((c) => c.State === 'running').map((c) => c.Labels['berth.service.revision']);

beforeAll(async () => {
  await buildTestImage(WEB, WEB_IMAGE_LINES);
  await buildTestImage(EXIT1, EXIT1_IMAGE_LINES);
  // BERTH_AGENT unset (not empty): a deploy's identity defaults to it.
  server = await startServe(home, room, { env: { BERTH_DEPLOY_MODE: 'engine', BERTH_AGENT: undefined } });
});
afterAll(async () => {
  await server?.stop();
  await removeServeRoom(room);
  await removeImages([WEB, EXIT1]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('services', () => {
  it('creates, updates without downtime, keeps serving through a failed update, rolls back, and removes', async () => {
    const created = await deploy(webBody('v1'));
    expect(created.status, created.body).toBe(201);
    expect(created.json()).toMatchObject({ name: 'web', room, revision: 1, previous: null, image: WEB, mode: 'engine' });
    expect(await running()).toEqual(['1']);

    const updated = await deploy({ ...webBody('v2') });
    expect(updated.status, updated.body).toBe(200);
    expect(updated.json()).toMatchObject({ revision: 2, previous: 1 });
    expect(updated.json().changes.join('\n')).toMatch(/VERSION/);
    await waitFor(async () => (await running()).join() === '2', 'only revision 2 running');

    const failed = await deploy({ tag: EXIT1, health_timeout: '10s' });
    expect(failed.status, failed.body).toBeGreaterThanOrEqual(500);
    expect(failed.json().error.message.split('\n')).toHaveLength(1);
    expect(await running()).toEqual(['2']);

    const listed = (await api(server, 'GET', '/v1/services')).json().services;
    expect(listed).toEqual([expect.objectContaining({ name: 'web', image: WEB, revision: 2, running: 1, desired: 1 })]);
    const detail = (await api(server, 'GET', '/v1/services/web')).json();
    expect(detail.env).toContain('VERSION=v2');
    expect(detail.history.map((h: { revision: number }) => h.revision)).toEqual(expect.arrayContaining([1, 2, 3]));
    expect(detail.containers.map((c: { revision: number }) => c.revision)).toEqual([2]);

    const logs = await api(server, 'GET', '/v1/services/web/logs');
    expect(logs.status, logs.body).toBe(200);
    expect(logs.events().map((l) => l.text)).toContain('started v2');
    expect(logs.events()[0]).toMatchObject({ container: expect.stringMatching(/^web-r2/), stream: 'stdout' });

    const follow = openSocket(server, '/v1/services/web/logs/follow?tail=0');
    await follow.opened;
    const rolled = await api(server, 'POST', '/v1/services/web/rollback', { body: {} });
    expect(rolled.status, rolled.body).toBe(200);
    expect(rolled.json()).toMatchObject({ rollback_of: 1, previous: 2 });
    // The new revision's container joined the followed stream.
    await waitFor(() => follow.frames.some((f) => f.type === 'line' && f.text === 'started v1'), 'the rolled-back revision on the followed stream');
    follow.ws.close();
    await waitFor(async () => (await running()).length === 1 && (await running())[0] !== '2', 'only the rolled-back revision running');

    const removed = await api(server, 'DELETE', '/v1/services/web');
    expect(removed.status, removed.body).toBe(200);
    expect(await serviceContainers(room, 'web')).toEqual([]);
    expect((await api(server, 'GET', '/v1/services/web')).status).toBe(404);
    expect((await api(server, 'GET', '/v1/services')).json().services).toEqual([]);
  });

  it('refuses bad input in one line and deploys nothing', async () => {
    for (const body of [{ tag: WEB, name: 'bad', replicas: 0 }, { tag: WEB, name: 'bad', clear: ['everything'] }, { tag: WEB, name: 'bad', ports: ['not-a-port'] }, { tag: WEB, name: 'bad', memory: 'lots' }, { tag: WEB, name: 'bad', path: '/etc' }]) {
      const r = await api(server, 'POST', '/v1/services', { body });
      expect(r.status, `${JSON.stringify(body)}: ${r.body}`).toBe(400);
      expect(r.json().error.message.split('\n')).toHaveLength(1);
    }
    expect(await serviceContainers(room, 'bad')).toEqual([]);
    expect((await api(server, 'POST', '/v1/services/nope/rollback', { body: {} })).status).toBe(404);
    expect((await api(server, 'DELETE', '/v1/services/nope')).status).toBe(404);
    expect((await api(server, 'GET', '/v1/services/nope/logs')).status).toBe(404);
  });
});
