// Plugin releases: add from a fixture directory (digest, duplicate release refused, --force), list/show/remove, bad
// manifests refused in one line, and params validated by the manifest's JSON Schema (ajv) with one line per violation.
import { execFile, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode, currentHolder, openDatabase } from '../../src/runtime/core/index.js';
import { ParamsError, PluginService, validateParams } from '../../src/runtime/plugins/index.js';
import { expectOneLineError } from '../support/container-helpers.js';
import { FIXTURE_IMAGE, docker, removeRooms, repoRoot, runCli, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

const execFileAsync = promisify(execFile);

const home = tempHome();
const rooms: string[] = [];
const cli = (...args: string[]) => runCli(args, { BERTH_HOME: home, BERTH_AGENT: 'tester' });
afterAll(async () => {
  await removeRooms(rooms);
  fs.rmSync(home, { recursive: true, force: true });
}, 300_000);

const ECHO_MANIFEST = `code: echo
version: 1.0.0
description: Prints its params
params:
  type: object
  properties:
    count: { type: integer, minimum: 1 }
    mode: { enum: [fast, slow], default: fast }
    tags: { type: array, items: { type: string } }
  required: [count]
  additionalProperties: false
env:
  GREETING: hello
  API_TOKEN: plugin-default-secret
`;

/** A plugin directory under the test home: Dockerfile FROM the fixture image plus the manifest. */
function pluginDir(name: string, manifest = ECHO_MANIFEST, dockerfile = `FROM ${FIXTURE_IMAGE}\nCMD ["sh", "-c", "cat \\"$BERTH_PARAMS_FILE\\"; echo; echo \\"env:$BERTH_PARAMS\\"; echo \\"greeting:$GREETING\\""]\n`): string {
  const dir = path.join(home, 'src', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
  fs.writeFileSync(path.join(dir, 'berth-plugin.yaml'), manifest);
  return dir;
}

describe('plugin add, list, show, remove', () => {
  it('registers code@version with a digest and a snapshot of the files, refuses other contents under the same release', async () => {
    const dir = pluginDir('echo-a');
    const added = await cli('plugin', 'add', dir, '-o', 'json');
    expect(added.code, added.stderr).toBe(0);
    const r = JSON.parse(added.stdout);
    expect(r).toMatchObject({ release: 'echo@1.0.0', code: 'echo', version: '1.0.0', description: 'Prints its params', image: 'berth-plugin/echo:1.0.0', changed: 'added' });
    expect(r.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Env defaults are shown and stored with secret values masked.
    expect(r.env).toEqual({ GREETING: 'hello', API_TOKEN: '***' });
    expect(fs.readFileSync(runtimeFor(home).paths.database).includes('plugin-default-secret')).toBe(false);
    const snapshot = path.join(home, 'data', 'plugins', 'echo', '1.0.0');
    expect(fs.readFileSync(path.join(snapshot, 'berth-plugin.yaml'), 'utf8')).toBe(ECHO_MANIFEST);

    // The same contents again (even from another directory) is a no-op.
    const again = await cli('plugin', 'add', pluginDir('echo-copy'));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^already added, same contents: echo@1\.0\.0/);

    // Different contents under the same release: refused, nothing changed.
    fs.appendFileSync(path.join(dir, 'Dockerfile'), 'LABEL changed=yes\n');
    expectOneLineError(await cli('plugin', 'add', dir), ExitCode.conflict, 'plugin release echo@1.0.0 is already added with different contents');
    expect(fs.readFileSync(path.join(snapshot, 'Dockerfile'), 'utf8')).not.toContain('changed=yes');
    const shown = JSON.parse((await cli('plugin', 'show', 'echo@1.0.0', '-o', 'json')).stdout);
    expect(shown.digest).toBe(r.digest);

    // --force replaces it when nothing runs it.
    const forced = await cli('plugin', 'add', dir, '--force', '-o', 'json');
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ changed: 'replaced' });
    expect(JSON.parse(forced.stdout).digest).not.toBe(r.digest);
    expect(fs.readFileSync(path.join(snapshot, 'Dockerfile'), 'utf8')).toContain('changed=yes');

    const list = await cli('plugin', 'list');
    expect(list.stdout.split('\n')[0]).toMatch(/^RELEASE\s+DESCRIPTION\s+DIGEST\s+ADDED$/);
    expect(list.stdout).toMatch(/^echo@1\.0\.0\s+Prints its params\s+[0-9a-f]{12}\s+/m);
    const show = await cli('plugin', 'show', 'echo');
    expect(show.stdout).toMatch(/^env:\s+GREETING=hello API_TOKEN=\*\*\*$/m);
    expect(show.stdout).not.toContain('plugin-default-secret');
  });

  it('reads a version as written in the manifest, never as a YAML number', async () => {
    const cases = [['1.10', '1.10'], ['2.0', '2.0'], ['"1.10"', '1.10'], ['007', '007'], ['1e3', '1e3']] as const;
    for (const [i, [written, version]] of cases.entries()) {
      const dir = pluginDir(`ver-${i}`, `code: ver${i}\nversion: ${written}  # a comment\n`);
      const added = await cli('plugin', 'add', dir, '-o', 'json');
      expect(added.code, added.stderr).toBe(0);
      expect(JSON.parse(added.stdout)).toMatchObject({ release: `ver${i}@${version}`, version });
    }
  });

  it('removes a release, its files and its image, and reports unknown ones as not found', async () => {
    const dir = pluginDir('gone', ECHO_MANIFEST.replace('code: echo', 'code: gone'));
    expect((await cli('plugin', 'add', dir)).code).toBe(0);
    const r = await cli('plugin', 'remove', 'gone@1.0.0');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('removed gone@1.0.0\n');
    expect(fs.existsSync(path.join(home, 'data', 'plugins', 'gone', '1.0.0'))).toBe(false);
    expectOneLineError(await cli('plugin', 'show', 'gone@1.0.0'), ExitCode.notFound, 'plugin release gone@1.0.0 not found');
    expectOneLineError(await cli('plugin', 'remove', 'gone@1.0.0'), ExitCode.notFound, 'plugin release gone@1.0.0 not found');
    expectOneLineError(await cli('plugin', 'show', 'echo@9.9'), ExitCode.notFound, 'plugin release echo@9.9 not found (added versions: 1.0.0)');
    expectOneLineError(await cli('plugin', 'show', 'Bad Ref'), ExitCode.usage, 'invalid plugin release "Bad Ref"');
  });

  const bad: [string, string | null, string][] = [
    ['no manifest', null, 'no berth-plugin.yaml in'],
    ['YAML that does not parse', 'code: [x', 'berth-plugin.yaml is not valid YAML'],
    ['a code that cannot name an image', 'code: Echo Tool\nversion: 1.0.0\n', 'invalid code "Echo Tool" in berth-plugin.yaml'],
    ['a version that is not a tag', 'code: x\nversion: 1.0.0+build\n', 'invalid version "1.0.0+build" in berth-plugin.yaml'],
    ['a missing version', 'code: x\n', 'invalid version "" in berth-plugin.yaml'],
    ['an unknown key', 'code: x\nversion: "1"\nparam: {}\n', 'unknown key "param" in berth-plugin.yaml'],
    ['params that are not an object schema', 'code: x\nversion: "1"\nparams: { type: array }\n', 'the schema\'s type must be "object"'],
    ['an invalid JSON Schema', 'code: x\nversion: "1"\nparams: { type: object, properties: { n: { type: integr } } }\n', 'invalid params schema in berth-plugin.yaml'],
    ['an env key that is not a name', 'code: x\nversion: "1"\nenv: { "1BAD": v }\n', 'invalid env in berth-plugin.yaml key "1BAD"'],
  ];
  it.each(bad)('refuses %s in one line and registers nothing', async (what, manifest, message) => {
    const dir = path.join(home, 'bad', what.replace(/\W+/g, '-'));
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${FIXTURE_IMAGE}\n`);
    if (manifest !== null) fs.writeFileSync(path.join(dir, 'berth-plugin.yaml'), manifest);
    const before = (await cli('plugin', 'list', '-q')).stdout;
    expectOneLineError(await cli('plugin', 'add', dir), ExitCode.usage, message);
    expect((await cli('plugin', 'list', '-q')).stdout).toBe(before);
  });

  it('refuses a directory without a Dockerfile and a symlink that leaves the directory', async () => {
    const dir = path.join(home, 'bad', 'nodocker');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'berth-plugin.yaml'), 'code: x\nversion: "1"\n');
    expectOneLineError(await cli('plugin', 'add', dir), ExitCode.usage, 'no Dockerfile in');
    fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${FIXTURE_IMAGE}\n`);
    fs.symlinkSync('/etc/passwd', path.join(dir, 'leak'));
    expectOneLineError(await cli('plugin', 'add', dir), ExitCode.usage, 'plugin file "leak" is a symlink that leaves the plugin directory');
    expectOneLineError(await cli('plugin', 'add', path.join(home, 'nowhere')), ExitCode.usage, 'does not exist');
  });
});

