// berth serve over real HTTP and WebSocket on the real engine: auth on every route, bad input changing nothing, the
// archive guard, terminals, web safety (Host, Origin, CORS, body limits, header timeout), graceful shutdown and
// the engine lost behind a relay. One server per concern; the Python client's flows are in server-python.test.ts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addApiUser, ApiUserVerifier, listApiUsers, removeApiUser } from '../../src/runtime/access/index.js';
import { FailureDelay } from '../../src/server/auth.js';
import { startEngineRelay } from '../support/engine-relay.js';
import { makeTar, makeTarGz, makeZip, patchZipUncompressedSize } from '../support/fixtures/archives.js';
import { docker, FIXTURE_IMAGE, repoRoot, runCli, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';
import { PERSON } from '../support/person.js';
import { removeServeRoom, startServe, type ServeProcess } from '../support/serve-helpers.js';

const home = tempHome();
const room = uniqueRoom('api');
let server: ServeProcess;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json(): any;
}

/** One request with full control: source address (each gets its own failure delay), headers, raw body. */
function request(
  srv: ServeProcess,
  method: string,
  urlPath: string,
  opts: { auth?: string | null; headers?: Record<string, string>; body?: string | Buffer; from?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...opts.headers };
    const auth = opts.auth === undefined ? srv.auth() : opts.auth;
    if (auth) headers.authorization = auth;
    if (opts.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    if (opts.body !== undefined) headers['content-length'] ??= String(Buffer.byteLength(opts.body));
    const req = http.request({ host: '127.0.0.1', port: srv.port, method, path: urlPath, headers, localAddress: opts.from, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body) }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const json = (value: unknown) => JSON.stringify(value);

async function createStarted(srv: ServeProcess, body: Record<string, unknown> = {}): Promise<string> {
  const c = await request(srv, 'POST', '/v1/containers', { body: json({ image: FIXTURE_IMAGE, ...body }) });
  expect(c.status, c.body).toBe(201);
  const cuid = c.json().cuid as string;
  const s = await request(srv, 'POST', `/v1/containers/${cuid}/start`);
  expect(s.status, s.body).toBe(200);
  return cuid;
}

async function roomContainers(): Promise<string[]> {
  return (await docker.listContainers({ all: true, filters: { label: [`berth.room=${room}`] } })).map((c) => c.Id).sort();
}

function auditLines(): string[] {
  const file = path.join(runtimeFor(home).paths.auditLog);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

function openTerminal(srv: ServeProcess, cuid: string, query = 'cols=100&rows=30', headers: Record<string, string> = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/v1/containers/${cuid}/terminal?${query}`, { headers: { authorization: srv.auth(), ...headers } });
  let output = '';
  const frames: any[] = [];
  ws.on('message', (data, binary) => (binary ? (output += data.toString()) : frames.push(JSON.parse(data.toString()))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return { ws, opened, closed, frames, output: () => output };
}

beforeAll(async () => {
  server = await startServe(home, room);
});
afterAll(async () => {
  await server?.stop();
  await removeServeRoom(room);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('authentication', () => {
  it('answers 401 on every route without credentials or with a wrong password, and changes nothing', async () => {
    const cuid = await createStarted(server);
    const doc = (await request(server, 'GET', '/openapi.json')).json();
    const routes: [string, string][] = [['GET', '/openapi.json']];
    for (const [p, ops] of Object.entries(doc.paths as Record<string, object>)) for (const m of Object.keys(ops)) routes.push([m.toUpperCase(), p.replace('{cuid}', cuid)]);
    expect(routes.length).toBeGreaterThan(18);
    const before = { containers: await roomContainers(), audit: auditLines().length };
    let n = 10;
    const answers = await Promise.all(
      routes.flatMap(([method, p]) =>
        [null, server.auth('api-tester', 'wrong-password')].map(async (auth) => {
          // Each from its own loopback address: the failure delay grows per address.
          const r = await request(server, method, `${p}?path=x&command=rm%20-rf%20%2Fapp`, { auth, from: `127.0.${Math.floor(n / 250)}.${(n++ % 250) + 2}`, body: method === 'GET' || method === 'DELETE' ? undefined : json({ image: FIXTURE_IMAGE, cuids: [cuid], commands: { [cuid]: 'true' }, configs: [], ports: [], status: 'running' }) });
          return { method, p, auth, r };
        }),
      ),
    );
    for (const { method, p, r } of answers) {
      expect(r.status, `${method} ${p}`).toBe(401);
      expect(r.json().error.code).toBe('unauthorized');
      expect(r.headers['www-authenticate']).toMatch(/^Basic /);
    }
    expect({ containers: await roomContainers(), audit: auditLines().length }).toEqual(before);
    expect((await request(server, 'GET', `/v1/containers/${cuid}/status`)).json().status).toBe('running');
    // The WebSocket routes refuse the upgrade itself.
    const t = openTerminal(server, cuid, '', { authorization: server.auth('api-tester', 'nope') });
    await expect(t.opened).rejects.toThrow(/401/);
  });

  it('grows the delay per failing address and clears it on success', () => {
    const d = new FailureDelay(10, 1000);
    const first = d.delayFor('a');
    d.fail('a');
    d.fail('a');
    expect(d.delayFor('a')).toBeGreaterThan(first);
    expect(d.delayFor('b')).toBe(first);
    for (let i = 0; i < 20; i++) d.fail('a');
    expect(d.delayFor('a')).toBe(1000);
    d.succeed('a');
    expect(d.delayFor('a')).toBe(first);
  });

  it('stores users as bcrypt hashes, a person\'s act; a removed user is refused at once', async () => {
    const rt = runtimeFor(home, { BERTH_AGENT: '' });
    try {
      await expect(addApiUser(runtimeFor(home, { BERTH_AGENT: 'bot' }), 'eve', 'long-enough-pw', PERSON)).rejects.toThrow(/person's act/);
      await expect(addApiUser(rt, 'eve', 'long-enough-pw', { stdinIsTTY: false })).rejects.toThrow(/person's act/);
      await expect(addApiUser(rt, 'eve', 'short', PERSON)).rejects.toThrow(/too short/);
      await addApiUser(rt, 'carol', 'carol-password-1', PERSON);
      await expect(addApiUser(rt, 'carol', 'carol-password-2', PERSON)).rejects.toThrow(/already exists/);
      const row = rt.db().prepare('SELECT password_hash FROM api_users WHERE name = ?').get('carol') as { password_hash: string };
      expect(row.password_hash).toMatch(/^\$2[aby]\$12\$/);
      expect(listApiUsers(rt).map((u) => u.name)).toEqual(['carol']);
      const list = await runCli(['serve', 'user', 'list', '-o', 'json'], { BERTH_HOME: home });
      expect(JSON.parse(list.stdout).items.map((u: { name: string }) => u.name)).toEqual(['carol']);
      const carol = server.auth('carol', 'carol-password-1');
      expect((await request(server, 'GET', '/v1/health', { auth: carol })).status).toBe(200);
      expect((await request(server, 'GET', '/v1/health', { auth: server.auth('carol', 'carol-password-2'), from: '127.0.9.9' })).status).toBe(401);
      await removeApiUser(rt, 'carol', PERSON);
      expect((await request(server, 'GET', '/v1/health', { auth: carol, from: '127.0.9.10' })).status).toBe(401);
      expect(auditLines().some((l) => /"action":"api-user.add".*"target":"carol"/.test(l))).toBe(true);
      // The verifier compares the environment's user in constant time and caches a bcrypt success.
      const v = new ApiUserVerifier(rt, { name: 'env', password: 'env-password' });
      expect(await v.verify('env', 'env-password')).toBe(true);
      expect(await v.verify('env', 'env-passwore')).toBe(false);
    } finally {
      rt.close();
    }
  });

  it('audits a mutating request with the principal and the source address', async () => {
    const c = await request(server, 'POST', '/v1/containers', { body: json({ image: FIXTURE_IMAGE, name: 'audited-one' }) });
    expect(c.status).toBe(201);
    const entry = auditLines().map((l) => JSON.parse(l)).find((e) => e.action === 'container.create' && e.target === `${room}/audited-one`);
    expect(entry).toMatchObject({ actor: 'api-tester', result: 'ok', origin: { via: 'api', principal: 'user:api-tester', address: '127.0.0.1' } });
  });
});

describe('bad input', () => {
  it('answers 400 with one line and changes nothing', async () => {
    const cuid = await createStarted(server, { env: { KEEP: 'me' } });
    // Refused attempts are audited as errors; what changed anything is audited as ok.
    const done = () => auditLines().filter((l) => !/"result":"error"/.test(l)).length;
    const before = { containers: await roomContainers(), audit: done() };
    const bad: [string, string, string | Buffer, RegExp][] = [
      ['POST', '/v1/containers', json({ image: 5 }), /body\/image must be string/],
      ['POST', '/v1/containers', json({ image: FIXTURE_IMAGE, bogus: 1 }), /must NOT have additional properties "bogus"/],
      ['POST', '/v1/containers', json({ image: FIXTURE_IMAGE, resources: { memory: 'lots' } }), /invalid --memory "lots"/],
      ['POST', '/v1/containers', json({ image: FIXTURE_IMAGE, ports: [{ container: 70000 }] }), /must be <= 65535/],
      ['POST', '/v1/containers', json({ image: FIXTURE_IMAGE, tags: ['has space'] }), /invalid --tag "has space"/],
      ['POST', '/v1/containers', '{"image": ', /JSON|Unexpected end/],
      ['PATCH', `/v1/containers/${cuid}`, json({ tags: 'x', env: { KEEP: null } }), /body\/tags must be array/],
      ['PATCH', `/v1/containers/${cuid}`, json({ env: { 'BAD KEY': 'x' } }), /invalid/],
      ['POST', `/v1/containers/${cuid}/exec`, json({ command: [] }), /body\/command/],
      ['POST', `/v1/containers/${cuid}/wait`, json({ status: 'sleeping' }), /body\/status must be equal to one of the allowed values/],
      ['GET', '/v1/containers?limit=0', '', /querystring\/limit must be >= 1/],
      ['GET', '/v1/containers?status=sleeping', '', /invalid --status "sleeping"/],
      ['GET', `/v1/containers/${cuid}/files?path=../etc/passwd`, '', /relative to the container's \/app/],
    ];
    for (const [method, p, body, message] of bad) {
      const r = await request(server, method, p, { body: method === 'GET' ? undefined : body });
      expect(r.status, `${method} ${p} ${r.body}`).toBe(400);
      expect(r.json().error.message, `${method} ${p}`).toMatch(message);
      expect(r.json().error.message).not.toContain('\n');
    }
    expect({ containers: await roomContainers(), audit: done() }).toEqual(before);
    const got = (await request(server, 'GET', `/v1/containers/${cuid}`)).json();
    expect(got.env.KEEP).toBe('me');
    expect((await request(server, 'GET', '/v1/containers/no-such-one')).json().error).toEqual({ code: 'not_found', message: `container "no-such-one" not found in room "${room}"` });
  });

  it('refuses a zip whose entries escape /app and writes nothing', async () => {
    const cuid = await createStarted(server);
    const zips = path.join(home, 'zips');
    fs.mkdirSync(zips, { recursive: true });
    const made = spawnSync('python3', ['-c', [
      'import zipfile, sys',
      'z = zipfile.ZipFile(sys.argv[1] + "/dotdot.zip", "w"); z.writestr("ok.txt", "fine"); z.writestr("../escaped.txt", "evil"); z.close()',
      'z = zipfile.ZipFile(sys.argv[1] + "/abs.zip", "w"); z.writestr("ok2.txt", "fine"); z.writestr("/tmp/abs.txt", "evil"); z.close()',
      'z = zipfile.ZipFile(sys.argv[1] + "/link.zip", "w"); i = zipfile.ZipInfo("link"); i.external_attr = 0o120777 << 16; z.writestr(i, "/etc"); z.writestr("link/passwd.txt", "evil"); z.close()',
    ].join('\n'), zips]);
    expect(made.status, made.stderr?.toString()).toBe(0);
    for (const name of ['dotdot.zip', 'abs.zip', 'link.zip']) {
      const r = await request(server, 'PUT', `/v1/containers/${cuid}/files`, { body: fs.readFileSync(path.join(zips, name)), headers: { 'content-type': 'application/zip' } });
      expect(r.status, `${name}: ${r.body}`).toBe(403);
      expect(r.json().error.message).toMatch(/^archive refused: /);
    }
    const ls = await request(server, 'POST', `/v1/containers/${cuid}/exec`, { body: json({ command: 'ls -A /app; ls /escaped.txt /tmp/abs.txt /etc/passwd.txt 2>&1 | grep -c "No such"' }) });
    expect(ls.json()).toEqual({ stdout: '3\n', stderr: '', exit_code: 0 });
  });
});

describe('tar and zip bodies', () => {
  const put = (cuid: string, query: string, file: string, type: string) =>
    request(server, 'PUT', `/v1/containers/${cuid}/files${query}`, { body: fs.readFileSync(file), headers: { 'content-type': type } });
  const sh = async (cuid: string, command: string) => (await request(server, 'POST', `/v1/containers/${cuid}/exec`, { body: json({ command }) })).json();

  it('unpacks a tar (and a gzip\'d tar) body streamed to the container: files, directories, links, modes', async () => {
    const cuid = await createStarted(server);
    const dir = path.join(home, 'tars');
    fs.mkdirSync(dir, { recursive: true });
    const tarFile = await makeTar(path.join(dir, 'good.tar'), [
      { name: 'sub/', type: 'directory' },
      { name: 'sub/run.sh', data: 'echo ran', mode: 0o755 },
      { name: 'link', type: 'symlink', linkname: 'sub/run.sh' },
      { name: 'hard', type: 'link', linkname: 'sub/run.sh' },
    ]);
    const r = await put(cuid, '?path=in/deep', tarFile, 'application/x-tar');
    expect(r.status, r.body).toBe(200);
    expect(r.json()).toEqual({ path: '/app/in/deep', files: 2, dirs: 3, symlinks: 1, bytes: 8 });
    expect(await sh(cuid, 'cd /app/in/deep && sh sub/run.sh && readlink link && cat hard && stat -c %a sub/run.sh')).toEqual({ stdout: 'ran\nsub/run.sh\necho ran755\n', stderr: '', exit_code: 0 });
    const gz = await makeTarGz(path.join(dir, 'good.tar.gz'), [{ name: 'z.txt', data: 'zipped' }]);
    expect((await put(cuid, '', gz, 'application/gzip')).status).toBe(200);
    expect((await sh(cuid, 'cat /app/z.txt')).stdout).toBe('zipped');
  });

  it('refuses a tar entry that escapes /app before it reaches the container, and a zip whose data disagrees with its header', async () => {
    const cuid = await createStarted(server);
    const dir = path.join(home, 'bad-tars');
    fs.mkdirSync(dir, { recursive: true });
    const bad = [
      await makeTar(path.join(dir, 'dotdot.tar'), [{ name: '../../escaped.txt', data: 'evil' }]),
      await makeTar(path.join(dir, 'abs.tar'), [{ name: '/tmp/abs.txt', data: 'evil' }]),
      await makeTar(path.join(dir, 'through.tar'), [{ name: 'l', type: 'symlink', linkname: '/etc' }, { name: 'l/passwd.txt', data: 'evil' }]),
      await makeTar(path.join(dir, 'inside-link.tar'), [{ name: 'd/', type: 'directory' }, { name: 's', type: 'symlink', linkname: 'd' }, { name: 's/x.txt', data: 'evil' }]),
      await makeTar(path.join(dir, 'hard.tar'), [{ name: 'h', type: 'link', linkname: '/etc/shadow' }]),
      await makeTar(path.join(dir, 'dev.tar'), [{ name: 'null', type: 'character-device' }]),
    ];
    for (const file of bad) {
      const r = await put(cuid, '?path=t', file, 'application/x-tar');
      expect(r.status, `${path.basename(file)}: ${r.body}`).toBe(403);
      expect(r.json().error.message).toMatch(/^archive refused: /);
    }
    const lie = await makeZip(path.join(dir, 'lie.zip'), [{ name: 'data.bin', data: Buffer.alloc(5000, 7) }]);
    patchZipUncompressedSize(lie, 10);
    const r = await put(cuid, '?path=z', lie, 'application/zip');
    expect(r.status, r.body).toBe(403);
    const ls = await sh(cuid, 'ls /escaped.txt /app/escaped.txt /tmp/abs.txt /etc/passwd.txt /app/t/d/x.txt /app/t/null /app/t/h 2>&1 | grep -c "No such"; cat /app/z/data.bin 2>/dev/null | wc -c');
    expect(ls).toEqual({ stdout: '7\n0\n', stderr: '', exit_code: 0 });
  });
});

describe('listing under concurrency', () => {
  it('answers concurrent listings alike, and a listing asked after a create sees it while others are in flight', async () => {
    await createStarted(server);
    const names = async (query = '') => ((await request(server, 'GET', `/v1/containers${query}`)).json().containers as { cuid: string }[]).map((c) => c.cuid).sort();
    const alone = await names();
    const together = await Promise.all(Array.from({ length: 30 }, () => names()));
    for (const list of together) expect(list).toEqual(alone);
    // Listings keep arriving while a container is created; one asked after the create answered must hold it.
    let busy = true;
    const background = (async () => {
      while (busy) await Promise.all(Array.from({ length: 10 }, () => names()));
    })();
    try {
      for (let i = 0; i < 3; i++) {
        const c = await request(server, 'POST', '/v1/containers', { body: json({ image: FIXTURE_IMAGE }) });
        expect(c.status, c.body).toBe(201);
        expect(await names()).toContain(c.json().cuid);
      }
      // Different filters are different queries.
      expect(await names('?status=running')).not.toEqual(await names());
    } finally {
      busy = false;
      await background;
    }
  });
});

describe('terminals', () => {
  it('types into a WebSocket terminal, resizes it, and gets the exit code', async () => {
    const cuid = await createStarted(server);
    const t = openTerminal(server, cuid, 'cols=100&rows=30');
    await t.opened;
    const ask = async (size: string) =>
      waitFor(() => {
        t.ws.send(Buffer.from('stty size\n'));
        return new Promise<boolean>((r) => setTimeout(() => r(t.output().includes(`\n${size}\r`)), 100));
      }, `stty size ${size}`);
    t.ws.send(Buffer.from('echo typed-$((6*7))\n'));
    await waitFor(() => t.output().includes('typed-42'), 'typed input echoed');
    await ask('30 100');
    t.ws.send(json({ type: 'resize', cols: 132, rows: 43 }));
    await ask('43 132');
    t.ws.send(json({ type: 'input', data: 'exit 5\n' }));
    expect(await t.closed).toEqual({ code: 1000, reason: 'exited' });
    expect(t.frames).toContainEqual({ type: 'exit', exit_code: 5 });
  });
});

describe('web safety', () => {
  it('refuses a foreign Host header and a foreign Origin (HTTP and WebSocket); sends no CORS headers', async () => {
    const bad = await request(server, 'GET', '/v1/health', { headers: { host: 'attacker.example:8080' } });
    expect(bad.status).toBe(421);
    expect(bad.json().error.code).toBe('bad_host');
    expect((await request(server, 'GET', '/v1/health', { headers: { host: `localhost:${server.port}` } })).status).toBe(200);
    const foreign = await request(server, 'POST', '/v1/containers', { headers: { origin: 'http://attacker.example' }, body: json({ image: FIXTURE_IMAGE }) });
    expect(foreign.status).toBe(403);
    const same = await request(server, 'GET', '/v1/health', { headers: { origin: `http://127.0.0.1:${server.port}` } });
    expect(same.status).toBe(200);
    for (const r of [same, foreign]) expect(Object.keys(r.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    const preflight = await request(server, 'OPTIONS', '/v1/containers', { auth: null, headers: { origin: `http://127.0.0.1:${server.port}`, 'access-control-request-method': 'POST' } });
    expect(Object.keys(preflight.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    const cuid = await createStarted(server);
    const ws = openTerminal(server, cuid, '', { origin: 'http://attacker.example' });
    await expect(ws.opened).rejects.toThrow(/403/);
  });

  it('refuses bodies past their limit: JSON past 1 MiB, an upload past files.maxBytes while it streams', async () => {
    const cuid = await createStarted(server);
    const big = await request(server, 'POST', '/v1/containers', { body: json({ image: FIXTURE_IMAGE, env: { PAD: 'x'.repeat(1024 * 1024) } }) });
    expect(big.status).toBe(413);
    // files.maxBytes is 16 GiB by default: declared larger, refused before a byte is read.
    const declared = await request(server, 'PUT', `/v1/containers/${cuid}/files`, { headers: { 'content-type': 'application/zip', 'content-length': String(17 * 1024 ** 3) }, body: undefined });
    expect(declared.status).toBe(413);
  });

  it('closes a connection that sends nothing (header timeout) and one idle after its headers', async () => {
    const srv = await startServe(home, room, { args: ['--header-timeout', '1s', '--idle-timeout', '2s'] });
    try {
      for (const send of ['', 'GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n']) {
        const socket = net.connect(srv.port, '127.0.0.1');
        let got = '';
        socket.on('data', (d) => (got += d));
        await new Promise((r) => socket.once('connect', r));
        if (send) socket.write(send);
        await new Promise((r) => socket.once('close', r));
        expect(got === '' || /^HTTP\/1.1 408/.test(got), got).toBe(true);
      }
    } finally {
      expect(await srv.stop()).toBe(0);
    }
  });
});

describe('shutdown', () => {
  it('on SIGTERM closes an open terminal with a close frame and exits 0', async () => {
    const srv = await startServe(home, room);
    const cuid = await createStarted(srv);
    const t = openTerminal(srv, cuid);
    await t.opened;
    await waitFor(() => t.output().includes('#'), 'a prompt');
    const code = srv.stop();
    expect(await t.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(await code).toBe(0);
    expect(srv.log()).toMatch(/shutting down/);
  });

  it('on SIGTERM lets a download in flight drain, cuts it past the drain time, and exits 0', async () => {
    const srv = await startServe(home, room, { args: ['--drain-timeout', '2s'] });
    const cuid = await createStarted(srv);
    const mk = await request(srv, 'POST', `/v1/containers/${cuid}/exec`, { body: json({ command: 'dd if=/dev/zero of=/app/big bs=1M count=64 2>/dev/null; echo ok' }) });
    expect(mk.json().stdout).toBe('ok\n');
    // The client stops reading after its first bytes: the download is held by backpressure when the signal comes,
    // and read to its end after the server has gone.
    let received = 0;
    let response: http.IncomingMessage | undefined;
    let length: string | undefined;
    const download = new Promise<{ status: number; complete: boolean }>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: srv.port, path: `/v1/containers/${cuid}/files?path=big`, headers: { authorization: srv.auth() }, agent: false }, (res) => {
        response = res;
        length = res.headers['content-length'];
        res.once('data', () => res.pause());
        res.on('data', (d: Buffer) => (received += d.length));
        res.on('error', () => {});
        res.on('close', () => resolve({ status: res.statusCode!, complete: res.complete }));
      });
      req.on('error', () => resolve({ status: 0, complete: false }));
    });
    await waitFor(() => received > 0, 'the download to start');
    expect(await srv.stop()).toBe(0);
    response!.resume();
    const d = await download;
    expect(d.status).toBe(200);
    // The size, from the archive's header, announced before the first byte.
    expect(length).toBe(String(64 * 1024 * 1024));
    // Cut, never passed off as whole: the client sees an incomplete body.
    expect(d.complete).toBe(false);
    expect(received).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('engine loss', () => {
  it('answers 503 when the engine is cut (within 2 s) and recovers when it is back', async () => {
    const relay = await startEngineRelay(path.join(home, 'relay.sock'));
    const srv = await startServe(home, room, { env: { DOCKER_HOST: relay.host } });
    try {
      expect((await request(srv, 'GET', '/v1/containers')).status).toBe(200);
      await relay.cut();
      const lost = await Promise.race([
        request(srv, 'GET', '/v1/containers'),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 2 s')), 2000)),
      ]);
      expect(lost.status).toBe(503);
      expect(lost.json().error).toMatchObject({ code: 'engine_unreachable', message: expect.stringMatching(/^cannot reach the Docker engine at unix:\/\//) });
      expect((await request(srv, 'GET', '/v1/health')).json().status).toBe('degraded');
      await relay.restore();
      await waitFor(async () => (await request(srv, 'GET', '/v1/containers')).status === 200, 'the API to recover');
    } finally {
      await srv.stop();
      await relay.close();
    }
  });
});

describe('OpenAPI', () => {
  it('serves the document the build wrote to docs/openapi.json', async () => {
    const served = (await request(server, 'GET', '/openapi.json')).json();
    expect(served.openapi).toBe('3.1.0');
    expect(JSON.parse(fs.readFileSync(path.join(repoRoot, 'docs', 'openapi.json'), 'utf8'))).toEqual(served);
  });
});
