// Start-up: the built CLI loads only the command group a command line names and answers --help from
// dist/commands.json, yet prints exactly what the in-process parser (every group loaded, from src/) prints; bin/berth
// refuses a Node older than 22.12 before loading anything, and runs the same with its compile cache corrupt or
// unwritable. The global set-up builds dist/ before the tests run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { builtinModules } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { commandGroups, commandManifest, readManifest } from '../../src/commands/main.js';
import { berthVersion } from '../../src/runtime/core/index.js';
import { repoRoot, runCli, tempHome } from '../support/helpers.js';

const home = tempHome();
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

function bin(args: string[], root = repoRoot, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'berth'), ...args], {
    env: { ...process.env, BERTH_HOME: home, ...env },
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

describe('what a command that talks to the engine loads', () => {
  it("takes node:http without loading undici (an ESM import of it on Node 24 reads its lazy WebSocket getters)", () => {
    const report = `process.on("exit", () => process.stderr.write(JSON.stringify({ http: process.moduleLoadList.includes("NativeModule http"), heavy: process.moduleLoadList.filter((m) => /undici|webstreams/.test(m)) })))`;
    const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(report)}`, path.join(repoRoot, 'bin', 'berth'), 'room', 'list', '-q'], {
      env: { ...process.env, BERTH_HOME: home },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stderr)).toEqual({ http: true, heavy: [] });
  });

  it('loads no built-in it does not call: crypto, child_process, assert, util.parseArgs, worker_threads; stdin is not opened', () => {
    const report = `process.on("exit", () => process.stderr.write(JSON.stringify(process.moduleLoadList.filter((m) => /^NativeModule (crypto|child_process|assert|worker_threads|internal\\/util\\/parse_args\\/parse_args|internal\\/fs\\/streams)$/.test(m)))))`;
    const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(report)}`, path.join(repoRoot, 'bin', 'berth'), 'room', 'list', '-q'], {
      env: { ...process.env, BERTH_HOME: home },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stderr)).toEqual([]);
  });

  it('the bundle takes every built-in but node:module through require', () => {
    for (const file of fs.readdirSync(path.join(repoRoot, 'dist')).filter((f) => f.endsWith('.js'))) {
      const imports = [...fs.readFileSync(path.join(repoRoot, 'dist', file), 'utf8').matchAll(/^import .* from ["'](?:node:)?([a-z_]+)(?:\/[a-z_]+)?["'];$/gm)].map((m) => m[1]!);
      expect(imports.filter((m) => m !== 'module' && builtinModules.includes(m)), file).toEqual([]);
    }
  });
});

/** A copy of the install (bin, dist, package.json; node_modules linked) in a directory anyone may read. */
function copyInstall(parent: string, withDist = true): string {
  const install = fs.mkdtempSync(path.join(parent, 'install-'));
  fs.chmodSync(install, 0o755);
  fs.cpSync(path.join(repoRoot, 'bin'), path.join(install, 'bin'), { recursive: true });
  if (withDist) fs.cpSync(path.join(repoRoot, 'dist'), path.join(install, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(install, 'package.json'));
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(install, 'node_modules'));
  return install;
}

const oldNodeLine = /^berth: found Node\.js v20\.\d+\.\d+; berth needs Node\.js >= 22\.12 \(Node 24 LTS\)\n$/;

describe('bin/berth on an older Node', () => {
  it('says which Node it found and which it needs, in one line, and exits 1 before loading the bundle', () => {
    // The first `node` on PATH says it is 20.20.2 (this node, its version overridden before bin/berth runs), and the
    // install has no dist/: loading anything of the bundle would fail another way.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-old-node-'));
    try {
      const install = copyInstall(dir, false);
      const fakeBin = path.join(dir, 'bin');
      fs.mkdirSync(fakeBin);
      const preload = 'Object.defineProperty(process.versions, "node", { value: "20.20.2" }); Object.defineProperty(process, "version", { value: "v20.20.2" });';
      fs.writeFileSync(path.join(fakeBin, 'node'), `#!/bin/sh\nexec ${process.execPath} --import 'data:text/javascript,${encodeURIComponent(preload)}' "$@"\n`);
      fs.chmodSync(path.join(fakeBin, 'node'), 0o755);
      // Through the shebang (#!/usr/bin/env node), as a user runs it.
      const r = spawnSync(path.join(install, 'bin', 'berth'), ['--version'], { env: { ...process.env, PATH: `${fakeBin}:${process.env.PATH}` }, encoding: 'utf8' });
      expect({ code: r.status, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
      expect(r.stderr).toMatch(oldNodeLine);
      // The same install with dist/ runs under this node: the line came from the version check.
      fs.cpSync(path.join(repoRoot, 'dist'), path.join(install, 'dist'), { recursive: true });
      expect(bin(['--version'], install).code).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // A real Node 20 where the machine has one (/usr/bin/node on the machine kind CI runs on: Node 24 goes to /usr/local).
  const systemNode = spawnSync('/usr/bin/node', ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout?.trim() ?? '';
  it.skipIf(!/^20\./.test(systemNode))('says the same under a real Node 20 (/usr/bin/node)', () => {
    const r = spawnSync('/usr/bin/node', [path.join(repoRoot, 'bin', 'berth'), 'room', 'list'], { env: { ...process.env, BERTH_HOME: home }, encoding: 'utf8' });
    expect({ code: r.status, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
    expect(r.stderr).toMatch(oldNodeLine);
  });
});

describe("bin/berth's compile cache", () => {
  const cacheFiles = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => fs.statSync(path.join(dir, f)).isFile()) : []);

  it('is kept under BERTH_HOME, and a corrupt one is ignored: the same output, nothing more on stderr', () => {
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cache-'));
    try {
      const cache = path.join(own, 'cache', 'compile');
      const expected = bin(['trust', 'check', '--', 'ls'], repoRoot, { BERTH_HOME: own, NODE_DISABLE_COMPILE_CACHE: '1' });
      // Not trusted: exit 1 with the decision, a line each on stdout and stderr.
      expect(expected).toMatchObject({ code: 1, stdout: expect.stringContaining('decision: ask'), stderr: 'berth: not auto-approved: a person decides\n' });
      expect(cacheFiles(cache)).toEqual([]);
      expect(bin(['trust', 'check', '--', 'ls'], repoRoot, { BERTH_HOME: own })).toEqual(expected);
      const files = cacheFiles(cache);
      expect(files.length).toBeGreaterThan(3);
      // Garbage, truncated and emptied entries.
      files.forEach((f, i) => fs.writeFileSync(path.join(cache, f), i % 3 === 0 ? '' : i % 3 === 1 ? Buffer.alloc(64, 0xff) : fs.readFileSync(path.join(cache, f)).subarray(0, 40)));
      for (let run = 0; run < 2; run++) {
        expect(bin(['trust', 'check', '--', 'ls'], repoRoot, { BERTH_HOME: own })).toEqual(expected);
        expect(bin(['--version'], repoRoot, { BERTH_HOME: own })).toEqual(bin(['--version']));
      }
    } finally {
      fs.rmSync(own, { recursive: true, force: true });
    }
  });

  it("holds yargs' code as it ran, written once, kept while V8 takes it, and made again when damaged", () => {
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cache-'));
    try {
      const expected = bin(['trust', 'check', '--', 'ls'], repoRoot, { BERTH_HOME: own, NODE_DISABLE_COMPILE_CACHE: '1' });
      expect(cacheFiles(path.join(own, 'cache'))).toEqual([]);
      const run = () => expect(bin(['trust', 'check', '--', 'ls'], repoRoot, { BERTH_HOME: own })).toEqual(expected);
      run();
      const [file, ...more] = cacheFiles(path.join(own, 'cache')).filter((f) => /cached-yargs-[0-9a-f]{12}\.v8$/.test(f)).map((f) => path.join(own, 'cache', f));
      expect(more).toEqual([]);
      // The cache twice over.
      const intact = () => {
        const both = fs.readFileSync(file!);
        return both.length > 0 && both.subarray(0, both.length / 2).equals(both.subarray(both.length / 2));
      };
      expect(intact()).toBe(true);
      const written = fs.readFileSync(file!);
      // More than the compile cache holds for the chunk (~52 KB): its nested functions too.
      expect(written.length / 2).toBeGreaterThan(100_000);
      // Taken as it is: V8 refusing it would have it written again.
      const { ino, mtimeMs } = fs.statSync(file!);
      run();
      expect(fs.statSync(file!)).toMatchObject({ ino, mtimeMs });
      // A byte changed in the payload, which V8 does not check (it takes such a cache, and then crashes or runs what
      // the byte now says): not used, made again.
      const damaged = Buffer.from(written);
      const at = Math.floor(damaged.length / 4); // in the first copy, the one V8 would be given
      damaged[at] = damaged[at]! ^ 0x5a;
      fs.writeFileSync(file!, damaged);
      run();
      expect(intact()).toBe(true);
      // Half a file (a copy cut short): the same.
      fs.writeFileSync(file!, written.subarray(0, written.length / 2));
      run();
      expect(intact()).toBe(true);
    } finally {
      fs.rmSync(own, { recursive: true, force: true });
    }
  });

  it('is skipped when its directory cannot be made (a file in the way)', () => {
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cache-'));
    try {
      fs.writeFileSync(path.join(own, 'cache'), 'not a directory');
      const r = bin(['trust', 'check', '--', 'ls'], repoRoot, { BERTH_HOME: own });
      expect(r).toEqual(bin(['trust', 'check', '--', 'ls'], repoRoot, { BERTH_HOME: own, NODE_DISABLE_COMPILE_CACHE: '1' }));
      expect(r).toMatchObject({ code: 1, stdout: expect.stringContaining('decision: ask'), stderr: 'berth: not auto-approved: a person decides\n' });
    } finally {
      fs.rmSync(own, { recursive: true, force: true });
    }
  });

  it.skipIf(process.getuid?.() !== 0)('is used read-only when it cannot be written (a user without write access)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cache-ro-'));
    try {
      fs.chmodSync(dir, 0o755);
      const install = copyInstall(dir);
      const own = path.join(dir, 'home');
      fs.mkdirSync(own, { mode: 0o755 });
      const asNobody = (args: string[]) => {
        const r = spawnSync('runuser', ['-u', 'nobody', '--', 'env', `BERTH_HOME=${own}`, process.execPath, path.join(install, 'bin', 'berth'), ...args], { encoding: 'utf8', cwd: dir });
        return { code: r.status, stdout: r.stdout, stderr: r.stderr };
      };
      // Filled by its owner (root), then read by nobody, who may not write there.
      expect(bin(['--help'], install, { BERTH_HOME: own }).code).toBe(0);
      const cache = path.join(own, 'cache', 'compile');
      const before = cacheFiles(cache).map((f) => [f, fs.statSync(path.join(cache, f)).mtimeMs]);
      expect(before.length).toBeGreaterThan(0);
      for (const args of [['--help'], ['--version']]) expect(asNobody(args)).toEqual({ ...bin(args, install, { BERTH_HOME: own }), stderr: '' });
      expect(cacheFiles(cache).map((f) => [f, fs.statSync(path.join(cache, f)).mtimeMs])).toEqual(before);
      // The same when it does not exist yet and that user cannot make it.
      fs.rmSync(path.join(own, 'cache'), { recursive: true });
      const r = asNobody(['--version']);
      expect(fs.existsSync(path.join(own, 'cache'))).toBe(false);
      expect(r).toEqual({ ...bin(['--version'], install, { BERTH_HOME: own }), stderr: '' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
