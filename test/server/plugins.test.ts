// The agent surface over the API on the real engine (the Python client's flows are in agent-python.test.ts):
// records and plugin containers of another room are not there (not listed, not counted, 404 by id, unchanged by
// update and delete), an admin may name the room, secrets in envs are masked in records, bad bodies create nothing,
// a container that runs no plugin is not a plugin container, and every change is audited with the API origin.
import fs from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/api-request.js';
import { addProbePlugin, type PluginFixture } from '../support/plugin-fixture.js';
import { docker, FIXTURE_IMAGE, runCli, runtimeFor, tempHome, uniqueRoom } from '../support/helpers.js';
import { removeServeRoom, startServe, type ServeProcess } from '../support/serve-helpers.js';

const home = tempHome();
const room = uniqueRoom('apiplug');
const other = uniqueRoom('apiplugo');
let server: ServeProcess;
let plugin: PluginFixture;
/** A record and its container in the other room, made by the CLI. */
let foreign: { record: number; id: string };

beforeAll(async () => {
  plugin = await addProbePlugin(home);
  const run = await runCli(['plugin', 'run', plugin.release, '--param', 'seconds=600', '--label', 'shared-label', '--room', other, '-d', '-o', 'json'], { BERTH_HOME: home, BERTH_AGENT: '' });
  expect(run.code, run.stderr).toBe(0);
  const r = JSON.parse(run.stdout);
  foreign = { record: r.record, id: r.container.id };
  server = await startServe(home, room);
}, 180_000);
afterAll(async () => {
  await server?.stop();
  await removeServeRoom(room);
  await removeServeRoom(other);
  await plugin?.remove();
  fs.rmSync(home, { recursive: true, force: true });
}, 120_000);

const create = (body: Record<string, unknown>) => api(server, 'POST', '/v1/plugin-containers', { body: { plugin_release: plugin.release, ...body } });

describe('rooms', () => {
  it("another room's records and plugin containers are not there: not listed, not counted, 404, unchanged", async () => {
    const mine = await create({ params: { seconds: 600 }, labels: ['shared-label'] });
    expect(mine.status, mine.body).toBe(201);

    const listed = (await api(server, 'GET', '/v1/records?label=shared-label')).json();
    expect(listed.total).toBe(1);
    expect(listed.results.map((r: { id: number }) => r.id)).toEqual([mine.json().id]);
    expect((await api(server, 'GET', '/v1/plugin-containers')).json().containers.map((c: { id: string }) => c.id)).toEqual([mine.json().docker_id]);

    const notFound = { error: { code: 'not_found', message: `record ${foreign.record} not found` } };
    for (const [method, body] of [['GET', undefined], ['PATCH', { status: 'archived' }], ['DELETE', undefined]] as const) {
      const r = await api(server, method, `/v1/records/${foreign.record}`, { body });
      expect(r.status, `${method}: ${r.body}`).toBe(404);
      // The same answer as for an id that was never used.
      expect(r.json()).toEqual(notFound);
    }
    for (const method of ['GET', 'DELETE']) expect((await api(server, method, `/v1/plugin-containers/${foreign.id}`)).status).toBe(404);
    expect((await docker.getContainer(foreign.id).inspect()).State.Running).toBe(true);

    // An admin user may name the room.
    const there = (await api(server, 'GET', `/v1/records?room=${other}`)).json();
    expect(there.results.map((r: { id: number }) => r.id)).toEqual([foreign.record]);
    expect((await api(server, 'GET', `/v1/plugin-containers/${foreign.id}?room=${other}`)).json()).toMatchObject({ record_id: foreign.record, running: true });
  });
});

