// Malicious archives, generated here: each is refused on host extraction (library and `storage cp -x`) and before
// it reaches the engine on upload; nothing is left behind and a canary directory's checksum never changes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveRefusedError, defaultArchiveLimits, fileEntries, extractEntries, extractArchiveFile } from '../../src/runtime/files/index.js';
import { ExitCode } from '../../src/runtime/core/index.js';
import { cliFor, expectOneLineError } from '../support/container-helpers.js';
import {
  makeCanary,
  makeManyEntryTar,
  makeTar,
  makeTarGz,
  makeZip,
  patchTarSize,
  patchZipUncompressedSize,
  treeChecksum,
  zeros,
} from '../support/fixtures/archives.js';
import { docker, removeRooms, roomContainer, runtimeFor, tempHome, uniqueRoom } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('fsafe');
const cli = cliFor(home, room);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-files-safety-'));
const canary = makeCanary(path.join(work, 'canary'));
const canarySum = treeChecksum(canary);
const rt = runtimeFor(home);

/** Rewrites bytes of a zip's names in place (same length), for names yazl itself would refuse to write. */
function patchZipName(file: string, from: string, to: string): void {
  const buf = fs.readFileSync(file);
  const a = Buffer.from(from);
  const b = Buffer.from(to);
  expect(a.length).toBe(b.length);
  let at = buf.indexOf(a);
  expect(at).toBeGreaterThan(0);
  while (at >= 0) {
    b.copy(buf, at);
    at = buf.indexOf(a, at + 1);
  }
  fs.writeFileSync(file, buf);
}

