// Race harness: a container that mounts the room storage swaps `dir` between a real directory and a
// symlink to a canary directory outside storage, in a tight loop, while berth repeats each host-side file operation
// on paths under `dir`. Nothing may be written, deleted or read through the link: the canary's checksum never
// changes, no canary byte reaches a host destination or the storage, and every operation either succeeds inside
// storage or is refused with one line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BerthError } from '../../src/runtime/core/index.js';
import { downloadExtract, StorageService } from '../../src/runtime/files/index.js';
import { makeTar, makeZip, treeChecksum } from '../support/fixtures/archives.js';
import { FIXTURE_IMAGE, TEST_LOG_CONFIG, docker, removeRooms, runCli, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

// 100 tries of each operation against a busy swapper: minutes on a loaded machine, seconds on a quiet one.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });

const TRIES = Number(process.env.BERTH_RACE_TRIES ?? 100);
const MARK = 'CANARY-7f3a';

const home = tempHome();
const room = uniqueRoom('race');
const rt = runtimeFor(home, { BERTH_AGENT: 'tester' });
const storage = path.join(home, 'data', 'rooms', room);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-race-'));
const canary = path.join(work, 'canary');
let container: Docker.Container | undefined;

function makeRaceCanary(): string {
  fs.rmSync(canary, { recursive: true, force: true });
  fs.mkdirSync(path.join(canary, 't', 'deep'), { recursive: true });
  for (const name of ['a', 'f', 't/1', 't/deep/2']) fs.writeFileSync(path.join(canary, name), `${MARK} ${name}\n`);
  return treeChecksum(canary);
}

/** Every regular file under dir (symlinks never followed) whose bytes hold the canary's mark. */
function marked(dir: string): string[] {
  const found: string[] = [];
  const walk = (p: string) => {
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name));
    else if (st.isFile() && fs.readFileSync(p).includes(MARK)) found.push(p);
  };
  walk(dir);
  return found;
}

/** Whether <storage>/{dir,d_real}/name holds the mark, read without following any link (the loop keeps swapping). */
function storageFileMarked(name: string): boolean {
  const flags = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW;
  for (const d of ['dir', 'd_real']) {
    let dirFd: number | undefined;
    let fd: number | undefined;
    try {
      dirFd = fs.openSync(path.join(storage, d), flags | fs.constants.O_DIRECTORY);
      fd = fs.openSync(`/proc/self/fd/${dirFd}/${name}`, flags);
      if (fs.readFileSync(fd).includes(MARK)) return true;
    } catch {
      // a link, or gone for the moment
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
      if (dirFd !== undefined) fs.closeSync(dirFd);
    }
  }
  return false;
}

interface Tally {
  ok: number;
  refused: Map<string, number>;
  unexpected: string[];
  escapes: number;
  firstEscape?: number;
}

const tallies = new Map<string, Tally>();

beforeAll(async () => {
  expect((await runCli(['room', 'create', room], { BERTH_HOME: home })).code).toBe(0);
  makeRaceCanary();
  fs.mkdirSync(path.join(storage, 'd_real'));
  fs.writeFileSync(path.join(storage, 'd_real', 'a'), 'real a\n');
  fs.writeFileSync(path.join(storage, 'd_real', 'f'), 'real f\n');
  fs.symlinkSync(canary, path.join(storage, 'd_link'));
  // rename(2) only (mv -T), so `dir` is always whole: a real directory, the link, or briefly nothing. A directory
  // berth made in that gap is cleared so the loop keeps swapping.
  const loop = [
    'cd /s',
    'mkdir -p /src/sub && echo from-container > /src/sub/h',
    'while :; do',
    '  mv -T d_real dir 2>/dev/null; mv -T dir d_real 2>/dev/null',
    '  mv -T d_link dir 2>/dev/null; mv -T dir d_link 2>/dev/null',
    '  if [ -d dir ] && [ ! -L dir ] && [ -d d_real ]; then rm -rf dir; fi',
    `  [ -L d_link ] || ln -s ${canary} d_link 2>/dev/null`,
    '  [ -d d_real ] || [ -d dir ] || mkdir d_real',
    'done',
  ].join('\n');
  container = await docker.createContainer({
    Image: FIXTURE_IMAGE,
    name: `${room}.swapper`,
    Cmd: ['sh', '-c', loop],
    Labels: { 'berth.room': room, 'berth.kind': 'container', 'berth.name': 'swapper', 'berth.managed': 'true' },
    HostConfig: { Binds: [`${storage}:/s`], NetworkMode: 'none', LogConfig: TEST_LOG_CONFIG },
  });
  await container.start();
  // The loop runs once `dir` has been seen as a link at least once.
  await waitFor(() => fs.readdirSync(storage).includes('d_link') && !fs.readdirSync(storage).includes('d_real'), 'the swap loop');
});

afterAll(async () => {
  await container?.remove({ force: true }).catch(() => {});
  await removeRooms([room]);
  const lines = [...tallies].map(
    ([op, t]) =>
      `${op.padEnd(10)} ok ${String(t.ok).padStart(3)}  refused ${[...t.refused].map(([k, n]) => `${n}×${k}`).join(', ') || '0'}  unexpected ${t.unexpected.length}` +
      `  escapes ${t.escapes}${t.firstEscape !== undefined ? ` (first on try ${t.firstEscape})` : ''}`,
  );
  console.log(`storage race, ${TRIES} tries each:\n${lines.join('\n')}`);
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
});

