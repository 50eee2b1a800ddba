// berth storage ls|cp|rm on room storage and agent workspaces, including what a container may plant there
// (symlinks to host paths, fifos): never followed, never read.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/runtime/core/index.js';
import { cliFor, expectOneLineError } from '../support/container-helpers.js';
import { makeCanary, treeChecksum } from '../support/fixtures/archives.js';
import { removeRooms, tempHome, uniqueRoom } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('fstor');
const cli = cliFor(home, room);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-storage-'));
const canary = makeCanary(path.join(work, 'canary'));
const canarySum = treeChecksum(canary);
const storage = path.join(home, 'data', 'rooms', room);

beforeAll(async () => {
  const r = await cli('room', 'create', room);
  expect(r.code, r.stderr).toBe(0);
  fs.mkdirSync(path.join(work, 'in', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(work, 'in', 'a.txt'), 'A');
  fs.writeFileSync(path.join(work, 'in', 'sub', 'b.bin'), Buffer.from([0, 1, 2, 255]));
  // What a container with the storage mounted could leave behind.
  fs.symlinkSync(canary, path.join(storage, 'evil'));
  execFileSync('mkfifo', [path.join(storage, 'pipe')]);
});
afterAll(async () => {
  await removeRooms([room]);
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
});

describe('storage', () => {
  it('cp a directory in, ls it (table and json), cp it out byte for byte, rm it', async () => {
    expect((await cli('storage', 'cp', path.join(work, 'in'), ':inputs/')).code).toBe(0);
    expect(treeChecksum(path.join(storage, 'inputs', 'in'))).toBe(treeChecksum(path.join(work, 'in')));
    const ls = await cli('storage', 'ls', ':inputs/in');
    expect(ls.stdout).toMatch(/^NAME\s+TYPE\s+SIZE\s+MODIFIED\n/);
    expect(ls.stdout).toMatch(/\na\.txt\s+file\s+1B\s/);
    expect(ls.stdout).toMatch(/\nsub\/\s+directory\s+-\s/);
    const json = JSON.parse((await cli('-o', 'json', 'storage', 'ls')).stdout) as { items: { name: string; type: string; linkTarget?: string }[] };
    expect(json.items.find((e) => e.name === 'evil')).toMatchObject({ type: 'symlink', linkTarget: canary });
    const out = path.join(work, 'out');
    expect((await cli('storage', 'cp', ':inputs/in', out)).code).toBe(0);
    expect(treeChecksum(out)).toBe(treeChecksum(path.join(work, 'in')));
    expectOneLineError(await cli('storage', 'rm', ':inputs'), ExitCode.usage, 'is a directory: use --recursive');
    expect((await cli('storage', 'rm', '-R', ':inputs')).code).toBe(0);
    expect(fs.existsSync(path.join(storage, 'inputs'))).toBe(false);
  });

  it('--agent works in <data>/workspaces/<room>/<agent>', async () => {
    const r = await cli('storage', 'cp', '--agent', 'ana', path.join(work, 'in', 'a.txt'), ':notes/');
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(home, 'data', 'workspaces', room, 'ana', 'notes', 'a.txt'), 'utf8')).toBe('A');
    const ls = await cli('-q', 'storage', 'ls', '--agent', 'ana', 'notes');
    expect(ls.stdout).toBe('notes/a.txt\n');
    expectOneLineError(await cli('storage', 'ls', '--agent', 'bad/name'), ExitCode.usage, 'invalid --agent "bad/name"');
    // An agent with no workspace yet lists empty.
    expect((await cli('-o', 'json', 'storage', 'ls', '--agent', 'nobody')).stdout).toContain('"items": []');
  });

  it('never writes or reads through a symlink a container planted, nor reads a fifo', async () => {
    expectOneLineError(await cli('storage', 'cp', path.join(work, 'in', 'a.txt'), ':evil/pwned'), ExitCode.usage, '"evil" is a symlink, and storage paths never follow symlinks');
    expectOneLineError(await cli('storage', 'ls', ':evil/inner'), ExitCode.usage, 'never follow symlinks');
    // Copying the link out copies the link, not the canary's contents.
    const out = path.join(work, 'link-out');
    expect((await cli('storage', 'cp', ':evil', out)).code).toBe(0);
    expect(fs.readlinkSync(out)).toBe(canary);
    // Copying over the link replaces the link.
    expect((await cli('storage', 'cp', path.join(work, 'in', 'a.txt'), ':evil')).code).toBe(0);
    expect(fs.lstatSync(path.join(storage, 'evil')).isFile()).toBe(true);
    // A link planted at a workspace's old place (<room storage>/workspaces/<agent>) is dropped when the workspace is
    // made, never followed: the agent gets a new, real directory.
    fs.mkdirSync(path.join(storage, 'workspaces'), { recursive: true });
    fs.symlinkSync(canary, path.join(storage, 'workspaces', 'mallory'));
    const ws = await cli('agent', 'workspace', 'mallory');
    expect(ws.code, ws.stderr).toBe(0);
    expect(fs.lstatSync(ws.stdout.trim()).isDirectory()).toBe(true);
    expect((await cli('storage', 'cp', '--agent', 'mallory', path.join(work, 'in', 'a.txt'), ':x')).code).toBe(0);
    expect(fs.readFileSync(path.join(ws.stdout.trim(), 'x'), 'utf8')).toBe('A');
    // A tree holding a fifo copies without hanging, leaving the fifo out.
    expect((await cli('storage', 'cp', ':', path.join(work, 'whole'))).code).toBe(0);
    expect(fs.existsSync(path.join(work, 'whole', 'pipe'))).toBe(false);
    expectOneLineError(await cli('storage', 'cp', ':pipe', path.join(work, 'p')), ExitCode.usage, 'is not a file, directory or symlink');
    expect(treeChecksum(canary)).toBe(canarySum);
  });

  it('bad input: one line, nothing changed', async () => {
    const before = treeChecksum(storage);
    expectOneLineError(await cli('storage', 'cp', 'a', 'b'), ExitCode.usage, 'one side of storage cp must be a storage path');
    expectOneLineError(await cli('storage', 'cp', path.join(work, 'in', 'a.txt'), ':../../escape'), ExitCode.usage, '".." would leave the storage of room');
    expectOneLineError(await cli('storage', 'rm', ':'), ExitCode.usage, 'refusing to remove the whole storage');
    expectOneLineError(await cli('storage', 'rm', ':nope'), ExitCode.notFound, 'no such storage path ":nope"');
    expectOneLineError(await cli('storage', 'cp', path.join(work, 'missing'), ':x'), ExitCode.notFound, 'no such file or directory');
    expect(treeChecksum(storage)).toBe(before);
  });
});
