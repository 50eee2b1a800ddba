// Upload and download against the real engine: a byte-for-byte round trip (binary files, empty dirs, modes,
// symlinks, Unicode names) through tar and zip, stopped containers, in-memory maps, upload-and-run, and container
// symlinks to host-looking paths that must never make a download touch the host.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/runtime/core/index.js';
import { readContainerFile, uploadAndRun, uploadToContainer } from '../../src/runtime/files/index.js';
import { cliFor, expectOneLineError } from '../support/container-helpers.js';
import { makeCanary, treeChecksum } from '../support/fixtures/archives.js';
import { docker, removeRooms, repoRoot, roomContainer, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('fxfer');
const cli = cliFor(home, room);
const rt = runtimeFor(home);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-files-xfer-'));
const src = path.join(work, 'src');
const canary = makeCanary(path.join(work, 'canary'));
const canarySum = treeChecksum(canary);

function buildTree(): void {
  fs.mkdirSync(path.join(src, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(src, 'empty', 'nested-empty'), { recursive: true });
  fs.mkdirSync(path.join(src, 'ünïcødé 日本語 🚢'), { recursive: true });
  fs.writeFileSync(path.join(src, 'bin', 'random.bin'), randomBytes(3 * 1024 * 1024 + 17));
  fs.writeFileSync(path.join(src, 'bin', 'zeros-and-ff'), Buffer.concat([Buffer.alloc(4096), Buffer.alloc(4096, 0xff)]));
  fs.writeFileSync(path.join(src, 'run.sh'), '#!/bin/sh\necho run\n');
  fs.chmodSync(path.join(src, 'run.sh'), 0o755);
  fs.writeFileSync(path.join(src, 'private'), 'secret-ish\n');
  fs.chmodSync(path.join(src, 'private'), 0o600);
  fs.writeFileSync(path.join(src, 'ünïcødé 日本語 🚢', 'café.txt'), 'accents\n');
  fs.writeFileSync(path.join(src, 'empty-file'), '');
  fs.symlinkSync('bin/random.bin', path.join(src, 'link-to-file'));
  fs.symlinkSync('ünïcødé 日本語 🚢', path.join(src, 'link-to-dir'));
  fs.symlinkSync('does-not-exist', path.join(src, 'dangling'));
  fs.mkdirSync(path.join(src, 'locked'));
  fs.writeFileSync(path.join(src, 'locked', 'inside'), 'x');
  fs.chmodSync(path.join(src, 'locked'), 0o750);
}

beforeAll(async () => {
  buildTree();
  const r = await cli('room', 'create', room);
  expect(r.code, r.stderr).toBe(0);
  await roomContainer(room, 'box', {
    // Symlinks to host-looking paths, as a hostile container would leave them.
    cmd: ['sh', '-c', 'mkdir -p /data/real && echo container-etc > /data/real/f && ln -s /etc /data/etc && ln -s /root/.ssh /data/ssh && ln -s ' + canary + ' /data/canary && sleep 600'],
  });
  await roomContainer(room, 'stopped', { start: false });
  await waitFor(async () => (await cli('container', 'download', 'box', '/data/real/f')).stdout === 'container-etc\n', 'box to be set up');
});
afterAll(async () => {
  rt.close();
  await removeRooms([room]);
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
});

describe('round trip', () => {
  it('directory -> container -> --extract-to is byte for byte the same (modes, empty dirs, symlinks, Unicode)', async () => {
    const up = await cli('container', 'upload', 'box', src, '--dest', '/rt/one');
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/^uploaded \d+ files, \d+ dirs, 3 symlinks .* to box:\/rt\/one\n$/);
    const out = path.join(work, 'back');
    const down = await cli('container', 'download', 'box', '/rt/one', '--extract-to', out);
    expect(down.code, down.stderr).toBe(0);
    expect(treeChecksum(out)).toBe(treeChecksum(src));
    expect(fs.statSync(path.join(out, 'locked')).mode & 0o777).toBe(0o750);
    expect(fs.readlinkSync(path.join(out, 'dangling'))).toBe('does-not-exist');
  });

  it('the same through a zip: download --format zip, upload --archive, download again', async () => {
    const zip = path.join(work, 'one.zip');
    const z = await cli('container', 'download', 'box', '/rt/one', '--format', 'zip', '--to', zip);
    expect(z.code, z.stderr).toBe(0);
    const up = await cli('container', 'upload', 'box', '--archive', zip, '--dest', '/rt/two');
    expect(up.code, up.stderr).toBe(0);
    const out = path.join(work, 'back-zip');
    // The zip holds the directory under its base name (as docker cp's tar does).
    const down = await cli('container', 'download', 'box', '/rt/two/one', '-x', out);
    expect(down.code, down.stderr).toBe(0);
    expect(treeChecksum(out)).toBe(treeChecksum(src));
  });

  it('a tar on stdin of the real binary, and a tar on stdout', async () => {
    const tarFile = path.join(work, 'one.tar');
    const t = await cli('container', 'download', 'box', '/rt/one', '--format', 'tar', '--to', tarFile);
    expect(t.code, t.stderr).toBe(0);
    const code = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [path.join(repoRoot, 'bin/berth'), '--room', room, 'container', 'upload', 'box', '--dest', '/rt/three'], {
        env: { ...process.env, BERTH_HOME: home },
        stdio: ['pipe', 'ignore', 'inherit'],
      });
      fs.createReadStream(tarFile).pipe(child.stdin);
      child.on('close', (c) => resolve(c ?? -1));
    });
    expect(code).toBe(0);
    const out = path.join(work, 'back-stdin');
    const down = await cli('container', 'download', 'box', '/rt/three/one', '-x', out);
    expect(down.code, down.stderr).toBe(0);
    expect(treeChecksum(out)).toBe(treeChecksum(src));
  });

  it("a directory as tar on the stdout of the real binary, read slowly, is the engine's archive byte for byte", async () => {
    // A reader slower than the engine fills the pipe: berth's own writes to it then meet EAGAIN (Node makes stdout's
    // pipe non-blocking) and the rest goes through stdout's queue, reading from the engine paused meanwhile.
    const engineTar = Buffer.concat(await Readable.from(await docker.getContainer(`${room}.box`).getArchive({ path: '/rt/one' })).toArray());
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/berth'), '--room', room, 'container', 'download', 'box', '/rt/one', '--format', 'tar'], {
      env: { ...process.env, BERTH_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const read: Buffer[] = [];
    for await (const chunk of child.stdout) {
      read.push(chunk as Buffer);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await exited, stderr).toBe(0);
    expect(engineTar.length).toBeGreaterThan(3 * 1024 * 1024);
    expect(Buffer.concat(read).equals(engineTar)).toBe(true);
  });

  it('single files: --file LOCAL:REMOTE in, to stdout and to --to FILE out', async () => {
    const up = await cli('container', 'upload', 'box', '--file', `${path.join(src, 'bin/random.bin')}:deep/r.bin`, '--file', path.join(src, 'run.sh'), '--dest', '/rt/files');
    expect(up.code, up.stderr).toBe(0);
    const to = path.join(work, 'r.bin');
    const d = await cli('container', 'download', 'box', '/rt/files/deep/r.bin', '--to', to);
    expect(d.code, d.stderr).toBe(0);
    expect(fs.readFileSync(to).equals(fs.readFileSync(path.join(src, 'bin/random.bin')))).toBe(true);
    const s = await cli('container', 'download', 'box', '/rt/files/run.sh');
    expect(s.stdout).toBe('#!/bin/sh\necho run\n');
    // --to an existing directory writes into it under the file's name.
    const intoDir = await cli('container', 'download', 'box', '/rt/files/run.sh', '--to', work);
    expect(intoDir.code, intoDir.stderr).toBe(0);
    expect(fs.statSync(path.join(work, 'run.sh')).mode & 0o777).toBe(0o755);
    // --to under a directory that does not exist: refused as docker cp refuses it, nothing made.
    const missing = path.join(work, 'no-such-dir', 'deeper');
    for (const format of [[], ['--format', 'tar']]) {
      const r = await cli('container', 'download', 'box', '/rt/files/run.sh', ...format, '--to', path.join(missing, 'x'));
      expectOneLineError(r, ExitCode.notFound, `cannot write "${path.join(missing, 'x')}": no such directory "${missing}"`);
    }
    expect(fs.existsSync(path.join(work, 'no-such-dir'))).toBe(false);
  });

  it('uploads into a stopped container, and downloads from it', async () => {
    const up = await cli('container', 'upload', 'stopped', '--file', `${path.join(src, 'run.sh')}:hello.sh`, '--dest', '/opt/app');
    expect(up.code, up.stderr).toBe(0);
    const info = await docker.getContainer(`${room}.stopped`).inspect();
    expect(info.State.Running).toBe(false);
    const d = await cli('container', 'download', 'stopped', '/opt/app/hello.sh');
    expect(d.stdout).toBe('#!/bin/sh\necho run\n');
  });
});