/** One line per refusal kind, so the tally stays short. */
function kind(message: string): string {
  if (/changed while berth was using it/.test(message)) return 'changed';
  if (/is a symlink/.test(message)) return 'symlink';
  if (/no such/.test(message)) return 'missing';
  if (/not a directory/.test(message)) return 'not-dir';
  if (/already holds a directory|cannot overwrite/.test(message)) return 'exists';
  return message.slice(0, 60);
}

/**
 * Runs op TRIES times while the loop swaps; after each try the canary must be as it was (an escape is counted and
 * the canary restored, so a run on unfixed code reports how often and how soon it escaped).
 */
async function race(name: string, op: (i: number) => Promise<void>, after?: (i: number) => boolean): Promise<Tally> {
  const sum = makeRaceCanary();
  const t: Tally = { ok: 0, refused: new Map(), unexpected: [], escapes: 0 };
  tallies.set(name, t);
  for (let i = 1; i <= TRIES; i++) {
    try {
      await op(i);
      t.ok++;
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      if (process.env.BERTH_RACE_DEBUG) console.log(name, message);
      if (err instanceof BerthError && [2, 3, 4].includes(err.exitCode) && !message.includes('\n')) t.refused.set(kind(message), (t.refused.get(kind(message)) ?? 0) + 1);
      else t.unexpected.push(`${(err as NodeJS.ErrnoException).code ?? (err as Error).name}: ${message.split('\n')[0]}`);
    }
    const leaked = after?.(i) ?? false;
    if (treeChecksum(canary) !== sum || leaked) {
      t.escapes++;
      t.firstEscape ??= i;
      makeRaceCanary();
    }
  }
  return t;
}

function expectContained(t: Tally): void {
  expect(t.escapes, `escaped through the link ${t.escapes} times`).toBe(0);
  expect(t.unexpected, t.unexpected.slice(0, 5).join('\n')).toEqual([]);
  // Every refusal is one of berth's own one-line answers to the swap.
  for (const k of t.refused.keys()) expect(['changed', 'symlink', 'missing', 'not-dir', 'exists']).toContain(k);
}

describe('storage operations under a symlink-swap race', () => {
  const scope = { room };
  const svc = new StorageService(rt);

  it('storage cp into storage never writes through the link', async () => {
    const src = path.join(work, 'in.txt');
    fs.writeFileSync(src, 'host file\n');
    expectContained(await race('cp in', (i) => svc.copy(scope, src, `:dir/p${i}`).then(() => {})));
  });

  it('storage cp within storage neither reads nor writes through the link', async () => {
    expectContained(await race('cp within', () => svc.copy(scope, ':dir/a', ':dir/b').then(() => {}), () => storageFileMarked('b')));
  });

  it('storage cp out of storage never reads through the link', async () => {
    const outDir = path.join(work, 'out');
    fs.mkdirSync(outDir);
    const t = await race(
      'cp out',
      (i) => svc.copy(scope, ':dir/f', path.join(outDir, `f${i}`)).then(() => {}),
      (i) => marked(path.join(outDir, `f${i}`)).length > 0,
    );
    expectContained(t);
    expect(marked(outDir)).toEqual([]);
  });

  it('storage cp -x of a tar never unpacks through the link', async () => {
    const tarFile = await makeTar(path.join(work, 'x.tar'), [{ name: 'x1/', type: 'directory' }, { name: 'x1/file', data: 'from tar' }, { name: 'top', data: 'tar top' }]);
    expectContained(await race('cp -x tar', () => svc.extract(scope, tarFile, ':dir/x').then(() => {})));
  });

  it('storage cp -x of a zip never unpacks through the link', async () => {
    const zipFile = await makeZip(path.join(work, 'x.zip'), [{ name: 'z1/', dir: true }, { name: 'z1/file', data: 'from zip' }]);
    expectContained(await race('cp -x zip', () => svc.extract(scope, zipFile, ':dir/x').then(() => {})));
  });

  it('storage rm -r never deletes through the link', async () => {
    const tree = path.join(work, 't');
    fs.mkdirSync(path.join(tree, 'deep'), { recursive: true });
    fs.writeFileSync(path.join(tree, '1'), 'one');
    fs.writeFileSync(path.join(tree, 'deep', '2'), 'two');
    expectContained(
      await race('rm -r', async () => {
        await svc.copy(scope, tree, ':dir/').catch(() => {});
        await svc.remove(scope, ':dir/t', { recursive: true });
      }),
    );
  });

  it('a download extracted into storage never writes through the link', async () => {
    const target = path.join(storage, 'dir', 'dl');
    expectContained(await race('download', () => downloadExtract(rt, room, 'swapper', '/src', target).then(() => {})));
  });

  it('nothing read from the canary ended up in storage', async () => {
    await container?.remove({ force: true });
    container = undefined;
    expect(marked(storage)).toEqual([]);
  });
});
