// Builds from an uploaded context over the API on the real engine: a tar body built with its .dockerignore
// honoured and the log streamed back, the room holding the result; a gzip'd tar; a context escaping its directory
// refused before anything is built; a missing Dockerfile, a bad tag and a bare build argument refused in one line.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { api } from '../support/api-request.js';
import { docker, FIXTURE_IMAGE, runCli, tempHome, uniqueRoom } from '../support/helpers.js';
import { removeServeRoom, startServe, type ServeProcess } from '../support/serve-helpers.js';

const home = tempHome();
const room = uniqueRoom('apibld');
const tag = `berth-apibuild-${randomBytes(3).toString('hex')}`;
let server: ServeProcess;

/** A context directory under the test home. */
function context(name: string, files: Record<string, string>): string {
  const dir = path.join(home, 'ctx', name);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

const tarOf = (dir: string, gzip = false) => execFileSync('tar', [gzip ? '-czf' : '-cf', '-', '-C', dir, '.']);

beforeAll(async () => {
  expect((await runCli(['room', 'create', room], { BERTH_HOME: home })).code).toBe(0);
  server = await startServe(home, room);
});
afterAll(async () => {
  await server?.stop();
  await removeServeRoom(room);
  for (const t of ['1', '2']) await docker.getImage(`${tag}:${t}`).remove({ force: true }).catch(() => {});
  fs.rmSync(home, { recursive: true, force: true });
});

it('builds a tar context with .dockerignore honoured, streaming the log; the room holds the image', async () => {
  const dir = context('app', {
    Dockerfile: `FROM ${FIXTURE_IMAGE}\nARG GREETING\nCOPY . /ctx\nRUN echo "files:" $(ls -A /ctx | sort | tr '\\n' ' ') "greeting:$GREETING"\n`,
    '.dockerignore': 'secret.txt\n',
    'secret.txt': 'do not send',
    'app.txt': 'app',
  });
  const r = await api(server, 'POST', `/v1/build?tag=${tag}:1&build_arg=GREETING=hi&label=team=api`, { raw: tarOf(dir), contentType: 'application/x-tar' });
  expect(r.status, r.body).toBe(200);
  expect(r.headers['content-type']).toBe('application/x-ndjson');
  const events = r.events();
  const output = events.filter((e) => e.type === 'output').map((e) => e.text).join('');
  expect(output).toMatch(/files: \.dockerignore Dockerfile app\.txt greeting:hi/);
  expect(output).not.toContain('secret.txt');
  expect(events.some((e) => e.type === 'context')).toBe(true);
  const built = events.at(-1);
  expect(built).toMatchObject({ type: 'built', tags: [`${tag}:1`] });
  const image = await docker.getImage(`${tag}:1`).inspect();
  expect(image.Id).toBe(built.id);
  expect(image.Config.Labels).toMatchObject({ team: 'api' });
  const images = (await api(server, 'GET', '/v1/images')).json().images;
  expect(images.map((i: { id: string }) => i.id)).toContain(built.id);
}, 120_000);

it('builds a gzip tar with a Dockerfile elsewhere in the context', async () => {
  const dir = context('gz', { 'build/Containerfile': `FROM ${FIXTURE_IMAGE}\nRUN echo built-from-gzip\n` });
  const r = await api(server, 'POST', `/v1/build?tag=${tag}:2&dockerfile=build/Containerfile`, { raw: tarOf(dir, true), contentType: 'application/gzip' });
  expect(r.status, r.body).toBe(200);
  expect(r.events().at(-1)).toMatchObject({ type: 'built', tags: [`${tag}:2`] });
}, 120_000);

it('refuses bad contexts and options in one line, building nothing', async () => {
  const ok = tarOf(context('plain', { Dockerfile: `FROM ${FIXTURE_IMAGE}\n` }));
  const cases: [string, Buffer, string, number, RegExp][] = [
    [`/v1/build?tag=${tag}:3&build_arg=HOME`, ok, 'application/x-tar', 400, /build_arg/],
    [`/v1/build?tag=Bad Tag`.replace(' ', '%20'), ok, 'application/x-tar', 400, /tag/],
    [`/v1/build?tag=${tag}:3&dockerfile=../Dockerfile`, ok, 'application/x-tar', 400, /dockerfile/],
    [`/v1/build?tag=${tag}:3`, tarOf(context('nodockerfile', { 'a.txt': 'a' })), 'application/x-tar', 400, /Dockerfile in the uploaded context/],
    [`/v1/build`, ok, 'application/x-tar', 400, /tag/],
  ];
  for (const [url, body, type, status, message] of cases) {
    const r = await api(server, 'POST', url, { raw: body, contentType: type });
    expect(r.status, `${url}: ${r.body}`).toBe(status);
    expect(r.json().error.message).toMatch(message);
    expect(r.json().error.message).not.toContain('berth-build-');
  }
  // An archive entry leaving the context is refused by the archive guard.
  const escaping = execFileSync('python3', [
    '-c',
    'import io, sys, tarfile\nbuf = io.BytesIO()\nwith tarfile.open(fileobj=buf, mode="w") as t:\n  for name, data in (("Dockerfile", b"FROM x\\n"), ("../outside.txt", b"x")):\n    info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))\nsys.stdout.buffer.write(buf.getvalue())',
  ]);
  const r = await api(server, 'POST', `/v1/build?tag=${tag}:3`, { raw: escaping, contentType: 'application/x-tar' });
  expect(r.status, r.body).toBe(403);
  await expect(docker.getImage(`${tag}:3`).inspect()).rejects.toMatchObject({ statusCode: 404 });
  expect(fs.readdirSync('/tmp').filter((n) => n.startsWith('berth-build-'))).toEqual([]);
}, 120_000);
