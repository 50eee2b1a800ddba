// The command line as people type it: berth's own messages win over Node's and over yargs' terse ones, run through
// the built executable (its shebang, as a shell starts it) and in-process.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliFor } from '../support/container-helpers.js';
import { FIXTURE_IMAGE, removeRooms, repoRoot, runCli, tempHome, uniqueRoom } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('cl');
afterAll(async () => {
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

/** bin/berth started as a shell starts it (its shebang), with this test's Node first on PATH. */
function berth(args: string[]) {
  const r = spawnSync(path.join(repoRoot, 'bin', 'berth'), args, {
    env: { ...process.env, BERTH_HOME: home, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}` },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the executable', () => {
  it('leaves --env-file on the command line to berth: Node never reads it', () => {
    const run = berth(['run', '--env-file', '/nonexistent/berth-env', 'berth-fixture:latest', '--', 'true']);
    expect(run.stderr).toBe('berth: cannot read --env-file "/nonexistent/berth-env": ENOENT\n');
    expect(run.code).toBe(2);
    const list = berth(['container', 'list', '--env-file', '/nonexistent/berth-env']);
    expect(list.stderr).not.toContain('node:');
    expect(list.stderr).toMatch(/^berth: /);
    expect(list.code).toBe(2);
    // Node's other whole-command-line options are left alone too.
    expect(berth(['--version', '--env-file=/nonexistent/berth-env']).code).toBe(0);
  });
});

describe('usage errors', () => {
  it('a choice error names the value given and the choices, on one line (in-process and from the executable)', async () => {
    const cases: [string[], string][] = [
      [['-o', 'yaml', 'container', 'list'], 'berth: invalid --output "yaml": choose table, wide or json\n'],
      [['container', 'wait', 'web', '--for', 'paused'], 'berth: invalid --for "paused": choose running or exited\n'],
      [['container', 'download', 'web', '/etc', '--format', 'rar'], 'berth: invalid --format "rar": choose tar or zip\n'],
    ];
    for (const [args, line] of cases) {
      expect(await runCli(args, { BERTH_HOME: home })).toEqual({ code: 2, stdout: '', stderr: line });
      expect(berth(args)).toEqual({ code: 2, stdout: '', stderr: line });
    }
  });

  it('docker habits get what happened and what to type', async () => {
    const cases: [string[], string][] = [
      [['foo'], 'berth: unknown command "foo": did you mean "room"? (berth --help lists the commands)\n'],
      [['zzzzzzz'], 'berth: unknown command "zzzzzzz": berth --help lists the commands\n'],
      [['container', 'stpo', 'web'], 'berth: unknown command "stpo": did you mean "stop"? (berth container --help lists the commands)\n'],
      [['container', 'run', '--rm', 'berth-fixture:latest', '--', 'true'], 'berth: unknown option --rm (it took "berth-fixture:latest" as its value): berth container run --help lists the options\n'],
      [['run', 'berth-fixture:latest', 'ls', '-la', '/'], 'berth: unknown option -la: options after the image belong to the command: put them after --, as in: berth run berth-fixture:latest -- ls -la /\n'],
      [['run', '-e', 'A=1', 'berth-fixture:latest', 'ls', '-la'], 'berth: unknown option -la: options after the image belong to the command: put them after --, as in: berth run -e A=1 berth-fixture:latest -- ls -la\n'],
      [['container', 'exec', 'web', 'sh', '-c', 'echo hi'], "berth: unknown option -c: options after the container belong to the command: put them after --, as in: berth container exec web -- sh -c 'echo hi'\n"],
      [['container', 'list', '--bogus'], 'berth: unknown option --bogus: berth container list --help lists the options\n'],
    ];
    for (const [args, line] of cases) expect(await runCli(args, { BERTH_HOME: home })).toEqual({ code: 2, stdout: '', stderr: line });
    expect(berth(['foo']).stderr).toBe(cases[0]![1]);
  });
});

describe('a command that is not in the container', () => {
  it('exits 127 from run and exec alike, as a shell does', async () => {
    const cli = cliFor(home, room);
    const run = await cli('run', FIXTURE_IMAGE, '--', 'no-such-command');
    expect(run.code).toBe(127);
    expect(run.stderr).toBe('berth: command not found in the container: exec: "no-such-command": executable file not found in $PATH\n');
    expect((await cli('container', 'run', FIXTURE_IMAGE, '-d', '--name', 'web', '--', 'sleep', '600')).code).toBe(0);
    expect((await cli('container', 'exec', 'web', '--', 'no-such-command')).code).toBe(127);
    expect((await cli('container', 'exec', 'web', '--stream', '--', 'no-such-command')).code).toBe(127);
    // A command's own 126 stays 126.
    expect((await cli('container', 'exec', 'web', '--', 'sh', '-c', 'exit 126')).code).toBe(126);
  });
});

describe('a mistyped room', () => {
  it('is the same "not found" (exit 3) for image and service list as for container list', async () => {
    const ghost = uniqueRoom('ghost');
    for (const what of ['container', 'image', 'service']) {
      expect(await runCli(['-r', ghost, what, 'list'], { BERTH_HOME: home })).toEqual({ code: 3, stdout: '', stderr: `berth: room "${ghost}" not found\n` });
    }
    // --all lists every room's images: no room to check.
    expect((await runCli(['-r', ghost, 'image', 'list', '--all', '-q'], { BERTH_HOME: home })).code).toBe(0);
  });
});

describe('short flags', () => {
  it('mean what they mean in docker: old short flags that meant something else name the option to type', async () => {
    const cases: [string[], string][] = [
      [['container', 'upload', 'web', '-f', 'run.sh'], 'berth: unknown option -f: type --file (in berth, as in docker, -f means force or follow)\n'],
      [['container', 'upload', 'web', './site', '-d', '/srv'], 'berth: unknown option -d: type --dest (in berth, as in docker, -d means detach)\n'],
      [['container', 'upload-and-run', 'web', '-f', 'job.py', '--', 'true'], 'berth: unknown option -f: type --file (in berth, as in docker, -f means force or follow)\n'],
      [['container', 'batch', 'create', '-f', 'items.yaml'], 'berth: unknown option -f: type --file (in berth, as in docker, -f means force or follow)\n'],
    ];
    for (const [args, line] of cases) expect(await runCli(args, { BERTH_HOME: home })).toEqual({ code: 2, stdout: '', stderr: line });
    // upload-and-run detaches with -d, as docker run does; -D, the old spelling, still works.
    const help = (await runCli(['container', 'upload-and-run', '--help'], { BERTH_HOME: home })).stdout;
    expect(help).toMatch(/-d, -D, --detach/);
  });
});
