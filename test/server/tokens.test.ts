// API tokens end to end: `berth token` as a person at a terminal (shown once, stored hashed, audited, refused for
// agents and pipes), and a real berth serve on the real engine taking them: the token's agent is the caller's
// identity (label, audit, workspace, limits across API and CLI), grants and rooms hold (another room's containers
// are not there), revocation and expiry take effect at once and close open terminals, and the rate limit and
// open-request cap answer 429 with Retry-After.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, grantAllows, listTokens, parseGrants, revokeToken } from '../../src/runtime/access/index.js';
import { setAgentLimits } from '../../src/runtime/agents/index.js';
import { agentOf, personOf, roomOf } from '../../src/server/access.js';
import { docker, FIXTURE_IMAGE, repoRoot, runCli, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';
import { berthAsPerson, PERSON } from '../support/person.js';
import { removeServeRoom, startServe, type ServeProcess } from '../support/serve-helpers.js';
import { call, expireToken, makeToken, openSocket } from '../support/token-helpers.js';

const home = tempHome();
const room = uniqueRoom('tok');
const roomB = uniqueRoom('tokb');
let server: ServeProcess;

function auditEntries(): any[] {
  const file = runtimeFor(home).paths.auditLog;
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
}

function dbText(): string {
  const rt = runtimeFor(home, { BERTH_AGENT: '' });
  try {
    rt.db().pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    rt.close();
  }
  return fs.readFileSync(runtimeFor(home).paths.database).toString('latin1');
}

async function running(agent: string): Promise<string[]> {
  return (await docker.listContainers({ filters: { label: [`berth.agent=${agent}`], status: ['running'] } })).map((c) => c.Id);
}

beforeAll(async () => {
  server = await startServe(home, room);
});
afterAll(async () => {
  await server?.stop();
  await removeServeRoom(room);
  await removeServeRoom(roomB);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('berth token', () => {
  it('prints the token once (only the token with -q), stores a SHA-256 of it, lists everything but the token, audits', async () => {
    const made = await berthAsPerson(home, ['token', 'create', '--agent', 'cli-agent', '--room', room, '--grant', 'containers', '--grant', 'exec:write', '--expires', '30d', '--name', 'cli-one']);
    expect(made.code, made.output).toBe(0);
    const secret = /berth_tok_[A-Za-z0-9_-]{43}/.exec(made.output)![0];
    expect(made.output).toMatch(/for agent cli-agent: rooms .*; grants containers:read, containers:write, exec:write; expires 20\d\d-/);
    const quiet = await berthAsPerson(home, ['token', 'create', '--agent', 'cli-agent', '--room', room, '-q']);
    expect(quiet.code).toBe(0);
    expect(quiet.output.trim()).toMatch(/^berth_tok_[A-Za-z0-9_-]{43}$/);

    const list = await runCli(['token', 'list', '-o', 'json'], { BERTH_HOME: home });
    expect(list.code).toBe(0);
    const items = JSON.parse(list.stdout).items;
    const one = items.find((t: any) => t.name === 'cli-one');
    expect(one).toMatchObject({ agent: 'cli-agent', rooms: [room], grants: ['containers:read', 'containers:write', 'exec:write'], lastUsedAt: null });
    // The default grant is the least a token can do.
    expect(items.find((t: any) => t.name !== 'cli-one').grants).toEqual(['containers:read']);
    const table = await runCli(['token', 'list'], { BERTH_HOME: home });
    expect(table.stdout).toMatch(/ID\s+NAME\s+AGENT\s+ROOMS\s+GRANTS\s+CREATED\s+EXPIRES\s+LAST USED/);
    for (const text of [list.stdout, table.stdout, dbText(), fs.readFileSync(runtimeFor(home).paths.auditLog, 'utf8')]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(quiet.output.trim());
    }
    expect(auditEntries().filter((e) => e.action === 'token.create' && e.result === 'ok')).toHaveLength(2);

    // The token works, and `last used` is recorded.
    const r = await call(server, 'GET', '/v1/containers', { auth: `Bearer ${secret}` });
    expect(r.status, r.body).toBe(404); // the room has no containers yet: it does not exist
    const used = JSON.parse((await runCli(['token', 'list', '-o', 'json'], { BERTH_HOME: home })).stdout).items.find((t: any) => t.name === 'cli-one');
    expect(used.lastUsedAt).not.toBeNull();

    const revoked = await berthAsPerson(home, ['token', 'revoke', one.id]);
    expect(revoked.code, revoked.output).toBe(0);
    expect((await call(server, 'GET', '/v1/health', { auth: `Bearer ${secret}` })).status).toBe(401);
    expect(auditEntries().some((e) => e.action === 'token.revoke' && e.target === one.id && e.result === 'ok')).toBe(true);
  });

  it('refuses an agent, a pipe and bad input with one line, storing nothing', async () => {
    const before = listTokens(runtimeFor(home)).length;
    const asAgent = await berthAsPerson(home, ['token', 'create', '--agent', 'x', '--room', room], { BERTH_AGENT: 'sneaky' });
    expect(asAgent.code).toBe(6);
    expect(asAgent.output).toMatch(/creating an API token is a person's act: refused for agent sneaky/);
    const piped = await runCli(['token', 'create', '--agent', 'x', '--room', room], { BERTH_HOME: home, BERTH_AGENT: '' });
    expect(piped.stderr).toMatch(/person's act: refused because stdin is not a terminal/);
    for (const [args, message] of [
      [['--grant', 'containers:admin'], /invalid --grant "containers:admin"/],
      [['--grant', 'person'], /invalid --grant "person"/],
      [['--expires', 'soon'], /invalid --expires "soon"/],
      [['--name', 'has space'], /invalid --name/],
    ] as const) {
      const r = await berthAsPerson(home, ['token', 'create', '--agent', 'x', '--room', room, ...args]);
      expect(r.code, r.output).toBe(2);
      expect(r.output).toMatch(message);
      expect(r.output.trim().split('\n')).toHaveLength(1);
    }
    const unknown = await berthAsPerson(home, ['token', 'revoke', 'nope']);
    expect(unknown.code).toBe(3);
    expect(unknown.output).toMatch(/token "nope" not found/);
    expect(listTokens(runtimeFor(home)).length).toBe(before);
    // Revoking is a person's act too.
    const { token } = await makeToken(home, { agent: 'x', rooms: [room] });
    await expect(revokeToken(runtimeFor(home, { BERTH_AGENT: 'x' }), token.id, PERSON)).rejects.toThrow(/person's act/);
    await expect(createToken(runtimeFor(home, { BERTH_AGENT: '' }), { agent: 'x', rooms: [] }, PERSON)).rejects.toThrow(/name a room/);
  });

  it('parses grants: FAMILY for both, write includes read, nothing else', () => {
    expect(parseGrants(['files', 'approvals:request', 'exec:write'])).toEqual(['files:read', 'files:write', 'approvals:request', 'exec:write']);
    expect(grantAllows(['containers:write'], 'containers:read')).toBe(true);
    expect(grantAllows(['containers:read'], 'containers:write')).toBe(false);
    expect(grantAllows(['exec:write'], 'files:read')).toBe(false);
  });
});

describe('rooms and agents of a request', () => {
  const ctx = { room: 'served', shutdown: new AbortController().signal };
  const token = (rooms: string[]) => ({ principal: { kind: 'token', name: 't', id: 'i', agent: 'ag', rooms, grants: [], expiresAt: null } }) as never;
  const admin = { principal: { kind: 'user', name: 'admin' } } as never;

  it('gives a token its rooms only: the served one when it has it, else its only one, else it must name one', () => {
    expect(roomOf(admin, ctx)).toBe('served');
    expect(roomOf(admin, ctx, 'any')).toBe('any');
    expect(roomOf(token(['a', 'served']), ctx)).toBe('served');
    expect(roomOf(token(['a']), ctx)).toBe('a');
    expect(() => roomOf(token(['a', 'b']), ctx)).toThrow('name a room (?room=): token t may act in a, b');
    expect(roomOf(token(['a', 'b']), ctx, 'b')).toBe('b');
    // Another room is not there, exactly as a room that does not exist.
    expect(() => roomOf(token(['a']), ctx, 'served')).toThrow('room "served" not found');
    expect(roomOf(token(['*']), ctx, 'elsewhere')).toBe('elsewhere');
    expect(roomOf(token(['*']), ctx)).toBe('served');
  });

  it("names the token's agent, refuses another, and is never a person", () => {
    expect(agentOf(token(['a']))).toBe('ag');
    expect(agentOf(token(['a']), 'ag')).toBe('ag');
    expect(() => agentOf(token(['a']), 'other')).toThrow('token t acts as agent ag, not as other');
    expect(agentOf(admin, 'other')).toBe('other');
    expect(personOf(token(['*']))).toEqual({ stdinIsTTY: false });
    expect(personOf(admin)).toEqual({ stdinIsTTY: true });
  });
});

describe('a token is its agent', () => {
  it("labels, audits and mounts the token's agent; naming another agent is 403 and changes nothing", async () => {
    const alice = await makeToken(home, { agent: 'alice', rooms: [room], grants: ['containers'], name: 'alice-main' });
    const c = await call(server, 'POST', '/v1/containers', { auth: alice.auth, body: { image: FIXTURE_IMAGE, name: 'by-alice' } });
    expect(c.status, c.body).toBe(201);
    const info = await docker.getContainer(c.json().id).inspect();
    expect(info.Config.Labels['berth.agent']).toBe('alice');
    const ws = info.Mounts.find((m) => m.Destination === '/workspace');
    expect(ws?.Source).toBe(path.join(runtimeFor(home).paths.dataDir, 'workspaces', room, 'alice'));
    const entry = auditEntries().find((e) => e.action === 'container.create' && e.target === `${room}/by-alice`);
    expect(entry).toMatchObject({ actor: 'alice', result: 'ok', origin: { via: 'api', principal: `token:${alice.token.id}`, tokenName: 'alice-main' } });

    const before = (await docker.listContainers({ all: true, filters: { label: [`berth.room=${room}`] } })).length;
    const other = await call(server, 'POST', '/v1/containers', { auth: alice.auth, body: { image: FIXTURE_IMAGE, agent: 'bob' } });
    expect(other.status, other.body).toBe(403);
    expect(other.json().error.message).toBe('token alice-main acts as agent alice, not as bob');
    expect((await call(server, 'GET', '/v1/containers?agent=bob', { auth: alice.auth })).status).toBe(403);
    expect((await docker.listContainers({ all: true, filters: { label: [`berth.room=${room}`] } })).length).toBe(before);
    // An admin naming a field the route does not have is a plain bad request.
    expect((await call(server, 'POST', '/v1/containers', { auth: server.auth(), body: { image: FIXTURE_IMAGE, agent: 'bob' } })).status).toBe(400);
  });

  it("runs commands and reaches files only in its own agent's containers (another's has that agent's workspace)", async () => {
    const carol = await makeToken(home, { agent: 'carol', rooms: [room], grants: ['containers', 'exec', 'files'], name: 'carol' });
    const dave = await makeToken(home, { agent: 'dave', rooms: [room], grants: ['containers', 'exec', 'files'], name: 'dave' });
    expect((await call(server, 'POST', '/v1/containers', { auth: carol.auth, body: { image: FIXTURE_IMAGE, name: 'carols' } })).status).toBe(201);
    expect((await call(server, 'POST', '/v1/containers/carols/start', { auth: carol.auth })).status).toBe(200);
    const own = await call(server, 'POST', '/v1/containers/carols/exec', { auth: carol.auth, body: { command: 'echo mine > /workspace/note; cat /workspace/note' } });
    expect(own.json()).toMatchObject({ exit_code: 0, stdout: 'mine\n' });
    const refused = [
      await call(server, 'POST', '/v1/containers/carols/exec', { auth: dave.auth, body: { command: 'cat /workspace/note' } }),
      await call(server, 'POST', '/v1/containers/batch-exec', { auth: dave.auth, body: { commands: { carols: 'cat /workspace/note' } } }),
      await call(server, 'GET', '/v1/containers/carols/archive?path=', { auth: dave.auth }),
      await call(server, 'PUT', '/v1/containers/carols/files?path=x', { auth: dave.auth, raw: { data: Buffer.from('504b0506000000000000000000000000000000000000', 'hex'), contentType: 'application/zip' } }),
      await call(server, 'POST', '/v1/containers/carols/upload-and-run?command=true', { auth: dave.auth, raw: { data: Buffer.from('504b0506000000000000000000000000000000000000', 'hex'), contentType: 'application/zip' } }),
    ];
    for (const r of refused) {
      expect(r.status, r.body).toBe(403);
      expect(r.json().error.message).toBe("container \"carols\" belongs to agent carol: token dave runs commands and reaches files only in agent dave's containers");
    }
    const t = openSocket(server, '/v1/containers/carols/terminal', dave.auth);
    expect(await t.opened).toBe(403);
    // The room is shared: dave may still see carol's container.
    expect((await call(server, 'GET', '/v1/containers/carols', { auth: dave.auth })).status).toBe(200);
  });

  it('holds max running 3 for agent A across 10 parallel API creates+starts and 3 CLI runs', async () => {
    const agent = `lim-${room}`;
    await setAgentLimits(runtimeFor(home, { BERTH_AGENT: '' }), agent, { maxRunning: '3', onLimit: 'reject' }, PERSON);
    const a = await makeToken(home, { agent, rooms: [room], grants: ['containers'] });
    const api = Array.from({ length: 10 }, async () => {
      const c = await call(server, 'POST', '/v1/containers', { auth: a.auth, body: { image: FIXTURE_IMAGE, command: 'sleep 600' } });
      if (c.status !== 201) return c.status;
      return (await call(server, 'POST', `/v1/containers/${c.json().cuid}/start`, { auth: a.auth })).status;
    });
    const cli = Array.from(
      { length: 3 },
      () =>
        new Promise<number>((resolve) => {
          const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'berth'), 'container', 'run', '--room', room, '-d', FIXTURE_IMAGE, 'sleep', '600'], {
            env: { ...process.env, BERTH_HOME: home, BERTH_AGENT: agent },
            stdio: 'ignore',
          });
          child.on('exit', (code) => resolve(code ?? -1));
        }),
    );
    const statuses = await Promise.all(api);
    const codes = await Promise.all(cli);
    expect((await running(agent)).length).toBe(3);
    // Every refusal is the limit's (403 over the API, exit 6 on the CLI), never a crash.
    expect(statuses.filter((s) => s === 200).length + codes.filter((c) => c === 0).length).toBe(3);
    for (const s of statuses) expect([200, 403]).toContain(s);
    for (const c of codes) expect([0, 6]).toContain(c);
  });
});

describe('grants, rooms, revocation', () => {
  it("two agents with tokens for different rooms cannot see or touch each other's containers, nor count them", async () => {
    const alice = await makeToken(home, { agent: 'alice', rooms: [room], grants: ['containers', 'exec', 'files'] });
    const bob = await makeToken(home, { agent: 'bob', rooms: [roomB], grants: ['containers', 'exec', 'files'] });
    const mk = async (auth: string, name: string) => {
      const c = await call(server, 'POST', '/v1/containers', { auth, body: { image: FIXTURE_IMAGE, name } });
      expect(c.status, c.body).toBe(201);
      expect((await call(server, 'POST', `/v1/containers/${name}/start`, { auth })).status).toBe(200);
      return c.json();
    };
    const a = await mk(alice.auth, 'iso-alice');
    const b = await mk(bob.auth, 'iso-bob');
    // Bob's token has one room, so his containers live there, not in the served room.
    expect(a.room).toBe(room);
    expect(b.room).toBe(roomB);
    const listA = (await call(server, 'GET', '/v1/containers?limit=1000', { auth: alice.auth })).json();
    const listB = (await call(server, 'GET', '/v1/containers?limit=1000', { auth: bob.auth })).json();
    expect(listA.containers.map((c: any) => c.cuid)).not.toContain('iso-bob');
    expect(listB.containers.map((c: any) => c.cuid)).toEqual(['iso-bob']);
    expect(listB.next_cursor).toBeNull();
    // A page of one says nothing of the other room either.
    const page = (await call(server, 'GET', '/v1/containers?limit=1', { auth: bob.auth })).json();
    expect(page.next_cursor).toBeNull();

    const probes: [string, string, unknown?][] = [
      ['GET', '/v1/containers/%s'],
      ['GET', '/v1/containers/%s/status'],
      ['PATCH', '/v1/containers/%s', { tags: ['x'] }],
      ['POST', '/v1/containers/%s/exec', { command: 'true' }],
      ['GET', '/v1/containers/%s/archive?path='],
      ['POST', '/v1/containers/%s/stop?timeout=0'],
      ['DELETE', '/v1/containers/%s'],
    ];
    for (const [who, them, auth] of [
      ['alice', 'iso-bob', alice.auth],
      ['bob', 'iso-alice', bob.auth],
    ] as const) {
      for (const [method, p, body] of probes) {
        const r = await call(server, method, p.replace('%s', them), { auth, body });
        expect(r.status, `${who} ${method} ${p}: ${r.body}`).toBe(404);
        // The same answer as for a name that exists nowhere: the caller's own room is the only one named.
        expect(r.json().error.message).toBe(`container "${them}" not found in room "${who === 'alice' ? room : roomB}"`);
      }
      const del = (await call(server, 'POST', '/v1/containers/batch-delete', { auth, body: { cuids: [them] } })).json();
      expect(del.errors[0]).toMatch(/not found|no container/);
      const ex = (await call(server, 'POST', '/v1/containers/batch-exec', { auth, body: { commands: { [them]: 'true' } } })).json();
      expect(JSON.stringify(ex.results[them])).toMatch(/not found/);
      const t = openSocket(server, `/v1/containers/${them}/terminal`, auth);
      expect(await t.opened).toBe(101);
      expect((await t.closed).code).toBe(1011);
      expect(t.frames[0].error.code).toBe('not_found');
    }
    for (const id of [a.id, b.id]) expect((await docker.getContainer(id).inspect()).State.Running).toBe(true);
  });

  it('answers 403 without the grant, 401 once revoked or expired, and closes a revoked token\'s terminal', async () => {
    // The terminal's container is the terminal token's agent's own.
    const owner = await makeToken(home, { agent: 'termer', rooms: [room], grants: ['containers'] });
    const c = await call(server, 'POST', '/v1/containers', { auth: owner.auth, body: { image: FIXTURE_IMAGE, name: 'term-target' } });
    expect(c.status, c.body).toBe(201);
    expect((await call(server, 'POST', '/v1/containers/term-target/start', { auth: owner.auth })).status).toBe(200);

    const reader = await makeToken(home, { agent: 'reader', rooms: [room] });
    const r = await call(server, 'POST', '/v1/containers/term-target/exec', { auth: reader.auth, body: { command: 'touch /app/nope' } });
    expect(r.status).toBe(403);
    expect(r.json().error.message).toMatch(/does not hold the grant exec:write/);
    expect((await call(server, 'GET', '/v1/containers/term-target', { auth: reader.auth })).status).toBe(200);

    const late = await makeToken(home, { agent: 'late', rooms: [room], expires: '1h' });
    expireToken(home, late.token.id);
    const e = await call(server, 'GET', '/v1/health', { auth: late.auth });
    expect(e.status).toBe(401);
    expect(e.json().error.message).toBe('the token has expired');

    const term = await makeToken(home, { agent: 'termer', rooms: [room], grants: ['exec:write'] });
    const t = openSocket(server, '/v1/containers/term-target/terminal', term.auth);
    expect(await t.opened).toBe(101);
    t.ws.send(Buffer.from('echo marker-$((6*7))\n'));
    await waitFor(() => t.output().includes('marker-42'), 'the shell to answer');
    const execsBefore = (await docker.getContainer(c.json().id).inspect()).ExecIDs?.length ?? 0;
    expect(execsBefore).toBeGreaterThan(0);
    await revokeToken(runtimeFor(home, { BERTH_AGENT: '' }), term.token.id, PERSON);
    const closed = await t.closed;
    expect(closed).toEqual({ code: 1008, reason: 'token revoked' });
    // The shell the terminal ran is gone: no exec of the container is running any more.
    await waitFor(async () => {
      const info = await docker.getContainer(c.json().id).inspect();
      const states = await Promise.all((info.ExecIDs ?? []).map((id) => docker.getExec(id).inspect()));
      return states.every((s) => !s.Running);
    }, 'the terminal session to end');
    const line = await waitFor(() => auditEntries().find((x) => x.action === 'api.session.close' && x.origin?.principal === `token:${term.token.id}`), 'the audit line');
    expect(line).toMatchObject({ actor: 'termer', target: '/v1/containers/term-target/terminal', details: { reason: 'token revoked' } });
    expect((await call(server, 'GET', '/v1/health', { auth: term.auth })).status).toBe(401);

    // A token that expires while its terminal is open: closed the same way, within a second of its expiry.
    const brief = await makeToken(home, { agent: 'termer', rooms: [room], grants: ['exec:write'], expires: '3s' });
    const t2 = openSocket(server, '/v1/containers/term-target/terminal', brief.auth);
    expect(await t2.opened).toBe(101);
    expect(await t2.closed).toEqual({ code: 1008, reason: 'token expired' });
    await waitFor(() => auditEntries().find((x) => x.action === 'api.session.close' && x.origin?.principal === `token:${brief.token.id}` && x.details?.reason === 'token expired'), 'the expiry audit line');
  });
});

describe('tokens over the API', () => {
  it('lets an admin list (never the text) and revoke tokens; a token, whatever its grants, cannot', async () => {
    const every = ['containers', 'exec', 'files', 'images', 'build', 'services', 'plugins', 'records', 'approvals:request'];
    const strong = await makeToken(home, { agent: 'strong', rooms: ['*'], grants: every, name: 'strong' });
    const victim = await makeToken(home, { agent: 'victim', rooms: [room], name: 'victim' });
    for (const [method, url] of [
      ['GET', '/v1/tokens'],
      ['DELETE', `/v1/tokens/${victim.token.id}`],
    ] as const) {
      const r = await call(server, method, url, { auth: strong.auth });
      expect(r.status).toBe(403);
      expect(r.json().error.message).toBe(`${method} ${url.replace(victim.token.id, ':id')} is a person's act: refused for token strong (agent strong)`);
    }
    const list = await call(server, 'GET', '/v1/tokens', { auth: server.auth() });
    expect(list.status).toBe(200);
    expect(list.json().tokens.find((t: any) => t.id === victim.token.id)).toMatchObject({ name: 'victim', agent: 'victim', rooms: [room], grants: ['containers:read'] });
    expect(list.body).not.toContain(victim.secret);
    expect(list.body).not.toContain(strong.secret);
    expect((await call(server, 'GET', '/v1/health', { auth: victim.auth })).status).toBe(200);
    const revoked = await call(server, 'DELETE', `/v1/tokens/${victim.token.id}`, { auth: server.auth() });
    expect(revoked.status, revoked.body).toBe(200);
    expect((await call(server, 'GET', '/v1/health', { auth: victim.auth })).status).toBe(401);
    expect((await call(server, 'DELETE', `/v1/tokens/${victim.token.id}`, { auth: server.auth() })).status).toBe(404);
    expect(auditEntries().find((e) => e.action === 'token.revoke' && e.target === victim.token.id)).toMatchObject({ actor: 'api-tester', result: 'ok', origin: { via: 'api' } });
  });
});

describe('rate limit and open requests', () => {
  const home2 = tempHome();
  const room2 = uniqueRoom('tokr');
  let srv: ServeProcess;
  beforeAll(async () => {
    const rt = runtimeFor(home2, { BERTH_AGENT: '' });
    (await rt.settings()).set('api', { tokenRate: 1, tokenBurst: 3, tokenConcurrency: 1 });
    rt.close();
    srv = await startServe(home2, room2);
  });
  afterAll(async () => {
    await srv?.stop();
    await removeServeRoom(room2);
    fs.rmSync(home2, { recursive: true, force: true });
  });

  it('answers 429 with Retry-After past the burst, per token, and past the open-request cap', async () => {
    const one = await makeToken(home2, { agent: 'fast', rooms: [room2], grants: ['exec:write'] });
    const two = await makeToken(home2, { agent: 'fast', rooms: [room2] });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await call(srv, 'GET', '/v1/health', { auth: one.auth }));
    expect(answers.slice(0, 3).map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers[3]!.status).toBe(429);
    expect(answers[3]!.json().error.code).toBe('rate_limited');
    expect(Number(answers[3]!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Another token has its own bucket; an admin has none.
    expect((await call(srv, 'GET', '/v1/health', { auth: two.auth })).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await call(srv, 'GET', '/v1/health', { auth: srv.auth() })).status).toBe(200);

    // An open WebSocket holds the token's one slot: the next request waits for it to close.
    const c = await call(srv, 'POST', '/v1/containers', { auth: srv.auth(), body: { image: FIXTURE_IMAGE, name: 'slot' } });
    expect(c.status).toBe(201);
    expect((await call(srv, 'POST', '/v1/containers/slot/start', { auth: srv.auth() })).status).toBe(200);
    // The default agent's token: the admin's containers are that agent's.
    const held = await makeToken(home2, { agent: 'user', rooms: [room2], grants: ['exec:write'] });
    const t = openSocket(srv, '/v1/containers/slot/terminal', held.auth);
    expect(await t.opened).toBe(101);
    const busy = await call(srv, 'GET', '/v1/health', { auth: held.auth });
    expect(busy.status).toBe(429);
    expect(busy.json().error.code).toBe('too_many_open');
    expect(busy.headers['retry-after']).toBe('1');
    t.ws.close();
    await t.closed;
    await waitFor(async () => (await call(srv, 'GET', '/v1/health', { auth: held.auth })).status === 200, 'the slot to be free');
  });
});

describe('the Python client', () => {
  it('uses a token with access_token= (HTTP and a terminal), refused without its grant', async () => {
    const py = ['/usr/bin/python3', 'python3'].find((c) => spawnSync(c, ['-c', 'import aiohttp'], { stdio: 'ignore' }).status === 0);
    expect(py, 'python3 with aiohttp (apt-get install python3-aiohttp)').toBeDefined();
    const t = await makeToken(home, { agent: 'py-agent', rooms: [room], grants: ['containers', 'exec:write'] });
    const script = `
import asyncio, os, sys
sys.path.insert(0, os.path.join(os.getcwd(), 'clients', 'python'))
from container_client import ContainerClient, ContainerAPIError
async def main():
    async with ContainerClient(os.environ['URL'], access_token=os.environ['TOKEN']) as c:
        info = await c.create_container(image=os.environ['IMAGE'])
        await c.start_container(info.cuid)
        out, err, code = await c.execute_command(info.cuid, 'echo from-$CONTAINER_UID')
        print('exec', code, out.strip() == 'from-' + info.cuid)
        term = await c.create_terminal(info.cuid)
        await term.send_input('echo term-$((40+2))\\n')
        for _ in range(100):
            if b'term-42' in term.output: break
            await asyncio.sleep(0.05)
        print('terminal', b'term-42' in term.output)
        await term.stop()
        try:
            await c.download_zip(info.cuid, '')
        except ContainerAPIError as e:
            print('download', e.status)
        await c.delete_container(info.cuid)
asyncio.run(main())
`;
    const r = spawnSync(py!, ['-c', script], { cwd: repoRoot, env: { ...process.env, URL: server.url, TOKEN: t.secret, IMAGE: FIXTURE_IMAGE }, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['exec 0 True', 'terminal True', 'download 403']);
  });
});
