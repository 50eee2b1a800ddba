// Logs and stats over the API on the real engine: the log with tail and since (NDJSON), the log followed over a
// WebSocket until the container stops, secrets masked in log text, unknown containers refused, and resource
// samples once and streamed.
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { api, openSocket, readEventsUntil } from '../support/api-request.js';
import { FIXTURE_IMAGE, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';
import { removeServeRoom, startServe, type ServeProcess } from '../support/serve-helpers.js';

const home = tempHome();
const room = uniqueRoom('apilog');
let server: ServeProcess;

beforeAll(async () => {
  server = await startServe(home, room);
});
afterAll(async () => {
  await server?.stop();
  await removeServeRoom(room);
  fs.rmSync(home, { recursive: true, force: true });
});

async function started(command: string, env: Record<string, string> = {}): Promise<string> {
  const c = await api(server, 'POST', '/v1/containers', { body: { image: FIXTURE_IMAGE, command, env } });
  expect(c.status, c.body).toBe(201);
  const cuid = c.json().cuid as string;
  expect((await api(server, 'POST', `/v1/containers/${cuid}/start`)).status).toBe(200);
  return cuid;
}

it('answers the log as NDJSON lines with their stream and time; tail and since pick lines; secrets are masked', async () => {
  const cuid = await started('for i in 1 2 3 4 5; do echo line$i; done; echo oops >&2; echo "token $API_TOKEN"; sleep 600', { API_TOKEN: 'tok-secret-value-12345' });
  const all = await waitFor(async () => {
    const r = await api(server, 'GET', `/v1/containers/${cuid}/logs`);
    return r.events().length === 7 ? r : undefined;
  }, 'seven log lines');
  expect(all.headers['content-type']).toBe('application/x-ndjson');
  const lines = all.events();
  // Each stream in order (the engine does not order lines of different streams written in the same instant).
  expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.text)).toEqual(['line1', 'line2', 'line3', 'line4', 'line5', expect.stringContaining('***')]);
  expect(lines.filter((l) => l.stream === 'stderr')).toEqual([{ stream: 'stderr', text: 'oops', time: expect.stringMatching(/^\d{4}-/) }]);
  expect(all.body).not.toContain('tok-secret-value-12345');

  const tail = (await api(server, 'GET', `/v1/containers/${cuid}/logs?tail=2`)).events();
  expect(tail).toHaveLength(2);
  expect(tail.map((l) => l.text)).toContain(lines.find((l) => l.text.includes('***')).text);
  const future = await api(server, 'GET', `/v1/containers/${cuid}/logs?since=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`);
  expect(future.status).toBe(200);
  expect(future.events()).toEqual([]);

  const bad = await api(server, 'GET', `/v1/containers/${cuid}/logs?since=yesterday`);
  expect(bad.status).toBe(400);
  expect(bad.json().error.message).toMatch(/since/);
  const missing = await api(server, 'GET', '/v1/containers/no-such-container/logs');
  expect(missing.status).toBe(404);
});

it('follows the log over a WebSocket: new lines as they come, then end when the container stops', async () => {
  const cuid = await started('echo before; sleep 600');
  await waitFor(async () => (await api(server, 'GET', `/v1/containers/${cuid}/logs`)).events().length === 1, 'the first line');
  const s = openSocket(server, `/v1/containers/${cuid}/logs/follow?tail=1`);
  await s.opened;
  await waitFor(() => s.frames.some((f) => f.type === 'line' && f.text === 'before'), 'the tail line');
  // A line written after the follow began arrives on the socket.
  const exec = await api(server, 'POST', `/v1/containers/${cuid}/exec`, { body: { command: 'echo late-line > /proc/1/fd/1' } });
  expect(exec.status, exec.body).toBe(200);
  await waitFor(() => s.frames.some((f) => f.type === 'line' && f.text === 'late-line'), 'the line written later');
  expect((await api(server, 'POST', `/v1/containers/${cuid}/stop?timeout=0`)).status).toBe(200);
  const closed = await s.closed;
  expect(closed.code).toBe(1000);
  expect(s.frames.at(-1)).toEqual({ type: 'end' });

  const unknown = openSocket(server, '/v1/containers/no-such-container/logs/follow');
  await unknown.opened;
  expect((await unknown.closed).code).toBe(1011);
  expect(unknown.frames[0]).toMatchObject({ type: 'error', error: { code: 'not_found' } });
});

it('answers stats once, and as a stream of samples until the client goes away', async () => {
  const cuid = await started('sleep 600');
  const once = await api(server, 'GET', `/v1/stats?containers=${cuid}`);
  expect(once.status, once.body).toBe(200);
  expect(once.json().samples).toHaveLength(1);
  expect(once.json().samples[0]).toMatchObject({ name: cuid, memory_used: expect.any(Number), pids: expect.any(Number), time: expect.any(String) });

  const streamed = await readEventsUntil(server, 'GET', `/v1/stats?stream=true&containers=${cuid}`, undefined, (events) => events.length >= 2);
  expect(streamed.status).toBe(200);
  expect(streamed.events.slice(0, 2).map((e) => e.name)).toEqual([cuid, cuid]);

  const missing = await api(server, 'GET', '/v1/stats?containers=no-such-container');
  expect(missing.status).toBe(404);
});