const f = (name: string) => path.join(work, name);
const canaryRel = path.relative(work, canary); // "canary", beside every target
const absCanary = canary.replace(/^\//, '');

type Fixture = { name: string; build: () => Promise<string>; message: RegExp; keepExternal?: boolean };
const fixtures: Fixture[] = [
  { name: 'tar traversal', build: () => makeTar(f('trav.tar'), [{ name: 'ok.txt', data: 'fine' }, { name: `../${canaryRel}/pwned`, data: 'x' }]), message: /has a "\.\." path component/ },
  {
    name: 'zip traversal',
    build: async () => {
      const file = await makeZip(f('trav.zip'), [{ name: 'ok.txt', data: 'fine' }, { name: `zz/${canaryRel}/pwned`, data: 'x' }]);
      patchZipName(file, `zz/${canaryRel}`, `../${canaryRel}`.slice(0, canaryRel.length + 3));
      return file;
    },
    message: /invalid relative path|"\.\." path component/,
  },
  { name: 'tar absolute path', build: () => makeTar(f('abs.tar'), [{ name: 'ok.txt', data: 'fine' }, { name: `${canary}/pwned`, data: 'x' }]), message: /has an absolute path/ },
  {
    name: 'zip absolute path',
    build: async () => {
      const file = await makeZip(f('abs.zip'), [{ name: 'ok.txt', data: 'fine' }, { name: `Z${absCanary}/pwned`, data: 'x' }]);
      patchZipName(file, `Z${absCanary}`, `/${absCanary}`);
      return file;
    },
    message: /absolute path/,
  },
  { name: 'symlink out of the target', build: () => makeTar(f('symout.tar'), [{ name: 'l', type: 'symlink', linkname: canary }]), message: /points outside the target directory/ },
  { name: 'symlink with .. out of the target', build: () => makeTar(f('symup.tar'), [{ name: 'd/l', type: 'symlink', linkname: `../../${canaryRel}` }]), message: /points outside the target directory/ },
  {
    name: 'symlink then write through it (links to outside kept)',
    build: () => makeTar(f('symwrite.tar'), [{ name: 'l', type: 'symlink', linkname: canary }, { name: 'l/pwned', data: 'x' }]),
    message: /would be written through the symlink "l"/,
    keepExternal: true,
  },
  {
    name: 'symlink then write through it (inside link)',
    build: () => makeTar(f('symwrite2.tar'), [{ name: 'd/', type: 'directory' }, { name: 'l', type: 'symlink', linkname: 'd' }, { name: 'l/x', data: 'x' }]),
    message: /would be written through the symlink "l"/,
  },
  {
    name: 'symlink chain that only escapes when followed',
    build: () => makeTar(f('symchain.tar'), [{ name: 'd/s', type: 'symlink', linkname: '..' }, { name: 't', type: 'symlink', linkname: 'd/s/..' }]),
    message: /"t" -> "d\/s\/\.\." points outside/,
  },
  { name: 'hardlink outside (relative)', build: () => makeTar(f('hard1.tar'), [{ name: 'ok.txt', data: 'fine' }, { name: 'h', type: 'link', linkname: `../${canaryRel}/secret.txt` }]), message: /hardlink "h"|"\.\." path component/ },
  { name: 'hardlink outside (absolute)', build: () => makeTar(f('hard2.tar'), [{ name: 'h', type: 'link', linkname: `${canary}/secret.txt` }]), message: /absolute path|hardlink "h"/ },
  { name: 'hardlink to a later entry', build: () => makeTar(f('hard3.tar'), [{ name: 'h', type: 'link', linkname: 'later.txt' }, { name: 'later.txt', data: 'x' }]), message: /hardlink "h" -> "later.txt" does not name an earlier file/ },
  { name: 'case collision', build: () => makeTar(f('case.tar'), [{ name: 'README', data: 'a' }, { name: 'readme', data: 'b' }]), message: /"readme" collides with "README"/ },
  { name: 'case collision of directories', build: () => makeTar(f('casedir.tar'), [{ name: 'Dir/a', data: 'a' }, { name: 'dir/b', data: 'b' }]), message: /collides with "Dir"/ },
  { name: 'Unicode normalisation collision', build: () => makeTar(f('nfc.tar'), [{ name: 'caf\u00e9', data: 'a' }, { name: 'cafe\u0301', data: 'b' }]), message: /collides with/ },
  { name: 'duplicate entry', build: () => makeTar(f('dup.tar'), [{ name: 'a', data: 'a' }, { name: 'a', data: 'b' }]), message: /appears twice/ },
  { name: 'character device', build: () => makeTar(f('dev.tar'), [{ name: 'null', type: 'character-device' }]), message: /is a character-device: device files/ },
  { name: 'fifo', build: () => makeTar(f('fifo.tar'), [{ name: 'p', type: 'fifo' }]), message: /is a fifo/ },
  { name: '100k entries', build: () => makeManyEntryTar(f('many.tar'), 100_000), message: /more than 50000 entries/ },
  { name: 'zip bomb (200 MB of zeros)', build: () => makeZip(f('bomb.zip'), [{ name: 'zeros', data: zeros(200 * 1024 * 1024) }]), message: /expands more than 500 times/ },
  {
    // Each entry stays under the per-entry check's 1 MiB floor: only the archive's own ratio catches it.
    name: 'zip bomb split into 200 entries of 1 MiB of zeros',
    build: () => makeZip(f('split.zip'), Array.from({ length: 200 }, (_, i) => ({ name: `z${i}`, data: zeros(1024 * 1024), size: 1024 * 1024 }))),
    message: /the archive expands more than 500 times its compressed size/,
  },
  {
    name: 'gzip bomb (a .tar.gz of 200 MB of zeros)',
    build: () => makeTarGz(f('bomb.tar.gz'), [{ name: 'zeros', data: zeros(200 * 1024 * 1024), size: 200 * 1024 * 1024 }]),
    message: /the gzip stream expands more than 500 times/,
  },
  {
    name: 'zip whose size header is smaller than its data',
    build: async () => {
      const file = await makeZip(f('lie.zip'), [{ name: 'data.bin', data: Buffer.alloc(5000, 7) }]);
      patchZipUncompressedSize(file, 10);
      return file;
    },
    message: /too many bytes|unexpected|size/i,
  },
  {
    name: 'tar whose size header is larger than its data',
    build: async () => {
      const file = await makeTar(f('lie1.tar'), [{ name: 'data.bin', data: Buffer.alloc(1000, 7) }]);
      fs.truncateSync(file, 512 + 600);
      return file;
    },
    message: /not a readable tar archive: (Unexpected end of data|Stream was destroyed)/,
  },
  {
    name: 'tar whose size header is smaller than its data',
    build: async () => {
      const file = await makeTar(f('lie2.tar'), [{ name: 'data.bin', data: Buffer.alloc(3000, 7) }, { name: 'next.txt', data: 'n' }]);
      patchTarSize(file, 100);
      return file;
    },
    message: /not a readable tar archive/,
  },
];

const built = new Map<string, string>();
beforeAll(async () => {
  for (const fx of fixtures) built.set(fx.name, await fx.build());
  const r = await cli('room', 'create', room);
  expect(r.code, r.stderr).toBe(0);
  await roomContainer(room, 'box', { cmd: ['sh', '-c', 'mkdir -p /keep && echo original > /keep/file && sleep 600'] });
}, 180_000);
afterAll(async () => {
  rt.close();
  await removeRooms([room]);
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
});

function leftovers(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.startsWith('.berth-'));
}

