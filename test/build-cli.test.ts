// berth build from the CLI: live output, -o json, a failing step's exit code and one error line, --build-arg from
// the environment, --from-room-storage, and Ctrl+C mid-build (the built binary: exit 130, the step stops).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliFor, expectOneLineError } from './container-helpers.js';
import { FIXTURE_IMAGE, docker, repoRoot, tempHome, uniqueRoom, waitFor } from './helpers.js';

const home = tempHome();
const room = uniqueRoom('bcli');
const env = { DOCKER_CONFIG: path.join(home, 'docker') };
const cli = cliFor(home, room, env);
const tag = (t: string) => `berth-test-bcli-${room}:${t}`;

function context(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(home, 'ctx-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

afterAll(async () => {
  for (const t of ['live', 'json', 'storage', 'fail', 'cancel']) await docker.getImage(tag(t)).remove({ force: true }).catch(() => {});
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
    expect(r.stderr).toMatch(/^sent build context: .* \(1 files\)\n$/);
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