describe('library: in-memory file maps', () => {
  it('uploads bytes, text and streams (sized or not) and reads them back', async () => {
    const big = randomBytes(256 * 1024);
    const r = await uploadToContainer(rt, room, 'box', {
      dest: '/mem',
      map: {
        'boot.py': 'print("hi")\n',
        'data/config.json': Buffer.from('{"setting":"value"}'),
        'data/stream.bin': Readable.from([big.subarray(0, 1000), big.subarray(1000)]),
        'sized.bin': { stream: Readable.from([Buffer.from('12345')]), size: 5, mode: 0o700 },
      },
    });
    expect(r).toMatchObject({ dest: '/mem', files: 4 });
    expect((await readContainerFile(rt, room, 'box', '/mem/boot.py')).toString()).toBe('print("hi")\n');
    expect((await readContainerFile(rt, room, 'box', '/mem/data/config.json')).toString()).toBe('{"setting":"value"}');
    expect((await readContainerFile(rt, room, 'box', '/mem/data/stream.bin')).equals(big)).toBe(true);
    const ls = await cli('container', 'exec', 'box', '--', 'stat', '-c', '%a', '/mem/sized.bin');
    expect(ls.stdout.trim()).toBe('700');
  });

  it('an upload over existing content: a directory merges, a file is replaced by a rename, a type clash changes nothing', async () => {
    const sh = async (script: string) => (await cli('container', 'exec', 'box', '--', 'sh', '-c', script)).stdout;
    await uploadToContainer(rt, room, 'box', { dest: '/over', map: { a: 'old a\n', 'd/x': 'x\n', 'e/f': 'f\n' } });
    // A hard link to the old file, and a link where a file will land: a rename leaves the first with the old bytes
    // (a copy over the file would rewrite them) and replaces the second (never writing through it).
    expect(await sh('ln /over/a /over-keep && ln -s /over/e /over/l && echo ok')).toBe('ok\n');
    const r = await uploadToContainer(rt, room, 'box', { dest: '/over', map: { a: 'new a\n', 'd/y': 'y\n', l: 'plain\n' } });
    expect(r.files).toBe(3);
    expect(await sh('cat /over-keep /over/a /over/d/x /over/d/y /over/l; [ -L /over/l ] || echo not-a-link; ls /over/e')).toBe('old a\nnew a\nx\ny\nplain\nnot-a-link\nf\n');
    // A file where a directory is (and a directory where a file is): refused before anything moves, staging removed.
    await expect(uploadToContainer(rt, room, 'box', { dest: '/over', map: { 'new-file': 'n\n', d: 'a file\n' } })).rejects.toThrow(/cannot replace the directory \/over\/d with a non-directory/);
    await expect(uploadToContainer(rt, room, 'box', { dest: '/over', map: { 'new-file': 'n\n', 'a/inside': 'i\n' } })).rejects.toThrow(/cannot replace the non-directory \/over\/a with a directory/);
    expect(await sh('ls -A /over | tr "\\n" " "; cat /over/a')).toBe('a d e l new a\n');
  });

  it('refuses a map name that leaves dest, uploading nothing', async () => {
    await expect(uploadToContainer(rt, room, 'box', { dest: '/mem2', map: { '../escape': 'x' } })).rejects.toThrow(/invalid file name "\.\.\/escape"/);
    const r = await cli('container', 'exec', 'box', '--', 'ls', '/mem2');
    expect(r.code).not.toBe(0);
  });

  it('upload-and-run with a map streams output and returns the exit code', async () => {
    const chunks: string[] = [];
    const r = await uploadAndRun(rt, room, 'box', {
      dest: '/job',
      map: { 'job.sh': 'echo "args: $*"; cat data.txt; echo oops >&2; exit 3\n', 'data.txt': 'sample data\n' },
      command: ['sh', 'job.sh', 'a1', 'a2'],
      onOutput: (s, c) => chunks.push(`${s}:${c.toString()}`),
    });
    expect(r.exitCode).toBe(3);
    expect(chunks.filter((c) => c.startsWith('stdout:')).map((c) => c.slice('stdout:'.length)).join('')).toBe('args: a1 a2\nsample data\n');
    expect(chunks.some((c) => c === 'stderr:oops\n')).toBe(true);
  });
});

