// Jobs over the API (`berth run`) on the real engine: output streamed as NDJSON then the exit code, stdin fed,
// a timeout and a client that goes away both kill and remove the job, and bad input is an ordinary error answer
// before anything is created.
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { api, readEventsUntil } from '../support/api-request.js';
import { docker, FIXTURE_IMAGE, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';
import { removeServeRoom, startServe, type ServeProcess } from '../support/serve-helpers.js';

const home = tempHome();
const room = uniqueRoom('apijob');
let server: ServeProcess;

const roomContainers = async () => docker.listContainers({ all: true, filters: { label: [`berth.room=${room}`] } });

beforeAll(async () => {
  server = await startServe(home, room);
});
afterAll(async () => {
  await server?.stop();
  await removeServeRoom(room);
  fs.rmSync(home, { recursive: true, force: true });
});

it('streams stdout and stderr, then the exit code; the container is removed', async () => {
  const r = await api(server, 'POST', '/v1/jobs', { body: { image: FIXTURE_IMAGE, command: 'echo out; echo err >&2; exit 3', env: { WHO: 'job' } } });
  expect(r.status, r.body).toBe(200);
  expect(r.headers['content-type']).toBe('application/x-ndjson');
  const events = r.events();
  expect(events.filter((e) => e.type === 'stdout').map((e) => e.data).join('')).toBe('out\n');
  expect(events.filter((e) => e.type === 'stderr').map((e) => e.data).join('')).toBe('err\n');
  expect(events.find((e) => e.type === 'started')).toMatchObject({ id: expect.any(String), name: expect.stringMatching(/^job-/) });
  expect(events.at(-1)).toEqual({ type: 'exit', exit_code: 3 });
  expect(await roomContainers()).toEqual([]);
  // Audited as a job of the API caller.
  const audit = fs.readFileSync(runtimeFor(home).paths.auditLog, 'utf8');
  expect(audit).toMatch(/"action":"job\.run".*"via":"api"/);
});

it('feeds stdin (argv command) and closes it', async () => {
  const r = await api(server, 'POST', '/v1/jobs', { body: { image: FIXTURE_IMAGE, command: ['sh', '-c', 'wc -l; cat'], stdin: 'a\nb\n' } });
  expect(r.status, r.body).toBe(200);
  const out = r.events().filter((e) => e.type === 'stdout').map((e) => e.data).join('');
  expect(out.trim()).toBe('2');
  expect(r.events().at(-1)).toEqual({ type: 'exit', exit_code: 0 });
});

it('a timeout kills and removes the job; the last line says so', async () => {
  const r = await api(server, 'POST', '/v1/jobs', { body: { image: FIXTURE_IMAGE, command: 'echo started; sleep 600', timeout: 1 } });
  expect(r.status, r.body).toBe(200);
  const events = r.events();
  // The started event may come before or after the first line (output is attached before the start).
  expect(events.find((e) => e.type === 'stdout')).toEqual({ type: 'stdout', data: 'started\n' });
  expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'timeout' } });
  expect(await roomContainers()).toEqual([]);
});

it('a client that goes away kills and removes its job', async () => {
  const r = await readEventsUntil(server, 'POST', '/v1/jobs', { image: FIXTURE_IMAGE, command: 'echo ready; sleep 600' }, (events) => events.some((e) => e.type === 'stdout'));
  expect(r.status).toBe(200);
  expect(r.events.find((e) => e.type === 'stdout')).toEqual({ type: 'stdout', data: 'ready\n' });
  await waitFor(async () => (await roomContainers()).length === 0, 'the abandoned job to be removed', 30_000);
});

it('bad input is one error answer (400, 404) and creates nothing', async () => {
  const extra = await api(server, 'POST', '/v1/jobs', { body: { image: FIXTURE_IMAGE, command: 'true', privileged: true } });
  expect(extra.status).toBe(400);
  expect(extra.json().error.message).toMatch(/privileged/);
  const memory = await api(server, 'POST', '/v1/jobs', { body: { image: FIXTURE_IMAGE, command: 'true', resources: { memory: 'lots' } } });
  expect(memory.status, memory.body).toBe(400);
  const missing = await api(server, 'POST', '/v1/jobs', { body: { image: 'berth-no-such-image:1', command: 'true' } });
  expect(missing.status, missing.body).toBe(404);
  expect(missing.headers['content-type']).toMatch(/^application\/json/);
  expect(await roomContainers()).toEqual([]);
});
