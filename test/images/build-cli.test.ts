// berth build from the CLI: live output, -o json, a failing step's exit code and one error line, --build-arg from
// the environment, --from-room-storage, --username/--password-stdin for a private base image (wrong: one line
// naming the registry and user, exit 6), --pull and --no-cache, and Ctrl+C mid-build (the built binary: exit 130,
// the step stops).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cliFor, expectOneLineError } from '../support/container-helpers.js';
import { FIXTURE_IMAGE, docker, removeRooms, repoRoot, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';
import { runCliStdin } from '../support/image-helpers.js';
import { baseImages, buildCredentialRegistry, parseImageRef } from '../../src/runtime/images/index.js';

const home = tempHome();
const room = uniqueRoom('bcli');
const env = { DOCKER_CONFIG: path.join(home, 'docker') };
const cli = cliFor(home, room, env);
const tag = (t: string) => `berth-test-bcli-${room}:${t}`;
const registry = inject('registry');
/** A base image only the htpasswd registry has (pushed in beforeAll, the local copy removed before each pull). */
const privateBase = `${registry.host}/berth-bcli-${room}/base:1`;
/** On the images the cache and pull tests build: a rebuild leaves the one before dangling, removed by this label. */
const testLabel = `berth.test.bcli=${room}`;
const registryAuth = { username: registry.username, password: registry.password, serveraddress: registry.host };

async function drain(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += chunk.toString();
  return out;
}

beforeAll(async () => {
  await docker.getImage(FIXTURE_IMAGE).tag({ repo: privateBase.slice(0, privateBase.lastIndexOf(':')), tag: '1' });
  const out = await drain((await docker.getImage(privateBase).push({ authconfig: registryAuth } as object)) as NodeJS.ReadableStream);
  expect(out).not.toContain('errorDetail');
  await docker.getImage(privateBase).remove();
});

function context(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(home, 'ctx-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

afterAll(async () => {
  await removeRooms([room]);
  for (const t of ['live', 'json', 'storage', 'fail', 'cancel', 'priv', 'cache', 'pull']) await docker.getImage(tag(t)).remove({ force: true }).catch(() => {});
  await docker.getImage(privateBase).remove({ force: true }).catch(() => {});
  for (const i of await docker.listImages({ filters: { label: [testLabel] } })) await docker.getImage(i.Id).remove({ force: true }).catch(() => {});
  fs.rmSync(home, { recursive: true, force: true });
});

describe('berth build', () => {
  it('streams the build output, takes --build-arg from the environment, and labels the image', async () => {
    const dir = context({ Dockerfile: `FROM ${FIXTURE_IMAGE}\nARG FROM_ENV\nARG GIVEN\nRUN echo "env=$FROM_ENV given=$GIVEN"\n` });
    const r = await cliFor(home, room, { ...env, FROM_ENV: 'from-the-env' })('build', dir, '-t', tag('live'), '--build-arg', 'FROM_ENV', '--build-arg', 'GIVEN=yes', '--label', 'berth.test.cli=1', '--no-cache');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Step 1\/\d+ : FROM/);
    expect(r.stdout).toContain('env=from-the-env given=yes');
    expect(r.stdout).toMatch(new RegExp(`built [0-9a-f]{12} as ${tag('live').replace(/[.:]/g, '\\$&')} in room ${room}\\n$`));
    expect(r.stderr).toMatch(/^sent build context: .* \(1 file\)\n$/);
    expect((await docker.getImage(tag('live')).inspect()).Config.Labels?.['berth.test.cli']).toBe('1');
  });

  it('-o json prints only the result on stdout (build output goes to stderr)', async () => {
    const dir = context({ Dockerfile: `FROM ${FIXTURE_IMAGE}\nRUN echo json-build-output\n` });
    const r = await cli('build', dir, '-t', tag('json'), '-o', 'json');
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ tags: [tag('json')], room });
    expect(result.id).toMatch(/^sha256:/);
    expect(r.stderr).toContain('json-build-output');
  });

  it('--from-room-storage builds a directory of the room\'s storage; escaping it is refused', async () => {
    const storage = path.join(home, 'data', 'rooms', room, 'app');
    fs.mkdirSync(storage, { recursive: true });
    fs.writeFileSync(path.join(storage, 'Dockerfile'), `FROM ${FIXTURE_IMAGE}\nCOPY hello.txt /hello.txt\n`);
    fs.writeFileSync(path.join(storage, 'hello.txt'), 'from storage');
    const r = await cli('build', '--from-room-storage', 'app', '-t', tag('storage'), '-q');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe((await docker.getImage(tag('storage')).inspect()).Id);
    expectOneLineError(await cli('build', '--from-room-storage', '../..', '-t', tag('x')), 2, 'leaves the room storage');
    expectOneLineError(await cli('build', storage, '--from-room-storage', 'app', '-t', tag('x')), 2, 'either PATH or --from-room-storage');
  });

  it('a failing step exits 1 with the engine\'s error as the last line; bad input is one line', async () => {
    const dir = context({ Dockerfile: `FROM ${FIXTURE_IMAGE}\nRUN echo step-output && exit 7\n` });
    const r = await cli('build', dir, '-t', tag('fail'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('step-output');
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^berth: build .*: The command '\/bin\/sh -c echo step-output && exit 7' returned a non-zero code: 7$/);
    await expect(docker.getImage(tag('fail')).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expectOneLineError(await cli('build', dir), 2, '--tag is required');
    expectOneLineError(await cli('build', dir, '-t', 'Bad Tag'), 2, 'invalid --tag');
    expectOneLineError(await cli('build', path.join(dir, 'missing'), '-t', tag('x')), 3, 'does not exist');
    expectOneLineError(await cli('build', dir, '-t', tag('x'), '-f', 'nope.Dockerfile'), 2, '--file');
    expectOneLineError(await cli('build', dir, '-t', tag('x'), '--build-arg', '1BAD=x'), 2, '--build-arg');
  });

  it('--username with --password-stdin pulls a private base image; a wrong password is one line naming the registry and user (6)', async () => {
    const dir = context({ Dockerfile: `FROM ${privateBase}\nRUN echo private-base-build\n` });
    // The tag names no registry: the credentials are for the registry of the FROM line.
    const build = (password: string) => runCliStdin(['--room', room, 'build', dir, '-t', tag('priv'), '-u', registry.username, '--password-stdin'], { ...env, BERTH_HOME: home, BERTH_AGENT: 'tester' }, `${password}\n`);
    const wrong = await build('not-the-password');
    // Piped, the context upload is reported first; then the refusal is the one error line.
    expect(wrong.stderr.split('\n')[0]).toMatch(/^sent build context: /);
    expectOneLineError({ ...wrong, stderr: wrong.stderr.split('\n').slice(1).join('\n') }, 6, `build ${tag('priv')}: registry ${registry.host} refused the credentials of ${registry.username}`);
    await expect(docker.getImage(tag('priv')).inspect()).rejects.toMatchObject({ statusCode: 404 });
    const right = await build(registry.password);
    expect(right.code, right.stderr).toBe(0);
    expect(right.stdout).toContain('private-base-build');
    expect((await docker.getImage(tag('priv')).inspect()).Id).toMatch(/^sha256:/);
    for (const r of [wrong, right]) expect(r.stdout + r.stderr).not.toContain(registry.password);
    // Without credentials the registry wants a login, named by its host (not "the registry").
    await docker.getImage(privateBase).remove({ force: true });
    expectOneLineError(await cli('build', dir, '-t', tag('priv'), '-q'), 6, `build ${tag('priv')}: registry ${registry.host} wants a login`);
  });

  it('--no-cache builds every step again where a second build would use the cache', async () => {
    const dir = context({ Dockerfile: `FROM ${FIXTURE_IMAGE}\nRUN echo cache-step-ran-${room}\n` });
    const first = await cli('build', dir, '-t', tag('cache'), '--label', testLabel);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`cache-step-ran-${room}`);
    const cached = await cli('build', dir, '-t', tag('cache'), '--label', testLabel);
    expect(cached.code, cached.stderr).toBe(0);
    expect(cached.stdout).toMatch(/Using cache|CACHED/);
    expect(cached.stdout).not.toContain(`\ncache-step-ran-${room}`);
    const fresh = await cli('build', dir, '-t', tag('cache'), '--label', testLabel, '--no-cache');
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stdout).not.toMatch(/Using cache|CACHED/);
    expect(fresh.stdout).toContain(`\ncache-step-ran-${room}`);
  });

  it('--pull takes the registry\'s base image over an older local one of the same name', async () => {
    // A local image under the base's name that the registry does not have: /which says "local".
    const local = context({ Dockerfile: `FROM ${FIXTURE_IMAGE}\nRUN echo local > /which\n` });
    expect((await cli('build', local, '-t', privateBase, '--label', testLabel, '-q')).code).toBe(0);
    const dir = context({ Dockerfile: `FROM ${privateBase}\nRUN echo "base=$(cat /which 2>/dev/null || echo registry)"\n` });
    const build = (...flags: string[]) => runCliStdin(['--room', room, 'build', dir, '-t', tag('pull'), '--label', testLabel, '--no-cache', '-u', registry.username, '--password-stdin', ...flags], { ...env, BERTH_HOME: home, BERTH_AGENT: 'tester' }, registry.password);
    const kept = await build();
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stdout).toContain('base=local');
    const pulled = await build('--pull');
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.stdout).toContain('base=registry');
    expect(pulled.stdout).toMatch(/Pulling from|Downloaded newer image/);
  });

  it('the registry --username is for: the one the first tag names, else the first base image\'s', () => {
    const dir = context({
      'build.Dockerfile': 'ARG BASE=x\nFROM --platform=linux/amd64 127.0.0.1:5999/team/base:1 AS deps\nFROM deps\nFROM scratch\nFROM ${BASE}\nFROM \\\n  busybox:1\n',
    });
    expect(baseImages(dir, 'build.Dockerfile').map((r) => r.original)).toEqual(['127.0.0.1:5999/team/base:1', 'busybox:1']);
    expect(baseImages(dir)).toEqual([]);
    const bases = baseImages(dir, 'build.Dockerfile');
    expect(buildCredentialRegistry(parseImageRef('app:dev'), bases)).toBe('127.0.0.1:5999');
    expect(buildCredentialRegistry(parseImageRef('registry.example.com/app:dev'), bases)).toBe('registry.example.com');
    expect(buildCredentialRegistry(parseImageRef('docker.io/me/app:dev'), bases)).toBe('docker.io');
    expect(buildCredentialRegistry(parseImageRef('app:dev'), [])).toBe('docker.io');
  });

  it('Ctrl+C mid-build stops the build on the engine and exits 130', async () => {
    const marker = `berth-sigint-${randomBytes(4).toString('hex')}`;
    const dir = context({ Dockerfile: `FROM ${FIXTURE_IMAGE}\nRUN echo ${marker} && sleep 600\n` });
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/berth'), '--room', room, 'build', dir, '-t', tag('cancel')], {
      env: { ...process.env, ...env, BERTH_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await waitFor(() => stdout.includes(`${marker}\n`) || child.exitCode !== null, 'the build step to start', 60_000);
      expect(child.exitCode, stderr).toBeNull();
      await waitFor(async () => (await docker.listContainers()).some((c) => c.Command.includes(marker)), 'the step container');
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toContain('berth: cancelled');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await waitFor(async () => !(await docker.listContainers({ all: true })).some((c) => c.Command.includes(marker)), 'the step container to go', 30_000);
    await expect(docker.getImage(tag('cancel')).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});
