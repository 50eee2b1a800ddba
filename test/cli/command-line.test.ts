// The command line as people type it: berth's own messages win over Node's and over yargs' terse ones, run through
// the built executable (its shebang, as a shell starts it) and in-process.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, tempHome } from '../support/helpers.js';

const home = tempHome();
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

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