describe('create', () => {
  it('masks secrets given in envs in the record and the audit log; the params file does not outlive the create', async () => {
    const tmpBefore = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('berth-params-'));
    const r = await create({ params: { seconds: 600, words: ['w'] }, envs: { API_TOKEN: 'sk-live-abcdef123456', PLAIN: 'visible' }, metadata: { batch: 7, ok: true } });
    expect(r.status, r.body).toBe(201);
    expect(r.json().metadata).toEqual({ batch: '7', ok: 'true' });
    const record = (await api(server, 'GET', `/v1/records/${r.json().id}`)).json();
    expect(record.env).toMatchObject({ API_TOKEN: '***', PLAIN: 'visible', GREETING: 'hello' });
    expect(record.params).toEqual({ seconds: 600, words: ['w'] });
    const rt = runtimeFor(home);
    for (const f of [rt.paths.database, rt.paths.auditLog]) expect(fs.readFileSync(f).includes('sk-live-abcdef123456')).toBe(false);
    const audit = fs.readFileSync(rt.paths.auditLog, 'utf8');
    rt.close();
    expect(audit).toMatch(/"action":"plugin\.run".*"via":"api"/);
    expect(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('berth-params-'))).toEqual(tmpBefore);
    // The container got the params as JSON (types kept).
    const inspected = await docker.getContainer(r.json().docker_id).inspect();
    expect(inspected.Config.Env).toContain('BERTH_PARAMS={"seconds":600,"words":["w"]}');
  });

  it('refuses bad bodies in one line and creates nothing', async () => {
    const before = await docker.listContainers({ all: true, filters: { label: [`berth.room=${room}`] } });
    for (const [body, status] of [
      [{ params: { seconds: 1 }, unknown: 1 }, 400],
      [{ params: { seconds: -1 } }, 400],
      [{ params: { seconds: 1 }, envs: { 'BAD KEY': 'x' } }, 400],
      [{ params: { seconds: 1 }, labels: ['not a label!'] }, 400],
      [{ params: { seconds: 1 }, envs: { N: 5 } }, 400],
      [{ plugin_release: 'Not Valid', params: {} }, 400],
      [{ plugin_release: 'absent@1.0.0' }, 404],
    ] as const) {
      const r = await create(body);
      expect(r.status, `${JSON.stringify(body)}: ${r.body}`).toBe(status);
      expect(r.json().error.message.split('\n')).toHaveLength(1);
    }
    expect(await docker.listContainers({ all: true, filters: { label: [`berth.room=${room}`] } })).toHaveLength(before.length);
  });

  it('a container that runs no plugin is not a plugin container', async () => {
    const c = await api(server, 'POST', '/v1/containers', { body: { image: FIXTURE_IMAGE, command: 'sleep 600' } });
    expect(c.status).toBe(201);
    expect((await api(server, 'GET', `/v1/plugin-containers/${c.json().cuid}`)).status).toBe(404);
    expect((await api(server, 'DELETE', `/v1/plugin-containers/${c.json().cuid}`)).status).toBe(404);
    expect((await api(server, 'GET', `/v1/containers/${c.json().cuid}`)).status).toBe(200);
    const all = (await api(server, 'GET', '/v1/plugin-containers')).json().containers;
    expect(all.map((x: { name: string }) => x.name)).not.toContain(c.json().cuid);
  });
});

describe('records', () => {
  it('pages: page numbers and cursors, total of every match; bad filters are 400', async () => {
    const made: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await create({ params: { seconds: 0 }, labels: ['pager'] });
      expect(r.status, r.body).toBe(201);
      made.push(r.json().id);
    }
    const page2 = (await api(server, 'GET', '/v1/records?label=pager&limit=2&page=2')).json();
    expect(page2).toMatchObject({ total: 3, page: 2, limit: 2 });
    expect(page2.results.map((r: { id: number }) => r.id)).toEqual([made[0]]);
    const first = (await api(server, 'GET', '/v1/records?label=pager&limit=2')).json();
    const next = (await api(server, 'GET', `/v1/records?label=pager&limit=2&cursor=${first.next_cursor}`)).json();
    expect([...first.results, ...next.results].map((r: { id: number }) => r.id)).toEqual([...made].reverse());
    expect(next.next_cursor).toBeNull();
    const all = (await api(server, 'GET', '/v1/records?label=pager&all=true&limit=1')).json();
    expect(all.total).toBe(3);
    expect(all.results).toHaveLength(3);
    expect(all.next_cursor).toBeNull();
    expect((await api(server, 'GET', `/v1/records?plugin=${plugin.code}&label=pager`)).json().total).toBe(3);
    expect((await api(server, 'GET', '/v1/records?plugin=other-plugin&label=pager')).json().total).toBe(0);

    for (const q of ['status=sleeping', 'limit=0', 'cursor=garbage', 'plugin=BAD!', 'page=x']) {
      const r = await api(server, 'GET', `/v1/records?${q}`);
      expect(r.status, `${q}: ${r.body}`).toBe(400);
    }
    expect((await api(server, 'GET', '/v1/records/0')).status).toBe(400);
    expect((await api(server, 'GET', '/v1/records/12x')).status).toBe(400);
  });
});
