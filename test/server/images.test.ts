// Images over the API on the real engine: the room's list, inspect, tag and delete (kept while a container uses
// it), and a pull from the htpasswd registry with credentials given in the body — which never reach the server's
// log, the audit log or the database.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api } from '../support/api-request.js';
import { docker, FIXTURE_IMAGE, runCli, runtimeFor, tempHome, uniqueRoom } from '../support/helpers.js';
import { removeServeRoom, startServe, type ServeProcess } from '../support/serve-helpers.js';

const registry = inject('registry');
const home = tempHome();
const room = uniqueRoom('apiimg');
const local = `berth-apiimg-${room}`;
const repo = `${registry.host}/berth-apiimg-${room}`;
let server: ServeProcess;

async function drain(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

beforeAll(async () => {
  // An image on the registry only (pushed, then removed here), for the pull.
  await docker.getImage(FIXTURE_IMAGE).tag({ repo, tag: '1' });
  const auth = { serveraddress: registry.host, username: registry.username, password: registry.password };
  expect(await drain(await docker.getImage(`${repo}:1`).push({ tag: '1', authconfig: auth } as object))).not.toContain('errorDetail');
  await docker.getImage(`${repo}:1`).remove();
  fs.mkdirSync(path.join(home, 'docker-empty'), { recursive: true });
  expect((await runCli(['room', 'create', room], { BERTH_HOME: home })).code).toBe(0);
  server = await startServe(home, room, { env: { DOCKER_CONFIG: path.join(home, 'docker-empty') } });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await removeServeRoom(room);
  for (const ref of [`${repo}:1`, `${local}:1`, `${local}:2`]) await docker.getImage(ref).remove({ force: true }).catch(() => {});
  fs.rmSync(home, { recursive: true, force: true });
}, 120_000);

describe('images', () => {
  it('lists only what the room holds; tag adds a name the room holds; inspect; delete removes it', async () => {
    const before = await api(server, 'GET', '/v1/images');
    expect(before.status, before.body).toBe(200);
    expect(before.json().images).toEqual([]);
    // An image on the engine that the room does not hold is not there for the room.
    const foreign = await api(server, 'GET', `/v1/images/inspect?ref=${encodeURIComponent(FIXTURE_IMAGE)}`);
    expect(foreign.status, foreign.body).toBe(404);

    const tagged = await api(server, 'POST', '/v1/images/tag', { body: { source: FIXTURE_IMAGE, target: `${local}:1` } });
    expect(tagged.status, tagged.body).toBe(200);
    expect(tagged.json()).toMatchObject({ ref: `${local}:1`, room });
    const listed = (await api(server, 'GET', '/v1/images')).json().images;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: tagged.json().id, tags: expect.arrayContaining([`${local}:1`]), shared: false, used_by: [] });
    // Other rooms' containers of the same image are not named.
    expect(JSON.stringify(listed[0])).not.toContain('/');

    const inspected = await api(server, 'GET', `/v1/images/inspect?ref=${encodeURIComponent(`${local}:1`)}`);
    expect(inspected.status, inspected.body).toBe(200);
    expect(inspected.json()).toMatchObject({ id: tagged.json().id, cmd: ['/bin/sh'], os: 'linux' });

    const deleted = await api(server, 'DELETE', `/v1/images?ref=${encodeURIComponent(`${local}:1`)}`);
    expect(deleted.status, deleted.body).toBe(200);
    expect(deleted.json().untagged).toEqual([`${local}:1`]);
    expect((await api(server, 'GET', '/v1/images')).json().images).toEqual([]);
    await expect(docker.getImage(`${local}:1`).inspect()).rejects.toMatchObject({ statusCode: 404 });
    // The fixture image itself is untouched.
    await docker.getImage(FIXTURE_IMAGE).inspect();
  });

  it('refuses to delete an image a container uses (409) unless force, and bad input in one line (400)', async () => {
    expect((await api(server, 'POST', '/v1/images/tag', { body: { source: FIXTURE_IMAGE, target: `${local}:2` } })).status).toBe(200);
    const c = await api(server, 'POST', '/v1/containers', { body: { image: `${local}:2`, command: 'sleep 600' } });
    expect(c.status, c.body).toBe(201);
    const refused = await api(server, 'DELETE', `/v1/images?ref=${encodeURIComponent(`${local}:2`)}`);
    expect(refused.status, refused.body).toBe(409);
    expect(refused.json().error.code).toBe('conflict');
    const inUse = (await api(server, 'GET', '/v1/images')).json().images.find((i: { tags: string[] }) => i.tags.includes(`${local}:2`));
    expect(inUse.used_by).toEqual([c.json().cuid]);
    await docker.getImage(`${local}:2`).inspect();

    const bad = await api(server, 'POST', '/v1/images/tag', { body: { source: FIXTURE_IMAGE, target: 'Not A Name' } });
    expect(bad.status, bad.body).toBe(400);
    expect(bad.json().error.message.split('\n')).toHaveLength(1);
    const extra = await api(server, 'POST', '/v1/images/pull', { body: { ref: `${repo}:1`, username: registry.username } });
    expect(extra.status, extra.body).toBe(400);
    const missing = await api(server, 'GET', '/v1/images/inspect?ref=no-such-image-here:1');
    expect(missing.status, missing.body).toBe(404);
  });

  it('a registry the engine cannot reach is a bad gateway (502) in one line, not the server failing', async () => {
    const r = await api(server, 'POST', '/v1/images/pull', { body: { ref: '127.0.0.1:1/nothing-here:1' } });
    expect(r.status, r.body).toBe(502);
    expect(r.json().error.code).toBe('registry_unreachable');
    expect(r.json().error.message).toMatch(/^pull 127\.0\.0\.1:1\/nothing-here:1: cannot reach registry 127\.0\.0\.1:1 \(.*connection refused.*\)$/);
  });

  it('pulls with credentials from the body: wrong ones are refused, right ones pull, the password is nowhere', async () => {
    const wrong = await api(server, 'POST', '/v1/images/pull', { body: { ref: `${repo}:1`, username: registry.username, password: 'wrong-password' } });
    expect(wrong.status, wrong.body).toBe(403);
    const none = await api(server, 'POST', '/v1/images/pull', { body: { ref: `${repo}:1` } });
    expect(none.status, none.body).toBeGreaterThanOrEqual(400);

    const pulled = await api(server, 'POST', '/v1/images/pull', { body: { ref: `${repo}:1`, username: registry.username, password: registry.password } });
    expect(pulled.status, pulled.body).toBe(200);
    expect(pulled.json()).toMatchObject({ ref: `${repo}:1`, room, digest: expect.stringMatching(/^sha256:/) });
    expect((await api(server, 'GET', '/v1/images')).json().images.map((i: { tags: string[] }) => i.tags).flat()).toContain(`${repo}:1`);

    const rt = runtimeFor(home);
    const files = [rt.paths.auditLog, rt.paths.database].filter((f) => fs.existsSync(f));
    rt.close();
    for (const f of files) expect(fs.readFileSync(f).includes(registry.password)).toBe(false);
    expect(server.log()).not.toContain(registry.password);
    expect(fs.readFileSync(runtimeFor(home).paths.auditLog, 'utf8')).toMatch(/"action":"image\.pull".*"via":"api"/);
  }, 120_000);
});