describe('upload-and-run CLI', () => {
  it('uploads, runs in --dest, streams stdout/stderr and exits with the command\'s code', async () => {
    const script = path.join(work, 'job.sh');
    fs.writeFileSync(script, 'pwd; echo "got $1"; echo err-line >&2; exit 4\n');
    const r = await cli('container', 'upload-and-run', 'box', '--file', script, '--dest', '/uar', '--', 'sh', 'job.sh', 'X');
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('/uar\ngot X\n');
    expect(r.stderr).toContain('err-line\n');
  });

  it('--detach returns at once and the command runs on', async () => {
    const script = path.join(work, 'bg.sh');
    fs.writeFileSync(script, 'sleep 0.2; echo done > /uar/bg.out\n');
    const r = await cli('container', 'upload-and-run', 'box', '--file', script, '--dest', '/uar', '--detach', '--', 'sh', 'bg.sh');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/started sh bg.sh \(exec [0-9a-f]{12}\)/);
    await waitFor(async () => (await cli('container', 'download', 'box', '/uar/bg.out')).stdout === 'done\n', 'the detached command to finish');
  });

  it('refuses a stopped container before uploading anything', async () => {
    const r = await cli('container', 'upload-and-run', 'stopped', '--file', path.join(src, 'run.sh'), '--dest', '/never', '--', 'sh', 'run.sh');
    expectOneLineError(r, ExitCode.conflict, 'is not running');
    const d = await cli('container', 'download', 'stopped', '/never');
    expect(d.code).toBe(ExitCode.notFound);
  });
});

