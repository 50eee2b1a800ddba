// Callers acting as agents (bearer tokens) on the library routes: storage reaches only the token's own workspace,
// a deploy is the token's agent's and may not bring stored secrets or the project storage, and host command
// requests are filed as the token's agent and only that agent's are listed or got.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspaceDir } from '../../src/runtime/agents/index.js';
import { addTrustRule, fileShellRequest } from '../../src/runtime/host-commands/index.js';
import { buildTestImage, removeImages, uniqueTag } from '../support/deploy-helpers.js';
import { runCli, runtimeFor, tempHome, uniqueRoom } from '../support/helpers.js';
import { removeServeRoom, startServe, type ServeProcess } from '../support/serve-helpers.js';
import { call, makeToken } from '../support/token-helpers.js';

const home = tempHome();
const room = uniqueRoom('agcall');
const IMAGE = uniqueTag('agsvc');
let server: ServeProcess;
let ana: string;

beforeAll(async () => {
  expect((await runCli(['room', 'create', room], { BERTH_HOME: home })).code).toBe(0);
  await buildTestImage(IMAGE, ['CMD ["sleep", "600"]']);
  const rt = runtimeFor(home, { BERTH_AGENT: '' });
  for (const agent of ['ana', 'bob']) {
    fs.mkdirSync(workspaceDir(rt, room, agent), { recursive: true });
    fs.writeFileSync(`${workspaceDir(rt, room, agent)}/${agent}.txt`, agent);
  }
  await addTrustRule(rt, { pattern: ['false'], action: 'deny' });
  rt.close();
  ana = (await makeToken(home, { agent: 'ana', name: 'ana-token', rooms: [room], grants: ['files:read', 'files:write', 'services:read', 'services:write', 'approvals:request'] })).auth;
  server = await startServe(home, room, { env: { BERTH_DEPLOY_MODE: 'engine' } });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await removeServeRoom(room);
  await removeImages([IMAGE]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('an agent caller', () => {
  it("reaches its own workspace and never another agent's", async () => {
    const own = await call(server, 'GET', '/v1/storage?workspace=true', { auth: ana });
    expect(own.status, own.body).toBe(200);
    expect(own.json().entries.map((e: { name: string }) => e.name)).toEqual(['ana.txt']);
    expect((await call(server, 'GET', '/v1/storage?agent=ana', { auth: ana })).status).toBe(200);
    for (const [method, url, body] of [
      ['GET', '/v1/storage?agent=bob', undefined],
      ['POST', '/v1/storage/copy?agent=bob', { src: 'bob.txt', dst: 'stolen.txt' }],
      ['DELETE', '/v1/storage?agent=bob&path=bob.txt', undefined],
    ] as const) {
      const r = await call(server, method, url, { auth: ana, body });
      expect(r.status, `${method} ${url}: ${r.body}`).toBe(403);
    }
    const rt = runtimeFor(home, { BERTH_AGENT: '' });
    expect(fs.readdirSync(workspaceDir(rt, room, 'bob'))).toEqual(['bob.txt']);
    rt.close();
  });

  it('deploys as itself, and may not bring stored secrets or the project storage', async () => {
    for (const body of [{ identity: 'bob' }, { env_secrets: { DB: 'dbpass' } }, { project_mounts: ['shared:/shared'] }]) {
      const r = await call(server, 'POST', '/v1/services', { auth: ana, body: { tag: IMAGE, name: 'svc', settle: '1s', ...body } });
      expect(r.status, `${JSON.stringify(body)}: ${r.body}`).toBe(403);
    }
    const ok = await call(server, 'POST', '/v1/services', { auth: ana, body: { tag: IMAGE, name: 'svc', settle: '1s' } });
    expect(ok.status, ok.body).toBe(201);
    const detail = (await call(server, 'GET', '/v1/services/svc', { auth: ana })).json();
    expect(detail.identity).toBe('ana');
  }, 120_000);

  it("files host command requests as itself and sees only its own", async () => {
    const asBob = await call(server, 'POST', '/v1/host-commands', { auth: ana, body: { agent: 'bob', argv: ['false'] } });
    expect(asBob.status).toBe(403);
    const filed = await call(server, 'POST', '/v1/host-commands', { auth: ana, body: { argv: ['false'] } });
    expect(filed.status, filed.body).toBe(200);
    const mine = JSON.parse(filed.body.split('\n')[0]!).request;
    expect(mine).toMatchObject({ agent: 'ana', status: 'denied' });
    // A person sees which token filed it (the dashboard's Approvals view shows the same field).
    const shown = await runCli(['approvals', 'show', String(mine.id)], { BERTH_HOME: home });
    expect(shown.stdout).toMatch(/^via:\s+token ana-token \(token:[0-9a-f]+\)$/m);
    const rt = runtimeFor(home, { BERTH_AGENT: '' });
    const bobs = await fileShellRequest(rt, { agent: 'bob', argv: ['false'], timeoutMs: 60_000 });
    rt.close();
    const listed = (await call(server, 'GET', '/v1/host-commands', { auth: ana })).json().requests;
    expect(listed.map((r: { id: number }) => r.id)).toEqual([mine.id]);
    expect((await call(server, 'GET', `/v1/host-commands/${bobs.id}`, { auth: ana })).status).toBe(404);
    expect((await call(server, 'GET', `/v1/host-commands/${bobs.id}`, { auth: server.auth() })).status).toBe(200);
  });
});
