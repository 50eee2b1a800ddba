// berth run: temporary jobs stream stdout/stderr apart, return the command's exit code and are always removed —
// after success, failure, --timeout, and Ctrl+C (SIGINT to the built binary).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/runtime/core/index.js';
import { runJob } from '../../src/runtime/containers/index.js';
import { cliFor, expectOneLineError, IMG, roomContainers } from '../support/container-helpers.js';
import { removeRooms, repoRoot, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('run');
const cli = cliFor(home, room);
afterAll(async () => {
  await removeRooms([room]);
  // A job being removed by its own berth process can still hold the network for a moment: wait, then retry.
  await waitFor(async () => (await roomContainers(room)).length === 0, 'the jobs to be gone').catch(() => {});
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('berth run', () => {
  it('streams stdout and stderr apart, exits with the command\'s code and removes the job', async () => {
    const ok = await cli('run', IMG, '--env', 'WHO=job', '--', 'sh', '-c', 'echo "out $WHO"; echo err >&2');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('out job\n');
    expect(ok.stderr).toBe('err\n');

    const failed = await cli('run', IMG, '--', 'sh', '-c', 'seq 1 3; exit 42');
    expect(failed.code).toBe(42);
    expect(failed.stdout).toBe('1\n2\n3\n');
    expect(failed.stderr).toBe('berth: command exited with code 42\n');
    expect(await roomContainers(room)).toEqual([]);
  });

  it('kills and removes the job on --timeout with exit code 7', async () => {
    const r = await cli('run', IMG, '--timeout', '2s', '--', 'sh', '-c', 'echo started; sleep 600');
    expect(r.stdout).toBe('started\n');
    expectOneLineError(r, ExitCode.timeout, 'timed out after 2s: the job was killed and removed');
    expect(await roomContainers(room)).toEqual([]);
  });

  it('removes nothing it did not create on bad input', async () => {
    expectOneLineError(await cli('run', IMG, '--timeout', 'never', '--', 'true'), ExitCode.usage, 'invalid --timeout "never"');
    expectOneLineError(await cli('run', 'berth-nope:0', '--', 'true'), ExitCode.notFound, 'image "berth-nope:0" is not here');
    expect(await roomContainers(room)).toEqual([]);
  });

  it('feeds stdin with -i (and through the library), closing it at EOF', async () => {
    const bin = path.join(repoRoot, 'bin', 'berth');
    const r = spawnSync(process.execPath, [bin, '--room', room, 'run', '-i', IMG, '--', 'sh', '-c', 'tr a-z A-Z; echo eof'], {
      env: { ...process.env, BERTH_HOME: home },
      input: 'piped in\n',
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('PIPED IN\neof\n');
    const rt = runtimeFor(home);
    try {
      let out = '';
      const job = await runJob(rt, room, { image: IMG, command: ['sh', '-c', 'wc -l'], stdin: 'a\nb\nc\n' }, { onOutput: (_s, c) => (out += c) });
      expect(job.exitCode).toBe(0);
      expect(out.trim()).toBe('3');
    } finally {
      rt.close();
    }
    expect(await roomContainers(room)).toEqual([]);
  });

  it('removes the job when interrupted with SIGINT (Ctrl+C) and exits 130', async () => {
    const bin = path.join(repoRoot, 'bin', 'berth');
    expect(fs.existsSync(path.join(repoRoot, 'dist', 'cli.js')), 'run `npm run build` first').toBe(true);
    const child = spawn(process.execPath, [bin, '--room', room, 'run', IMG, '--', 'sh', '-c', 'echo ready; sleep 600'], {
      env: { ...process.env, BERTH_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await waitFor(() => stdout.includes('ready'), 'the job to start');
    const jobs = await roomContainers(room);
    expect(jobs.map((c) => c.Labels['berth.kind'])).toEqual(['job']);
    child.kill('SIGINT');
    expect(await exited).toBe(ExitCode.cancelled);
    expect(stderr).toContain('berth: cancelled');
    expect(await roomContainers(room)).toEqual([]);
  });
});
