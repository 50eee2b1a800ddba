// berth deploy on a plain engine, end to end through the built binary: create, update, failing updates (entrypoint
// exits 1; never healthy) and rollback while a request loop through berth proxy counts zero failures; service
// list/inspect/logs/remove; secrets that never reach any output, the audit log, SQLite or `ps`; bad input.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { serviceNameFromTag } from '../../src/runtime/services/index.js';
import { ExitCode } from '../../src/runtime/core/index.js';
import { expectOneLineError } from '../support/container-helpers.js';
import {
  EXIT1_IMAGE_LINES,
  WEB_IMAGE_LINES,
  buildTestImage,
  get,
  removeImages,
  removeServiceRooms,
  requestLoop,
  runBerth,
  serviceContainers,
  startProxy,
  uniqueTag,
} from '../support/deploy-helpers.js';
import { docker, runCli, tempHome, uniqueRoom } from '../support/helpers.js';

// Deploys wait for health, settle and drain on a machine shared with other test runs: generous, not wall-clock asserted.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });
// In-process runs too keep to the plain engine path (see ENGINE_MODE in deploy-helpers.ts).
process.env.BERTH_DEPLOY_MODE = 'engine';

const home = tempHome();
const room = uniqueRoom('dp');
const WEB = uniqueTag('web');
const EXIT1 = uniqueTag('exit1');
const SECRET = `s3cr3t-${Math.random().toString(36).slice(2)}-value`;
const domain = `web.${room}.test`;
const outputs: string[] = [];
const psSnapshots: string[] = [];
let proxy: Awaited<ReturnType<typeof startProxy>>;
let psTimer: NodeJS.Timeout | undefined;

async function berth(...args: string[]) {
  const r = await runBerth(home, ['--room', room, ...args]);
  outputs.push(r.stdout, r.stderr);
  return r;
}

/** The flags every deploy of the web service shares. */
const webFlags = (version: string) => [
  '--name', 'web', '--port', '8080', '--env', `VERSION=${version}`, '--env-secret', 'DB_PASSWORD=dbpass', '--token',
  '--domain', domain, '--liveness', 'http:/health', '--settle', '1s', '--drain', '1s', '--health-timeout', '20s',
];

beforeAll(async () => {
  await buildTestImage(WEB, WEB_IMAGE_LINES);
  await buildTestImage(EXIT1, EXIT1_IMAGE_LINES);
  const set = await runBerth(home, ['secret', 'set', 'dbpass'], { input: `${SECRET}\n` });
  outputs.push(set.stdout, set.stderr);
  expect(set.code, set.stderr).toBe(0);
  proxy = await startProxy(home);
  // `ps` of every process on the machine, sampled while the deploys run.
  psTimer = setInterval(() => {
    try {
      psSnapshots.push(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }));
    } catch {
      // ps may race with exiting processes; the next sample counts.
    }
  }, 100);
});

