// Start-up: the built CLI loads only the command group a command line names and answers --help from
// dist/commands.json, yet prints exactly what the in-process parser (every group loaded, from src/) prints.
// The global set-up builds dist/ before the tests run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandGroups, commandManifest } from '../src/commands/main.js';
import { berthVersion } from '../src/runtime/version.js';
import { repoRoot, runCli, tempHome } from './helpers.js';

const home = tempHome();
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

function bin(args: string[]) {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'berth'), ...args], {
    env: { ...process.env, BERTH_HOME: home },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('start-up', () => {
  it('dist/commands.json holds every group help line as the sources declare it', async () => {
    const built = JSON.parse(fs.readFileSync(path.join(repoRoot, 'dist', 'commands.json'), 'utf8'));
    expect(built.map((l: { group: string }) => l.group)).toEqual(Object.keys(commandGroups));
    expect(built).toEqual(JSON.parse(JSON.stringify(await commandManifest())));
  });

  it('bin/berth --version prints the package version (answered without loading a command group)', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    // Exactly `--version` is answered in src/cli.ts without yargs; anything more goes through yargs: both print the
    // version and a newline, as the in-process parser does (which, unbundled, has no version but the dev one).
    for (const args of [['--version'], ['--version', '--debug']]) {
      expect(bin(args)).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
      expect(await runCli(args, { BERTH_HOME: home })).toMatchObject({ code: 0, stdout: `${berthVersion}\n`, stderr: '' });
    }
  });

  it.each([
    [['--help']],
    [['room', '--help']],
    [['c', 'ls', '--help']],
    [['-o', 'json', 'images', '--help']],
    // -qr takes the next word as the room: the first guess (room) is wrong and the parse is redone with every group.
    [['-qr', 'room', 'container', '--help']],
    [['contaner', 'list']],
    [['room', 'lst']],
  ])('bin/berth %j prints what the in-process parser prints, with the same exit code', async (args) => {
    const inProcess = await runCli(args, { BERTH_HOME: home });
    const built = bin(args);
    expect(built.stdout).toBe(inProcess.stdout);
    expect(built.stderr).toBe(inProcess.stderr);
    expect(built.code).toBe(inProcess.code);
    expect(built.stdout + built.stderr).not.toBe('');
  });
});
