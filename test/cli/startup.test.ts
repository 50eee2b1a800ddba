// Start-up: the built CLI loads only the command group a command line names and answers --help from
// dist/commands.json, yet prints exactly what the in-process parser (every group loaded, from src/) prints.
// The global set-up builds dist/ before the tests run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { commandGroups, commandManifest, readManifest } from '../../src/commands/main.js';
import { berthVersion } from '../../src/runtime/core/index.js';
import { repoRoot, runCli, tempHome } from '../support/helpers.js';

const home = tempHome();
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

function bin(args: string[], root = repoRoot) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'berth'), ...args], {
    env: { ...process.env, BERTH_HOME: home },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('start-up', () => {
  it('dist/commands.json holds every group help line as the sources declare it, stamped with its build', async () => {
    const built = JSON.parse(fs.readFileSync(path.join(repoRoot, 'dist', 'commands.json'), 'utf8'));
    expect(built.build).toMatch(/^[0-9a-f]{16}$/);
    expect(built.groups.map((l: { group: string }) => l.group)).toEqual(Object.keys(commandGroups));
    expect(built.groups).toEqual(JSON.parse(JSON.stringify(await commandManifest())));
    expect(built.help).toBe((await runCli(['--help'], { BERTH_HOME: home })).stdout);
    // Unbundled there is no build stamp: the manifest is never read.
    expect(readManifest(pathToFileURL(path.join(repoRoot, 'dist', 'commands.json')))).toBeUndefined();
    expect(readManifest(pathToFileURL(path.join(repoRoot, 'dist', 'commands.json')), built.build)).toEqual(built.groups);
  });

  it('uses the manifest of its own build only: one from another build, or a corrupt one, is ignored', async () => {
    // A copy of the install (bin, dist, package.json; node_modules linked) whose manifest the test rewrites.
    const install = fs.mkdtempSync(path.join(home, 'install-'));
    fs.cpSync(path.join(repoRoot, 'bin'), path.join(install, 'bin'), { recursive: true });
    fs.cpSync(path.join(repoRoot, 'dist'), path.join(install, 'dist'), { recursive: true });
    fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(install, 'package.json'));
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(install, 'node_modules'));
    const manifestFile = path.join(install, 'dist', 'commands.json');
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    const help = (await runCli(['--help'], { BERTH_HOME: home })).stdout;
    const edited = (build: string) =>
      JSON.stringify({
        build,
        groups: manifest.groups.map((l: { group: string; describe: string }) => (l.group === 'room' ? { ...l, describe: 'EDITED LINE' } : l)),
        help: 'EDITED HELP\n',
      });
    expect(manifest.help).toBe(help); // what the build rendered is what the parser prints through a pipe

    // Its own build's manifest is used: the edited help and group line show (so the cases below prove something).
    fs.writeFileSync(manifestFile, edited(manifest.build));
    expect(bin(['--help'], install)).toEqual({ code: 0, stdout: 'EDITED HELP\n', stderr: '' });
    expect(bin([], install).stdout).toBe('EDITED HELP\n');
    expect(bin(['-o', 'table', '--help'], install).stdout).toContain('EDITED LINE');
    // Another build's (the bundle was rebuilt, the manifest was not): ignored, every group loads, help as it is.
    fs.writeFileSync(manifestFile, edited('0123456789abcdef'));
    expect(bin(['--help'], install)).toEqual({ code: 0, stdout: help, stderr: '' });
    expect(bin(['-o', 'table', '--help'], install)).toEqual({ code: 0, stdout: help, stderr: '' });
    // Corrupt, truncated, or the wrong shape: ignored the same way.
    for (const text of ['{"build": "' + manifest.build, '\u0000\u0001garbage', JSON.stringify({ build: manifest.build, groups: manifest.groups.slice(1) }), '[]']) {
      fs.writeFileSync(manifestFile, text);
      expect(bin(['--help'], install)).toEqual({ code: 0, stdout: help, stderr: '' });
      expect(bin(['room', 'list', '-q'], install).code).toBe(0);
    }
    // Missing: the same.
    fs.rmSync(manifestFile);
    expect(bin(['--help'], install)).toEqual({ code: 0, stdout: help, stderr: '' });
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