describe('host extraction refuses malicious archives', () => {
  it.each(fixtures.map((fx) => [fx.name, fx] as const))('%s: refused, nothing written, canary unchanged', async (_n, fx) => {
    const target = path.join(work, `out-${fixtures.indexOf(fx)}`);
    const err = await extractArchiveFile(rt, built.get(fx.name)!, target, { externalSymlinks: fx.keepExternal ? 'keep' : 'refuse' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ArchiveRefusedError);
    expect((err as Error).message).toMatch(fx.message);
    expect((err as ArchiveRefusedError).exitCode).toBe(ExitCode.denied);
    expect(fs.existsSync(target)).toBe(false);
    expect(leftovers(work)).toEqual([]);
    expect(treeChecksum(canary)).toBe(canarySum);
  });

  // The same entries straight into the streaming extractor (the path download --extract-to takes: no pre-check
  // pass), so each rule also holds while writing. The entry cap is lowered to keep the 100k case quick.
  it.each(fixtures.map((fx) => [fx.name, fx] as const))('%s: refused while streaming too', async (_n, fx) => {
    const target = path.join(work, `stream-${fixtures.indexOf(fx)}`);
    const limits = { ...defaultArchiveLimits, maxEntries: 5000 };
    const err = await extractEntries(fileEntries(built.get(fx.name)!, limits), target, { limits, externalSymlinks: fx.keepExternal ? 'keep' : 'refuse' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ArchiveRefusedError);
    expect((err as Error).message).toMatch(new RegExp(fx.message.source.replace('50000', '5000'), fx.message.flags));
    expect(fs.existsSync(target)).toBe(false);
    expect(leftovers(work)).toEqual([]);
    expect(treeChecksum(canary)).toBe(canarySum);
  });

  it('refuses into an existing target and leaves it exactly as it was', async () => {
    const target = path.join(work, 'existing');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'mine.txt'), 'keep me');
    const before = treeChecksum(target);
    const file = await makeTar(f('late-bad.tar'), [
      { name: 'a.txt', data: 'new' },
      { name: 'mine.txt', data: 'overwritten?' },
      { name: 'sub/b.txt', data: 'new' },
      { name: `../${canaryRel}/pwned`, data: 'x' },
    ]);
    await expect(extractArchiveFile(rt, file, target)).rejects.toThrow(/"\.\." path component/);
    expect(treeChecksum(target)).toBe(before);
    expect(leftovers(target)).toEqual([]);
    expect(treeChecksum(canary)).toBe(canarySum);
  });

  it('replaces a symlink already in the target instead of writing through it', async () => {
    const target = path.join(work, 'withlink');
    fs.mkdirSync(target);
    fs.symlinkSync(canary, path.join(target, 'x'));
    const file = await makeTar(f('into-link.tar'), [{ name: 'x/', type: 'directory' }, { name: 'x/pwned', data: 'x' }]);
    await extractArchiveFile(rt, file, target);
    expect(fs.lstatSync(path.join(target, 'x')).isDirectory()).toBe(true);
    expect(fs.readFileSync(path.join(target, 'x', 'pwned'), 'utf8')).toBe('x');
    expect(treeChecksum(canary)).toBe(canarySum);
  });

  it('unpacks a good archive (the control: the rules above are not refusing everything)', async () => {
    const target = path.join(work, 'good');
    const file = await makeTar(f('good.tar'), [
      { name: 'dir/', type: 'directory', mode: 0o750 },
      { name: 'dir/a.txt', data: 'A', mode: 0o640 },
      { name: 'dir/link', type: 'symlink', linkname: 'a.txt' },
      { name: 'dir/up', type: 'symlink', linkname: '../top.txt' },
      { name: 'top.txt', data: 'T' },
      { name: 'hard', type: 'link', linkname: 'top.txt' },
      { name: 'setuid', data: '#!/bin/sh\n', mode: 0o4755, uid: 4321, gid: 4321 },
    ]);
    const r = await extractArchiveFile(rt, file, target);
    expect(r).toMatchObject({ files: 4, symlinks: 2 });
    expect(fs.readFileSync(path.join(target, 'dir/link'), 'utf8')).toBe('A');
    expect(fs.readFileSync(path.join(target, 'dir/up'), 'utf8')).toBe('T');
    expect(fs.readFileSync(path.join(target, 'hard'), 'utf8')).toBe('T');
    expect(fs.lstatSync(path.join(target, 'hard')).nlink).toBe(1);
    expect(fs.statSync(path.join(target, 'dir')).mode & 0o777).toBe(0o750);
    expect(fs.statSync(path.join(target, 'dir/a.txt')).mode & 0o777).toBe(0o640);
    // setuid/setgid never survive onto the host.
    expect(fs.statSync(path.join(target, 'setuid')).mode & 0o7777).toBe(0o755);
    // Never chowned to the archive's uid/gid, even when the tests run as root.
    expect(fs.statSync(path.join(target, 'setuid')).uid).toBe(process.getuid!());
    expect(fs.statSync(path.join(target, 'setuid')).gid).toBe(process.getgid!());
  });

  it('caps are settings: a lower files.maxBytes refuses an archive the default accepts', async () => {
    const file = await makeTar(f('big.tar'), [{ name: 'big.bin', data: Buffer.alloc(64 * 1024, 1) }]);
    await expect(extractArchiveFile(rt, file, path.join(work, 'capped'), { limits: { maxBytes: 1024 } })).rejects.toThrow(/more than 1024 bytes \(the files.maxBytes setting\)/);
    expect(fs.existsSync(path.join(work, 'capped'))).toBe(false);
  });
});