describe('params validation (ajv)', () => {
  const schema = {
    type: 'object',
    properties: { count: { type: 'integer', minimum: 1 }, mode: { enum: ['fast', 'slow'], default: 'fast' }, url: { type: 'string', format: 'uri' } },
    required: ['count'],
    additionalProperties: false,
  };
  it('coerces CLI strings by the schema and fills defaults', async () => {
    expect(await validateParams('x@1', schema, { count: '3' })).toEqual({ count: 3, mode: 'fast' });
  });
  it('reports every violation, one line each', async () => {
    const err = await validateParams('x@1', schema, { count: '0', mode: 'medium', extra: true, url: 'not a uri' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParamsError);
    expect((err as ParamsError).problems.sort()).toEqual(
      ['param "count" must be >= 1', 'param "mode" must be one of "fast", "slow"', 'param "url" must match format "uri"', 'unknown param "extra"'].sort(),
    );
    const missing = (await validateParams('x@1', schema, {}).catch((e: unknown) => e)) as ParamsError;
    expect(missing.problems).toEqual(['missing param "count"']);
  });
  it('a plugin without a params schema accepts no params', async () => {
    const dir = pluginDir('noparams', 'code: noparams\nversion: "1"\n');
    const rt = runtimeFor(home);
    try {
      const r = await new PluginService(rt).add(dir);
      expect(await validateParams(r.release, r.params, {})).toEqual({});
      const err = (await validateParams(r.release, r.params, { a: '1' }).catch((e: unknown) => e)) as ParamsError;
      expect(err.problems).toEqual(['unknown param "a"']);
    } finally {
      rt.close();
    }
  });
});


describe('plugin run', () => {
  const suffix = Math.random().toString(16).slice(2, 8);
  const code = `echo-${suffix}`;
  const sleeper = `sleeper-${suffix}`;
  const strict = `strict-${suffix}`;
  const parallel = `parallel-${suffix}`;
  const stale = `stale-${suffix}`;
  const room = uniqueRoom('plg');
  rooms.push(room);
  const inRoom = (...args: string[]) => cli('--room', room, ...args);
  afterAll(async () => {
    await removeRooms([room]);
    for (const c of [code, sleeper, strict, parallel, stale]) {
      const images = await docker.listImages({ filters: { reference: [`berth-plugin/${c}`] } });
      for (const i of images) await docker.getImage(i.Id).remove({ force: true }).catch(() => {});
      for (const i of await docker.listImages({ filters: { label: [`berth.plugin=${c}@1.0.0`] } })) await docker.getImage(i.Id).remove({ force: true }).catch(() => {});
    }
  }, 300_000);

  it('builds the image once, runs it with the params in a file and in BERTH_PARAMS, and creates a record', { timeout: 240_000 }, async () => {
    const dir = pluginDir(code, ECHO_MANIFEST.replace('code: echo', `code: ${code}`));
    expect((await cli('plugin', 'add', dir)).code).toBe(0);
    const file = path.join(home, 'params.json');
    fs.writeFileSync(file, JSON.stringify({ count: 1, tags: ['a', 'b'] }));
    const r = await inRoom('plugin', 'run', `${code}@1.0.0`, '--params-file', file, '--param', 'count=3', '--env', 'API_TOKEN=run-secret-value', '--metadata', 'ticket=T-1', '--label', 'nightly');
    expect(r.code, r.stderr).toBe(0);
    // Read back inside the container: the file, the variable, and the manifest's env default.
    expect(r.stdout).toBe('{"count":3,"tags":["a","b"],"mode":"fast"}\n\nenv:{"count":3,"tags":["a","b"],"mode":"fast"}\ngreeting:hello\n');
    expect(r.stderr).toContain(`building berth-plugin/${code}:1.0.0`);
    expect(r.stderr).toMatch(/Step \d\/\d|FROM berth-fixture/); // the streamed build output
    const id = Number(/record (\d+):/.exec(r.stderr)![1]);
    const record = JSON.parse((await cli('records', 'get', String(id), '-o', 'json')).stdout);
    expect(record).toMatchObject({
      release: `${code}@1.0.0`,
      room,
      image: `berth-plugin/${code}:1.0.0`,
      status: 'exited',
      exitCode: 0,
      params: { count: 3, tags: ['a', 'b'], mode: 'fast' },
      metadata: { ticket: 'T-1' },
      labels: ['nightly'],
    });
    expect(record.env).toEqual({ GREETING: 'hello', API_TOKEN: '***' });
    expect(fs.readFileSync(runtimeFor(home).paths.database).includes('run-secret-value')).toBe(false);
    expect(fs.readFileSync(runtimeFor(home).paths.auditLog, 'utf8')).not.toContain('run-secret-value');

    // Again: the image is there, nothing is built.
    const again = await inRoom('plugin', 'run', `${code}@1.0.0`, '--param', 'count=2', '-d', '-o', 'json');
    expect(again.code, again.stderr).toBe(0);
    const res = JSON.parse(again.stdout);
    expect(res).toMatchObject({ release: `${code}@1.0.0`, built: false, params: { count: 2, mode: 'fast' } });
    expect(res.record).toBeGreaterThan(id);
    const filtered = JSON.parse((await cli('records', 'list', '--plugin', code, '-o', 'json')).stdout);
    expect(filtered.total).toBe(2);
  });

  it('bounds the run\'s logs: json-file 10m x 3 by default, --log-max-size and --log-max-files override', { timeout: 120_000 }, async () => {
    const logConfig = async (...flags: string[]) => {
      const r = await inRoom('plugin', 'run', `${code}@1.0.0`, '--param', 'count=1', '-d', '-o', 'json', ...flags);
      expect(r.code, r.stderr).toBe(0);
      return (await docker.getContainer(JSON.parse(r.stdout).container.id).inspect()).HostConfig.LogConfig;
    };
    expect(await logConfig()).toEqual({ Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } });
    expect(await logConfig('--log-max-size', '512k', '--log-max-files', '2')).toEqual({ Type: 'json-file', Config: { 'max-size': '512k', 'max-file': '2' } });
    const before = JSON.parse((await cli('records', 'list', '--all', '--plugin', code, '-o', 'json')).stdout).total;
    expectOneLineError(await inRoom('plugin', 'run', `${code}@1.0.0`, '--param', 'count=1', '--log-max-size', '10x'), ExitCode.usage, 'invalid --log-max-size "10x"');
    expect(JSON.parse((await cli('records', 'list', '--all', '--plugin', code, '-o', 'json')).stdout).total).toBe(before);
  });

  it('refuses params that break the schema, one line per violation, exit 2, building and creating nothing', { timeout: 240_000 }, async () => {
    const dir = pluginDir(strict, ECHO_MANIFEST.replace('code: echo', `code: ${strict}`));
    expect((await cli('plugin', 'add', dir)).code).toBe(0);
    // Only this plugin's records: a detached run of the test before may finish meanwhile.
    const records = async () => JSON.parse((await cli('records', 'list', '--all', '--plugin', strict, '-o', 'json')).stdout);
    expect((await records()).total).toBe(0);
    const r = await inRoom('plugin', 'run', `${strict}@1.0.0`, '--param', 'count=0', '--param', 'mode=medium', '--param', 'extra=1');
    expect(r.code).toBe(ExitCode.usage);
    const lines = r.stderr.trim().split('\n').sort();
    expect(lines).toEqual(
      [
        'berth: param "count" must be >= 1',
        'berth: param "mode" must be one of "fast", "slow"',
        'berth: unknown param "extra"',
        `berth: params for ${strict}@1.0.0 do not match its schema (3 problems): nothing was run`,
      ].sort(),
    );
    const missing = await inRoom('plugin', 'run', `${strict}@1.0.0`);
    expect(missing.stderr).toContain('berth: missing param "count"\n');
    expectOneLineError(await inRoom('plugin', 'run', `${strict}@1.0.0`, '--param', 'count=1', '--params-file', '/nonexistent.json'), ExitCode.usage, 'cannot read --params-file "/nonexistent.json"');
    expectOneLineError(await inRoom('plugin', 'run', `${strict}@1.0.0`, '--param', 'novalue'), ExitCode.usage, 'invalid --param "novalue": use KEY=VALUE');
    expectOneLineError(await inRoom('plugin', 'run', `${strict}@1.0.0`, '--param', 'count=1', '--label', 'a,b'), ExitCode.usage, 'invalid --label "a,b"');
    expectOneLineError(await inRoom('plugin', 'run', `${strict}@2.0.0`), ExitCode.notFound, `plugin release ${strict}@2.0.0 not found`);
    expect((await records()).total).toBe(0);
    expect(await docker.listImages({ filters: { reference: [`berth-plugin/${strict}`] } })).toEqual([]);
    expect((await docker.listContainers({ all: true, filters: { label: [`berth.room=${room}`, `berth.name=${strict}`] } })).length).toBe(0);
  });

  it('refuses --force and remove while a record runs the release, and rebuilds after a replace', { timeout: 240_000 }, async () => {
    const manifest = `code: ${sleeper}\nversion: 1.0.0\n`;
    const dir = pluginDir(sleeper, manifest, `FROM ${FIXTURE_IMAGE}\nCMD ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]\n`);
    expect((await cli('plugin', 'add', dir)).code).toBe(0);
    const run = JSON.parse((await inRoom('plugin', 'run', `${sleeper}@1.0.0`, '-d', '-o', 'json')).stdout);
    expect(run.built).toBe(true);
    fs.appendFileSync(path.join(dir, 'Dockerfile'), 'LABEL v=2\n');
    expectOneLineError(await cli('plugin', 'add', dir, '--force'), ExitCode.conflict, `plugin release ${sleeper}@1.0.0 is running (record ${run.record})`);
    expectOneLineError(await cli('plugin', 'remove', `${sleeper}@1.0.0`), ExitCode.conflict, `is running (record ${run.record})`);
    expect((await cli('records', 'delete', String(run.record), '--force')).code).toBe(0);
    const forced = await cli('plugin', 'add', dir, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    // Other contents under the same release: the image is built again from the new snapshot.
    const next = JSON.parse((await inRoom('plugin', 'run', `${sleeper}@1.0.0`, '-d', '-o', 'json')).stdout);
    expect(next.built).toBe(true);
    const image = await docker.getImage(`berth-plugin/${sleeper}:1.0.0`).inspect();
    expect(image.Config.Labels).toMatchObject({ v: '2' });
    expect((await cli('records', 'delete', String(next.record), '--force')).code).toBe(0);
    // The first build's image lost its tag to the rebuild; remove takes it too (by label), not only the tagged one.
    const byLabel = () => docker.listImages({ filters: { label: [`berth.plugin=${sleeper}@1.0.0`] } });
    expect(await byLabel()).toHaveLength(2);
    const removed = await cli('plugin', 'remove', `${sleeper}@1.0.0`);
    expect(removed.stdout).toBe(`removed ${sleeper}@1.0.0 and image berth-plugin/${sleeper}:1.0.0\n`);
    expect(await byLabel()).toEqual([]);
  });

  it('waits while another berth holds the release\'s build lock, and takes over the lock of one that was killed', { timeout: 240_000 }, async () => {
    const dir = pluginDir(stale, `code: ${stale}\nversion: 1.0.0\n`, `FROM ${FIXTURE_IMAGE}\nCMD ["echo", "stale-lock-ran"]\n`);
    expect((await cli('plugin', 'add', dir)).code).toBe(0);
    // The build lock is a row in the state store (core locks.ts), written here as another berth would hold it.
    const db = openDatabase(path.join(home, 'data', 'berth.db'));
    const key = `plugin-build:${stale}@1.0.0`;
    const hold = (h: { pid: number; start: string | null }) =>
      db.prepare('INSERT INTO locks (key, token, pid, start, boot, host, acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(key, 'test', h.pid, h.start, currentHolder().boot, os.hostname(), Date.now(), Date.now());
    const built = () => docker.listImages({ filters: { label: [`berth.plugin=${stale}@1.0.0`] } });

    // A live holder (this test process): the run waits, building nothing, until the lock is gone.
    hold(currentHolder());
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/berth'), '--room', room, 'plugin', 'run', `${stale}@1.0.0`], { env: { ...process.env, BERTH_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    try {
      await waitFor(() => stderr.includes(`waiting for another run's build of berth-plugin/${stale}:1.0.0`) || child.exitCode !== null, 'the run to wait for the lock');
      expect(child.exitCode, stderr).toBeNull();
      expect(await built()).toEqual([]);
      db.prepare('DELETE FROM locks WHERE key = ?').run(key);
      expect(await exited, stderr).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    expect(stderr).toContain(`building berth-plugin/${stale}:1.0.0`);
    expect(stdout).toBe('stale-lock-ran\n');
    expect(await built()).toHaveLength(1);

    // A holder that is gone (berth killed mid-build): its lock is taken over at once, and the run builds.
    await docker.getImage(`berth-plugin/${stale}:1.0.0`).remove({ force: true });
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    hold({ pid: dead, start: null });
    const r = await inRoom('plugin', 'run', `${stale}@1.0.0`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`building berth-plugin/${stale}:1.0.0`);
    expect(r.stderr).not.toContain('waiting for another run');
    expect(r.stdout).toBe('stale-lock-ran\n');
    expect(db.prepare('SELECT COUNT(*) AS n FROM locks WHERE key = ?').get(key)).toEqual({ n: 0 });
    db.close();
  });

  it('parallel first runs from separate berth processes build the image once, get distinct records and their own params; remove leaves no image of the release', { timeout: 240_000 }, async () => {
    // A fresh release: no process finds its image, so all of them want to build it at once.
    const dir = pluginDir(parallel, ECHO_MANIFEST.replace('code: echo', `code: ${parallel}`));
    expect((await cli('plugin', 'add', dir)).code).toBe(0);
    const runs = await Promise.all(
      [1, 2, 3, 4].map(async (n) => {
        const { stdout } = await execFileAsync(process.execPath, [path.join(repoRoot, 'bin/berth'), '--room', room, 'plugin', 'run', `${parallel}@1.0.0`, '--param', `count=${n}`, '-d', '-o', 'json'], {
          env: { ...process.env, BERTH_HOME: home },
        });
        return JSON.parse(stdout) as { record: number; built: boolean; container: { id: string }; params: { count: number } };
      }),
    );
    expect(new Set(runs.map((r) => r.record)).size).toBe(4);
    expect(runs.filter((r) => r.built)).toHaveLength(1);
    const imageIds = new Set<string>();
    for (const r of runs) {
      imageIds.add((await docker.getContainer(r.container.id).inspect()).Image);
      await docker.getContainer(r.container.id).wait();
      const logs = (await docker.getContainer(r.container.id).logs({ stdout: true })).toString();
      expect(logs).toContain(`"count":${r.params.count}`);
    }
    expect(imageIds.size).toBe(1);
    const byLabel = () => docker.listImages({ filters: { label: [`berth.plugin=${parallel}@1.0.0`] } });
    expect((await byLabel()).map((i) => i.Id)).toEqual([...imageIds]);
    for (const r of runs) expect((await cli('records', 'delete', String(r.record))).code).toBe(0);
    const removed = await cli('plugin', 'remove', `${parallel}@1.0.0`);
    expect(removed.stdout).toBe(`removed ${parallel}@1.0.0 and image berth-plugin/${parallel}:1.0.0\n`);
    expect(await byLabel()).toEqual([]);
  });
});