afterAll(async () => {
  if (psTimer) clearInterval(psTimer);
  await proxy?.stop();
  await removeServiceRooms([room]);
  await removeImages([WEB, EXIT1]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('berth secret', () => {
  it('stores the value from stdin in a 0600 file in a 0700 dir and lists names and dates only', async () => {
    const file = path.join(home, 'data', 'secrets', 'dbpass');
    expect(fs.readFileSync(file, 'utf8')).toBe(SECRET);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const list = await berth('secret', 'list', '-o', 'json');
    expect(list.code, list.stderr).toBe(0);
    const items = JSON.parse(list.stdout).items as { name: string; created: string; updated: string }[];
    expect(items.map((i) => i.name)).toContain('dbpass');
    expect(Object.keys(items[0]!).sort()).toEqual(['created', 'name', 'updated']);

    const other = await runBerth(home, ['secret', 'set', 'other'], { input: 'first' });
    expect(other.stdout).toContain('created secret other');
    const again = await runBerth(home, ['secret', 'set', 'other'], { input: 'second' });
    expect(again.stdout).toContain('replaced secret other');
    expect(fs.readFileSync(path.join(home, 'data', 'secrets', 'other'), 'utf8')).toBe('second');
    const del = await berth('secret', 'delete', 'other');
    expect(del.code, del.stderr).toBe(0);
    expect(fs.existsSync(path.join(home, 'data', 'secrets', 'other'))).toBe(false);
    expectOneLineError(await runCli(['secret', 'delete', 'other'], { BERTH_HOME: home }), ExitCode.notFound, 'secret "other" not found');
  });

  it('refuses a bad name, an empty value and a missing stdin in one line', async () => {
    expectOneLineError(await runCli(['secret', 'set', '../x'], { BERTH_HOME: home }), ExitCode.usage, 'invalid secret name "../x"');
    const empty = await runBerth(home, ['secret', 'set', 'empty'], { input: '' });
    expect(empty.code).toBe(ExitCode.usage);
    expect(empty.stderr).toContain('secret "empty" is empty');
    expect(fs.existsSync(path.join(home, 'data', 'secrets', 'empty'))).toBe(false);
    expectOneLineError(await runCli(['secret', 'set', 'nostdin'], { BERTH_HOME: home }), ExitCode.usage, 'no value: pipe the secret on stdin');
    // There is no flag that takes a value.
    expectOneLineError(await runCli(['secret', 'set', 'x', '--value', 'v'], { BERTH_HOME: home }), ExitCode.usage, 'unknown option --value: berth secret set --help lists the options');
  });
});

describe('berth deploy', () => {
  it('derives the service name from the tag', () => {
    expect(serviceNameFromTag('registry.example.com/team/my-app:dev')).toBe('my-app');
    expect(serviceNameFromTag('localhost:5000/web@sha256:' + 'a'.repeat(64))).toBe('web');
  });

  it('creates a service: labelled, bounded logs, secrets injected, routed by berth proxy', async () => {
    const r = await berth('deploy', '--tag', WEB, ...webFlags('v1'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('created service web (revision 1)');
    const [c] = await serviceContainers(room, 'web');
    expect(c).toBeDefined();
    const info = await docker.getContainer(c!.Id).inspect();
    expect(info.Config.Labels).toMatchObject({
      'berth.kind': 'service',
      'berth.service': 'web',
      'berth.service.revision': '1',
      'berth.agent': 'tester',
      'berth.domain': domain,
      'traefik.enable': 'true',
      [`traefik.http.routers.${room}-web.rule`]: `Host(\`${domain}\`)`,
      [`traefik.http.services.${room}-web.loadbalancer.server.port`]: '8080',
    });
    expect(info.HostConfig.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } });
    expect(info.HostConfig.RestartPolicy?.Name).toBe('unless-stopped');
    // The secret and the room token are injected at create time (and only there).
    const token = fs.readFileSync(path.join(home, 'data', 'secrets', `room-token.${room}.tester`), 'utf8');
    expect(info.Config.Env).toEqual(expect.arrayContaining([`DB_PASSWORD=${SECRET}`, `BERTH_TOKEN=${token}`, 'VERSION=v1', `BERTH_ROOM=${room}`]));
    expect((await get(proxy.port, domain)).body.trim()).toBe('v1');
    expect((await get(proxy.port, 'unknown.test')).status).toBe(404);
  });

  it('updates without losing a request: the new revision serves, the old one is gone', async () => {
    const loop = requestLoop(proxy.port, domain);
    const r = await berth('deploy', '--tag', WEB, ...webFlags('v2'));
    const { ok, failures, seen } = await loop.stop();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('updated service web to revision 2 (was 1)');
    expect(r.stderr).toMatch(/web r2: revision 2 is serving/);
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(0);
    expect(seen.get('v1')).toBeGreaterThan(0);
    expect(seen.get('v2')).toBeGreaterThan(0);
    const left = await serviceContainers(room, 'web');
    expect(left.map((c) => c.Labels['berth.service.revision'])).toEqual(['2']);
  });

  it('keeps the old revision serving when the new entrypoint exits 1, showing why and its last log lines', async () => {
    const loop = requestLoop(proxy.port, domain);
    const r = await berth('deploy', '--tag', EXIT1, ...webFlags('v3'));
    const { failures, seen } = await loop.stop();
    expect(r.code).not.toBe(0);
    // Which of the two berth sees depends on whether its first look comes before or after the engine's restart.
    expect(r.stderr).toMatch(/deploy of web revision 3 failed: web-r3 (exited with code 1|restarted after exiting); revision 2 keeps serving/);
    expect(r.stderr).toContain('failing for good');
    // The container printed its secret: berth shows the line redacted.
    expect(r.stderr).toContain('boom ***');
    expect(failures).toEqual([]);
    expect([...seen.keys()]).toEqual(['v2']);
    expect((await serviceContainers(room, 'web')).map((c) => c.Labels['berth.service.revision'])).toEqual(['2']);
  });

  it('keeps the old revision serving when the new one never becomes healthy', async () => {
    const loop = requestLoop(proxy.port, domain);
    const flags = webFlags('v4').map((f) => (f === 'http:/health' ? 'http:/missing' : f === '20s' ? '3s' : f));
    const r = await berth('deploy', '--tag', WEB, ...flags);
    const { failures, seen } = await loop.stop();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('deploy of web revision 4 failed: not healthy within 3s (GET /missing answered 404); revision 2 keeps serving');
    expect(r.stderr).toContain('started v4');
    expect(failures).toEqual([]);
    expect([...seen.keys()]).toEqual(['v2']);
    expect((await serviceContainers(room, 'web')).map((c) => c.Labels['berth.service.revision'])).toEqual(['2']);
    // A liveness command that fails is caught by Docker's healthcheck.
    const cmd = await berth('deploy', '--tag', WEB, ...webFlags('v5').map((f) => (f === 'http:/health' ? 'exit 3' : f)), '--liveness-interval', '300ms');
    expect(cmd.code).not.toBe(0);
    expect(cmd.stderr).toContain('web-r5 is unhealthy: liveness "exit 3" exited 3; revision 2 keeps serving');
  });

  it('lists, inspects (secrets as references) and shows merged logs', async () => {
    const list = await berth('service', 'list', '-o', 'json');
    expect(list.code, list.stderr).toBe(0);
    const [svc] = JSON.parse(list.stdout).items;
    expect(svc).toMatchObject({ name: 'web', revision: 2, running: 1, desired: 1, health: 'running', domain, mode: 'engine' });
    const table = await berth('service', 'list');
    expect(table.stdout).toMatch(/^web\s+\S+\s+2\s+1\/1\s+running/m);

    const inspect = await berth('service', 'inspect', 'web', '-o', 'json');
    const detail = JSON.parse(inspect.stdout);
    expect(detail.env).toEqual(expect.arrayContaining(['VERSION=v2', 'DB_PASSWORD=secret:dbpass']));
    expect(detail.token).toBe(true);
    expect(detail.history.map((h: { revision: number; status: string }) => `${h.revision}:${h.status}`)).toEqual(['5:failed', '4:failed', '3:failed', '2:active', '1:superseded']);

    const logs = await berth('service', 'logs', 'web');
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('web-r2 | started v2');
  });

  it('rolls back to the previous spec without losing a request', async () => {
    const loop = requestLoop(proxy.port, domain);
    const r = await berth('service', 'rollback', 'web');
    const { failures, seen } = await loop.stop();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('rolled service web back to the spec of revision 1 as revision 6');
    expect(failures).toEqual([]);
    expect(seen.get('v1')).toBeGreaterThan(0);
    expect((await get(proxy.port, domain)).body.trim()).toBe('v1');
    expectOneLineError(await runCli(['--room', room, 'service', 'rollback', 'web', '--to', '99'], { BERTH_HOME: home }), ExitCode.notFound, 'service "web" has no revision 99');
  });

  it('runs replicas on a plain engine and balances the proxy over them', async () => {
    const r = await berth('deploy', '--tag', WEB, '--name', 'multi', '--replicas', '2', '--port', '8080', '--domain', `multi.${room}.test`, '--settle', '1s');
    expect(r.code, r.stderr).toBe(0);
    const names = (await serviceContainers(room, 'multi')).map((c) => c.Labels['berth.name']).sort();
    expect(names).toEqual(['multi-r1-1', 'multi-r1-2']);
    const list = JSON.parse((await berth('service', 'list', '-o', 'json')).stdout).items as { name: string; running: number; desired: number }[];
    expect(list.find((s) => s.name === 'multi')).toMatchObject({ running: 2, desired: 2 });
    expect((await get(proxy.port, `multi.${room}.test`)).status).toBe(200);
    const rm = await berth('service', 'remove', 'multi');
    expect(rm.code, rm.stderr).toBe(0);
    expect(await serviceContainers(room, 'multi')).toEqual([]);
    expect((await get(proxy.port, `multi.${room}.test`)).status).toBe(404);
  });

  it('gives each container the log limits of --log-max-size/--log-max-files, kept by a rollback; a bad one is one usage line', async () => {
    const r = await berth('deploy', '--tag', WEB, '--name', 'logged', '--replicas', '2', '--settle', '1s', '--drain', '100ms', '--log-max-size', '512k', '--log-max-files', '2');
    expect(r.code, r.stderr).toBe(0);
    const logConfigs = async (revision: string) => {
      const cs = (await serviceContainers(room, 'logged')).filter((c) => c.Labels['berth.service.revision'] === revision);
      return Promise.all(cs.map(async (c) => (await docker.getContainer(c.Id).inspect()).HostConfig.LogConfig));
    };
    const bounded = { Type: 'json-file', Config: { 'max-size': '512k', 'max-file': '2' } };
    expect(await logConfigs('1')).toEqual([bounded, bounded]);
    // A redeploy keeps them (and the replicas) unless --clear logs, which is back to the defaults; rolling back
    // restores revision 1's spec, limits included.
    const cleared = await berth('deploy', '--tag', WEB, '--name', 'logged', '--clear', 'logs', '--replicas', '1');
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(cleared.stdout).toContain('  log-max-size: 512k -> none');
    expect(await logConfigs('2')).toEqual([{ Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } }]);
    const back = await berth('service', 'rollback', 'logged');
    expect(back.code, back.stderr).toBe(0);
    expect(await logConfigs('3')).toEqual([bounded, bounded]);
    expectOneLineError(await berth('deploy', '--tag', WEB, '--name', 'logged', '--log-max-files', '0'), ExitCode.usage, 'invalid --log-max-files "0"');
    expect((await berth('service', 'remove', 'logged')).code).toBe(0);
    expect(await serviceContainers(room, 'logged')).toEqual([]);
  });

  it('with PATH builds the image first (build log on stderr), then deploys it', async () => {
    const dir = fs.mkdtempSync(path.join(home, 'ctx-'));
    fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${WEB}\nENV VERSION=built\n`);
    const tag = uniqueTag('built');
    try {
      const r = await berth('deploy', dir, '--tag', tag, '--name', 'built', '--port', '8080', '--domain', `built.${room}.test`, '--settle', '1s');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`built: building ${tag} from ${dir}`);
      expect(r.stderr).toMatch(/Step 2\/\d+ : ENV VERSION=built/);
      expect((await get(proxy.port, `built.${room}.test`)).body.trim()).toBe('built');
      expect((await berth('service', 'remove', 'built')).code).toBe(0);
      const missing = await runCli(['--room', room, 'deploy', path.join(dir, 'nope'), '--tag', tag], { BERTH_HOME: home });
      expectOneLineError(missing, ExitCode.usage, 'nope');
    } finally {
      await removeImages([tag]);
    }
  });

  const bad: [string, string[], number, string][] = [
    ['a tag that is not a reference', ['--tag', 'Not A Tag'], ExitCode.usage, 'invalid --tag "Not A Tag"'],
    ['--domain without a port', ['--tag', 'x:1', '--domain', 'a.test'], ExitCode.usage, '--domain needs the service to publish exactly one tcp port (it publishes 0)'],
    ['--domain with two ports', ['--tag', 'x:1', '--domain', 'a.test', '--port', '80', '--port', '81'], ExitCode.usage, 'exactly one tcp port (it publishes 2)'],
    ['a fixed host port', ['--tag', WEB, '--name', 'fixed', '--port', '15150:8080'], ExitCode.usage, '--port 15150:8080: a fixed host port cannot be held by the old and the new container'],
    ['a secret in --env', ['--tag', 'x:1', '--env', `DB_PASSWORD=${SECRET}`], ExitCode.usage, '--env DB_PASSWORD looks like a secret'],
    ['a missing secret', ['--tag', WEB, '--name', 'nosecret', '--env-secret', 'K=nope'], ExitCode.notFound, 'secret "nope" not found'],
    ['zero replicas', ['--tag', 'x:1', '--replicas', '0'], ExitCode.usage, 'invalid --replicas "0"'],
    ['a bad restart policy', ['--tag', 'x:1', '--restart', 'sometimes'], ExitCode.usage, 'invalid --restart "sometimes"'],
    ['http liveness without a path', ['--tag', 'x:1', '--port', '80', '--liveness', 'http:health'], ExitCode.usage, 'invalid --liveness "http:health": use http:/PATH'],
    ['http liveness without a port', ['--tag', 'x:1', '--liveness', 'http:/h'], ExitCode.usage, '--liveness http:/h needs a published tcp --port'],
    ['a room mount leaving the storage', ['--tag', 'x:1', '--room-mount', '../../etc:/data'], ExitCode.usage, 'invalid --room-mount "../../etc": it leaves the room storage'],
    ['an image mount without a target', ['--tag', 'x:1', '--image-mount', WEB], ExitCode.usage, 'invalid --image-mount'],
    ['a bad duration', ['--tag', 'x:1', '--settle', 'soon'], ExitCode.usage, 'invalid --settle "soon"'],
  ];
  it.each(bad)('refuses %s in one line and changes nothing', async (_what, flags, code, message) => {
    const before = (await docker.listContainers({ all: true, filters: { label: [`berth.room=${room}`] } })).length;
    const r = await runCli(['--room', room, 'deploy', ...flags], { BERTH_HOME: home, BERTH_AGENT: 'tester' });
    outputs.push(r.stdout, r.stderr);
    expectOneLineError(r, code, message);
    expect(r.stderr).not.toContain(SECRET);
    expect((await docker.listContainers({ all: true, filters: { label: [`berth.room=${room}`] } })).length).toBe(before);
  });

  it('never lets a secret value reach an output, the audit log, SQLite or ps', async () => {
    const token = fs.readFileSync(path.join(home, 'data', 'secrets', `room-token.${room}.tester`), 'utf8');
    // Every surface that shows the service or its container.
    const [c] = await serviceContainers(room, 'web');
    for (const args of [['container', 'get', c!.Labels['berth.name']!, '-o', 'json'], ['service', 'inspect', 'web'], ['service', 'list', '-o', 'wide'], ['container', 'list', '-o', 'json']]) {
      const r = await berth(...args);
      expect(r.code, r.stderr).toBe(0);
    }
    const audit = fs.readFileSync(path.join(home, 'data', 'actions.jsonl'), 'utf8');
    expect(audit).toContain('"action":"service.deploy"');
    expect(audit).toContain('"action":"secret.create"');
    const dbFiles = fs.readdirSync(path.join(home, 'data')).filter((f) => f.startsWith('berth.db'));
    expect(dbFiles).toContain('berth.db');
    const sqlite = dbFiles.map((f) => fs.readFileSync(path.join(home, 'data', f)).toString('latin1')).join('\n');
    expect(sqlite).toContain('DB_PASSWORD'); // the spec is there, as a reference
    expect(psSnapshots.length).toBeGreaterThan(5);
    expect(psSnapshots.join('\n')).toContain('deploy');
    for (const [where, text] of [
      ['outputs', outputs.join('\n')],
      ['audit log', audit],
      ['SQLite', sqlite],
      ['ps', psSnapshots.join('\n')],
      ['proxy output', proxy.proc.stdout() + proxy.proc.stderr()],
    ] as const) {
      expect(text.includes(SECRET), `${where} holds the secret`).toBe(false);
      expect(text.includes(token), `${where} holds the room token`).toBe(false);
    }
  });

  it('removes the service and its history', async () => {
    const r = await berth('service', 'remove', 'web');
    expect(r.code, r.stderr).toBe(0);
    expect(await serviceContainers(room, 'web')).toEqual([]);
    expect(JSON.parse((await berth('service', 'list', '-o', 'json')).stdout).items).toEqual([]);
    expect((await get(proxy.port, domain)).status).toBe(404);
    expectOneLineError(await runCli(['--room', room, 'service', 'remove', 'web'], { BERTH_HOME: home }), ExitCode.notFound, 'service "web" not found');
  });
});