describe('the CLI refuses them too', () => {
  it('storage cp --extract: exit 6, one line, storage unchanged', async () => {
    const ok = await cli('storage', 'cp', '--extract', built.get('tar traversal')!.replace('trav.tar', 'good.tar'), ':unpacked');
    expect(ok.code, ok.stderr).toBe(0);
    const storage = path.join(home, 'data', 'rooms', room);
    const before = treeChecksum(storage);
    for (const name of ['tar traversal', 'zip absolute path', 'symlink out of the target', 'zip bomb (200 MB of zeros)', 'zip bomb split into 200 entries of 1 MiB of zeros', 'gzip bomb (a .tar.gz of 200 MB of zeros)']) {
      const r = await cli('storage', 'cp', '-x', built.get(name)!, ':unpacked/more');
      expectOneLineError(r, ExitCode.denied, 'archive refused:');
      expect(treeChecksum(storage)).toBe(before);
    }
    expect(treeChecksum(canary)).toBe(canarySum);
  });

  it('upload --archive: every fixture refused before it reaches the engine', async () => {
    const names = fixtures.filter((fx) => !/case|Unicode/.test(fx.name)).map((fx) => fx.name);
    for (const name of names) {
      const r = await cli('container', 'upload', 'box', '--archive', built.get(name)!, '--dest', '/up');
      expect(r.code, `${name}: ${r.stderr}`).toBe(ExitCode.denied);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    // Nothing was created: not even the destination directory.
    const probe = await docker.getContainer(`${room}.box`).exec({ Cmd: ['sh', '-c', 'ls /up 2>&1; cat /keep/file'], AttachStdout: true, AttachStderr: true });
    const out = await new Promise<string>((resolve) => {
      probe.start({}, (_e: unknown, s: NodeJS.ReadableStream | undefined) => {
        let text = '';
        s!.on('data', (c: Buffer) => (text += c.toString('latin1')));
        s!.on('end', () => resolve(text));
      });
    });
    expect(out).toContain('No such file or directory');
    expect(out).toContain('original');
    expect(treeChecksum(canary)).toBe(canarySum);
  });

  it('a .tar.gz (the control for the gzip bomb): unpacked by storage cp -x and uploaded by upload --archive', async () => {
    // Ordinary text (about 10 times smaller gzip'd), 4 MB: well past the gzip check's 1 MiB floor.
    const text = Buffer.from(Array.from({ length: 150_000 }, (_, i) => `line ${i} of ordinary text\n`).join(''));
    const file = await makeTarGz(f('good.tar.gz'), [
      { name: 'gz/', type: 'directory' },
      { name: 'gz/a.txt', data: 'from a tar.gz' },
      { name: 'gz/big.txt', data: text },
    ]);
    const x = await cli('storage', 'cp', '-x', file, ':gz-unpacked');
    expect(x.code, x.stderr).toBe(0);
    const storage = path.join(home, 'data', 'rooms', room, 'gz-unpacked');
    expect(fs.readFileSync(path.join(storage, 'gz', 'a.txt'), 'utf8')).toBe('from a tar.gz');
    expect(fs.readFileSync(path.join(storage, 'gz', 'big.txt')).equals(text)).toBe(true);
    const up = await cli('container', 'upload', 'box', '--archive', file, '--dest', '/gz-up');
    expect(up.code, up.stderr).toBe(0);
    expect((await cli('container', 'download', 'box', '/gz-up/gz/a.txt')).stdout).toBe('from a tar.gz');
  });

  it('upload --archive accepts names that differ only by case (the container file system is case-sensitive)', async () => {
    const r = await cli('container', 'upload', 'box', '--archive', built.get('case collision')!, '--dest', '/cases');
    expect(r.code, r.stderr).toBe(0);
    const a = await cli('container', 'download', 'box', '/cases/README');
    const b = await cli('container', 'download', 'box', '/cases/readme');
    expect([a.stdout, b.stdout]).toEqual(['a', 'b']);
  });
});
