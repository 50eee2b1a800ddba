// Host commands over the API: a request waits for a person's decision and, approved, streams the command's output
// and exit code; a trusted pattern allows or denies at once; a denied request runs nothing; a client that goes
// away cancels its pending request; requests are listed and got.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addTrustRule, ApprovalQueue } from '../../src/runtime/host-commands/index.js';
import { api, readEventsUntil } from '../support/api-request.js';
import { runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';
import { PERSON } from '../support/person.js';
import { startServe, type ServeProcess } from '../support/serve-helpers.js';

const home = tempHome();
const room = uniqueRoom('apihost');
const agent = 'api-asker';
let server: ServeProcess;
const rt = () => runtimeFor(home, { BERTH_AGENT: '' });

beforeAll(async () => {
  const r = rt();
  await addTrustRule(r, { pattern: ['echo', 'trusted'], agent }, PERSON);
  await addTrustRule(r, { pattern: ['rm'], action: 'deny', agent });
  r.close();
  server = await startServe(home, room);
});
afterAll(async () => {
  await server?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

/** Decides the pending request of this agent (as a person would with berth approvals). */
async function decideWhenFiled(decision: 'approved' | 'denied'): Promise<number> {
  const r = rt();
  try {
    const pending = await waitFor(() => new ApprovalQueue(r).list({ agent, status: 'pending' })[0], 'the request to be filed');
    new ApprovalQueue(r).decide(pending.id, decision, { actor: 'alice', reason: decision === 'denied' ? 'not today' : undefined });
    return pending.id;
  } finally {
    r.close();
  }
}

it('waits for a person, then streams the output and the exit code', async () => {
  const answer = api(server, 'POST', '/v1/host-commands', { body: { agent, argv: ['sh', '-c', 'echo hello from the host; exit 4'], cwd: home, timeout: 60 } });
  const id = await decideWhenFiled('approved');
  const r = await answer;
  expect(r.status, r.body).toBe(200);
  const events = r.events();
  expect(events[0]).toMatchObject({ type: 'request', request: { id, status: 'pending', agent, cwd: fs.realpathSync(home) } });
  expect(events[1]).toMatchObject({ type: 'decision', status: 'approved', decided_by: 'alice', decided_via: 'person' });
  expect(events.filter((e) => e.type === 'output').map((e) => e.data).join('')).toContain('hello from the host\n');
  expect(events.at(-1)).toEqual({ type: 'exit', exit_code: 4 });
  const got = await api(server, 'GET', `/v1/host-commands/${id}`);
  expect(got.json()).toMatchObject({ id, status: 'approved', exit_code: 4 });
});

it('is told at once when a trusted pattern allows or denies', async () => {
  const allowed = await api(server, 'POST', '/v1/host-commands', { body: { agent, argv: ['echo', 'trusted', 'words'], cwd: home } });
  const a = allowed.events();
  expect(a[0]).toMatchObject({ type: 'request', request: { status: 'approved', decided_via: 'rule' } });
  expect(a.filter((e) => e.type === 'output').map((e) => e.data).join('')).toBe('trusted words\n');
  expect(a.at(-1)).toEqual({ type: 'exit', exit_code: 0 });

  const target = path.join(home, 'keep.txt');
  fs.writeFileSync(target, 'keep');
  const denied = await api(server, 'POST', '/v1/host-commands', { body: { agent, argv: ['rm', target], cwd: home } });
  const d = denied.events();
  expect(d[0]).toMatchObject({ type: 'request', request: { status: 'denied' } });
  expect(d.at(-1)).toMatchObject({ type: 'decision', status: 'denied' });
  expect(d.some((e) => e.type === 'output' || e.type === 'exit')).toBe(false);
  expect(fs.existsSync(target)).toBe(true);
});

it("a person's denial runs nothing; a client that goes away cancels its pending request", async () => {
  const marker = path.join(home, 'ran.txt');
  const answer = api(server, 'POST', '/v1/host-commands', { body: { agent, script: `touch ${marker}`, cwd: home } });
  await decideWhenFiled('denied');
  const events = (await answer).events();
  expect(events.at(-1)).toMatchObject({ type: 'decision', status: 'denied', reason: 'not today' });
  expect(fs.existsSync(marker)).toBe(false);

  const gone = await readEventsUntil(server, 'POST', '/v1/host-commands', { agent, script: `touch ${marker}`, cwd: home }, (e) => e.length >= 1);
  const id = gone.events[0].request.id;
  const r = rt();
  try {
    await waitFor(() => new ApprovalQueue(r).get(id).status === 'cancelled', 'the abandoned request to be cancelled');
  } finally {
    r.close();
  }
  expect(fs.existsSync(marker)).toBe(false);
});

it('lists requests, refuses bad bodies in one line and files nothing', async () => {
  const before = (await api(server, 'GET', '/v1/host-commands?limit=1000')).json().requests.length;
  for (const body of [{ agent }, { agent, argv: ['true'], script: 'true' }, { agent, argv: [] }, { agent, argv: ['true'], cwd: '/no/such/dir' }, { agent, argv: ['true'], env: { 'BAD KEY': 'x' } }]) {
    const r = await api(server, 'POST', '/v1/host-commands', { body });
    expect(r.status, `${JSON.stringify(body)}: ${r.body}`).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.json().error.message.split('\n')).toHaveLength(1);
  }
  const listed = (await api(server, 'GET', '/v1/host-commands?limit=1000')).json().requests;
  expect(listed).toHaveLength(before);
  expect(listed.every((q: { agent: string }) => q.agent === agent)).toBe(true);
  expect((await api(server, 'GET', '/v1/host-commands?status=approved')).json().requests.map((q: { status: string }) => q.status)).toEqual(expect.arrayContaining(['approved']));
  expect((await api(server, 'GET', '/v1/host-commands?status=running')).status).toBe(400);
  expect((await api(server, 'GET', '/v1/host-commands/99999')).status).toBe(404);
});