describe('container symlinks never reach the host', () => {
  it('a final symlink is not followed (docker cp semantics): one clear line', async () => {
    const r = await cli('container', 'download', 'box', '/data/etc');
    expectOneLineError(r, ExitCode.usage, '"/data/etc" in container "box" is a symlink to "/etc"');
  });

  it('a trailing slash follows it inside the container, never on the host', async () => {
    const out = path.join(work, 'etc-copy');
    const r = await cli('container', 'download', 'box', '/data/etc/', '-x', out, '--allow-external-symlinks');
    expect(r.code, r.stderr).toBe(0);
    const hostname = fs.readFileSync(path.join(out, 'hostname'), 'utf8').trim();
    const info = await docker.getContainer(`${room}.box`).inspect();
    expect(hostname).toBe(info.Config.Hostname);
    expect(hostname).not.toBe(os.hostname());
    // The fixture image has no /etc/passwd; the host has one: this is the container's /etc.
    expect(fs.existsSync('/etc/passwd')).toBe(true);
    expect(fs.existsSync(path.join(out, 'passwd'))).toBe(false);
  });

  it('the canary link path in the container is the container\'s, not the host canary', async () => {
    const r = await cli('container', 'download', 'box', '/data/canary/');
    expectOneLineError(r, ExitCode.notFound, 'no such path');
  });

  it('a directory holding links to /etc, /root/.ssh and the canary is refused whole by default', async () => {
    const out = path.join(work, 'data-refused');
    const r = await cli('container', 'download', 'box', '/data', '-x', out);
    expectOneLineError(r, ExitCode.denied, /archive refused: symlink "(etc|ssh|canary)" -> "\/[^"]+" points outside the target directory \(--allow-external-symlinks keeps such links as they are; they are never written through\)$/);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(work).filter((n) => n.startsWith('.berth-'))).toEqual([]);
  });

  it('with --allow-external-symlinks the links are kept as links and nothing is written through them', async () => {
    const out = path.join(work, 'data-kept');
    const r = await cli('container', 'download', 'box', '/data', '-x', out, '--allow-external-symlinks');
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readlinkSync(path.join(out, 'etc'))).toBe('/etc');
    expect(fs.readlinkSync(path.join(out, 'canary'))).toBe(canary);
    expect(fs.readFileSync(path.join(out, 'real/f'), 'utf8')).toBe('container-etc\n');
    expect(treeChecksum(canary)).toBe(canarySum);
    // Downloading again into the same target merges: the links are replaced, never followed.
    const again = await cli('container', 'download', 'box', '/data', '-x', out, '--allow-external-symlinks');
    expect(again.code, again.stderr).toBe(0);
    expect(treeChecksum(canary)).toBe(canarySum);
  });

  it('bad input: one line each, nothing written', async () => {
    expectOneLineError(await cli('container', 'download', 'box', '/no/such/file'), ExitCode.notFound, 'no such path "/no/such/file" in container "box"');
    expectOneLineError(await cli('container', 'download', 'nobox', '/etc/hostname'), ExitCode.notFound, 'container "nobox" not found');
    expectOneLineError(await cli('container', 'upload', 'box'), ExitCode.usage, 'nothing to upload');
    expectOneLineError(await cli('container', 'upload', 'box', path.join(work, 'nope')), ExitCode.notFound, 'no such directory');
    expectOneLineError(await cli('container', 'upload', 'box', '--file', 'x:'), ExitCode.usage, 'invalid --file "x:"');
    expectOneLineError(await cli('container', 'upload', 'box', '--file', `${path.join(src, 'run.sh')}:../../etc/x`), ExitCode.usage, 'invalid --file remote path');
    expectOneLineError(await cli('container', 'upload', 'box', src, '--dest', '/data/real/f'), ExitCode.usage, 'exists in container "box" and is not a directory');
    const rar = await cli('container', 'download', 'box', '/rt/one', '--format', 'rar');
    expect(rar.code).toBe(ExitCode.usage);
    expect(rar.stderr).toBe('berth: invalid --format "rar": choose tar or zip\n');
  });
});
