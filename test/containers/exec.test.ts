// Non-interactive exec against the real engine: output kept apart, exit codes, json, streaming, stdin, timeout
// (the process really gone), and the errors for unknown or stopped containers.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/runtime/core/index.js';
import { execCommand } from '../../src/runtime/containers/index.js';
import { RoomService } from '../../src/runtime/rooms/index.js';
import { docker, removeRooms, repoRoot, runCli, runtimeFor, tempHome, uniqueRoom, waitFor, roomContainer } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('exec');
const env = { BERTH_HOME: home, BERTH_ROOM: room };

async function member(name: string, start = true) {
  return roomContainer(room, name, { start });
}

/** The container's processes as `ps` shows them from the host (command lines). */
async function processes(name: string): Promise<string[]> {
  const top = await docker.getContainer(`${room}.${name}`).top();
  return top.Processes.map((p: string[]) => p[p.length - 1]!);
}

beforeAll(async () => {
  const rt = runtimeFor(home);
  await new RoomService(rt).ensure(room);
  rt.close();
  await member('box');
  await member('off', false);
});
afterAll(async () => {
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('execCommand (library)', () => {
  it('returns stdout, stderr and the exit code apart, with env, user and workdir applied', async () => {
    const rt = runtimeFor(home);
    const r = await execCommand(rt, room, 'box', ['sh', '-c', 'echo out-$GREETING; pwd; id -u; echo err >&2; exit 3'], {
      env: { GREETING: 'hi' },
      user: '1234',
      workdir: '/bin',
    });
    rt.close();
    expect(r).toMatchObject({ stdout: 'out-hi\n/bin\n1234\n', stderr: 'err\n', exitCode: 3, timedOut: false });
    expect(r.container.name).toBe('box');
  });

  it('streams chunks as they arrive and feeds stdin', async () => {
    const rt = runtimeFor(home);
    const seen: string[] = [];
    const r = await execCommand(rt, room, 'box', ['sh', '-c', 'cat; echo e >&2'], {
      stdin: 'from-stdin\n',
      onOutput: (stream, chunk) => seen.push(`${stream}:${chunk.toString()}`),
      collect: false,
    });
    rt.close();
    // Docker copies the two streams independently: order within a stream is kept, across streams it is not.
    expect([...seen].sort()).toEqual(['stderr:e\n', 'stdout:from-stdin\n']);
    expect(r.stdout).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it('kills the whole process tree on timeout, also for a non-root user', async () => {
    const rt = runtimeFor(home);
    const r = await execCommand(rt, room, 'box', ['sh', '-c', 'echo started; sleep 51 & sleep 52'], { timeout: 500, user: '1234' });
    rt.close();
    expect(r.timedOut).toBe(true);
    expect(r.stdout).toBe('started\n');
    expect(r.exitCode).toBe(137);
    await waitFor(async () => !(await processes('box')).some((p) => /sleep 5[12]/.test(p)), 'the timed-out processes to be gone');
  });
});

describe('berth container exec (CLI, no tty)', () => {
  it('prints stdout and stderr and exits with the command\'s exit code', async () => {
    const r = await runCli(['container', 'exec', 'box', '--', 'sh', '-c', 'echo to-out; echo to-err >&2; exit 5'], env);
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('to-out\n');
    expect(r.stderr).toContain('to-err\n');
  });

  it('prints {stdout, stderr, exit_code} with -o json and audits the exec with secrets masked', async () => {
    const args = ['container', 'exec', 'box', '-o', 'json', '--env', 'A=1', '--env', 'API_TOKEN=hunter2', '--', 'sh', '-c', 'echo $A; echo x >&2; exit 2'];
    const r = await runCli(args, env);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ stdout: '1\n', stderr: 'x\n', exit_code: 2 });
    const audit = fs.readFileSync(path.join(home, 'data', 'actions.jsonl'), 'utf8');
    expect(audit).not.toContain('hunter2');
    const line = audit.trim().split('\n').map((l) => JSON.parse(l) as { action: string }).filter((l) => l.action === 'container.exec').pop();
    expect(line).toMatchObject({ target: `${room}/box`, result: 'ok', details: { env: ['A=1', 'API_TOKEN=***'] } });
  });

  it('takes repeated -e flags before the container name, as docker exec does', async () => {
    const r = await runCli(['container', 'exec', '-e', 'A=1', '-e', 'B=2', 'box', '--', 'sh', '-c', 'echo $A$B'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('12\n');
  });

  it('--timeout kills the command and exits with the timeout code', async () => {
    const r = await runCli(['container', 'exec', 'box', '--timeout', '300ms', '--', 'sh', '-c', 'echo before; sleep 53'], env);
    expect(r.code).toBe(ExitCode.timeout);
    expect(r.stdout).toBe('before\n');
    expect(r.stderr).toMatch(/timed out after 300ms/);
    await waitFor(async () => !(await processes('box')).some((p) => p.includes('sleep 53')), 'the process to be killed');
  });

  it('gives one clear line for an unknown or stopped container and bad values', async () => {
    const unknown = await runCli(['container', 'exec', 'nope', '--', 'true'], env);
    expect(unknown.code).toBe(ExitCode.notFound);
    expect(unknown.stderr.trim()).toBe(`berth: container "nope" not found in room "${room}"`);
    const stopped = await runCli(['container', 'exec', 'off', '--', 'true'], env);
    expect(stopped.code).toBe(ExitCode.conflict);
    expect(stopped.stderr.trim()).toBe(`berth: container "off" in room "${room}" is not running (created): start it first`);
    const badEnv = await runCli(['container', 'exec', 'box', '--env', 'NOEQUALS', '--', 'true'], env);
    expect(badEnv.code).toBe(ExitCode.usage);
    const badTimeout = await runCli(['container', 'exec', 'box', '--timeout', 'soon', '--', 'true'], env);
    expect(badTimeout.code).toBe(ExitCode.usage);
    const noCmd = await runCli(['container', 'exec', 'box'], env);
    expect(noCmd.code).toBe(ExitCode.usage);
  });

  it('forwards piped stdin with -i and streams with --stream (built binary)', async () => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'berth'), 'container', 'exec', '-i', '--stream', 'box', '--', 'sh', '-c', 'while read l; do echo "got $l"; done; exit 4'], {
      env: { ...process.env, ...env },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stdin.write('one\n');
    await waitFor(() => out.includes('got one'), 'the first line to come back before stdin ends');
    child.stdin.end('two\n');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out).toBe('got one\ngot two\n');
    expect(code).toBe(4);
  });
});
