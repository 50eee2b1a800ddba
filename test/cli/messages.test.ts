// What berth says, worded for the person reading it: only the accepted choices listed, counts with the right
// plural, the flag or argument named as typed, a parser's position ending the line, the way out of a refusal named
// (an id prefix's length, an image a remove kept), the container list in one order, and a command reference
// without stray or repeated pages.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/runtime/core/index.js';
import { expectOneLineError } from '../support/container-helpers.js';
import { FIXTURE_IMAGE, docker, removeRooms, repoRoot, roomContainer, runCli, tempHome, uniqueRoom } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('msg');
const plugin = `msg${Date.now().toString(36)}`;
const cli = (...args: string[]) => runCli(args, { BERTH_HOME: home, BERTH_AGENT: 'tester' });
const inRoom = (...args: string[]) => cli('--room', room, ...args);

beforeAll(async () => {
  expect((await cli('room', 'create', room)).code).toBe(0);
});
afterAll(async () => {
  await removeRooms([room]);
  await docker
    .getImage(`berth-plugin/${plugin}:1.0.0`)
    .remove({ force: true })
    .catch(() => {});
  fs.rmSync(home, { recursive: true, force: true });
});

describe('messages', () => {
  it('records update lists only the statuses it accepts', async () => {
    expectOneLineError(await cli('records', 'update', '1', '--status', 'bogus'), ExitCode.usage, /^berth: invalid --status "bogus": use one of succeeded, failed, cancelled, archived$/);
    // A status berth keeps itself is named as such.
    expectOneLineError(await cli('records', 'update', '1', '--status', 'running'), ExitCode.usage, 'status "running" is set by berth from the container itself');
  });

  it('counts one file as one file', async () => {
    const box = await roomContainer(room, 'box');
    const file = path.join(home, 'one.txt');
    fs.writeFileSync(file, 'one\n');
    const up = await inRoom('container', 'upload', 'box', '--file', file, '--dest', '/tmp/up');
    expect(up.stdout, up.stderr).toMatch(/^uploaded 1 file[, ]/);
    const run = await inRoom('container', 'upload-and-run', 'box', '--file', file, '--dest', '/tmp/run', '--detach', '--', 'true');
    expect(run.stdout, run.stderr).toMatch(/^uploaded 1 file to box:\/tmp\/run and started true/);
    const out = path.join(home, 'out');
    const down = await inRoom('container', 'download', 'box', '/tmp/up', '--extract-to', out);
    expect(down.stdout, down.stderr).toMatch(/^extracted 1 file, 0 dirs, 0 symlinks \(/);
    await box.remove({ force: true });
  });

  it('names the argument or the rule as typed', async () => {
    expectOneLineError(await cli('agent', 'workspace', '../../x'), ExitCode.usage, /^berth: invalid agent name "\.\.\/\.\.\/x": use letters, digits and _ \. @ -$/);
    expectOneLineError(await cli('agent', 'limits', '../x'), ExitCode.usage, 'invalid agent name "../x"');
    expectOneLineError(await cli('trust', 'add', '--deny'), ExitCode.usage, 'name the command to refuse after --, e.g. berth trust add --deny -- git push');
    expectOneLineError(await cli('trust', 'add'), ExitCode.usage, 'name the command to trust after --');
  });

  it('ends a YAML error at its position, without the snippet\'s colon', async () => {
    const dir = path.join(home, 'bad-plugin');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${FIXTURE_IMAGE}\n`);
    fs.writeFileSync(path.join(dir, 'berth-plugin.yaml'), 'code: x\nversion: [\n');
    expectOneLineError(await cli('plugin', 'add', dir), ExitCode.usage, /^berth: berth-plugin\.yaml is not valid YAML: .* at line \d+, column \d+$/);
    const batch = path.join(home, 'batch.yaml');
    fs.writeFileSync(batch, 'a: 1\n b: 2\n');
    expectOneLineError(await inRoom('container', 'batch', 'create', '--file', batch), ExitCode.usage, /^berth: cannot parse --file ".*": .* at line \d+, column \d+$/);
  });

  it('says an id prefix needs 4 characters when a short one finds nothing', async () => {
    expectOneLineError(await inRoom('container', 'status', '850'), ExitCode.notFound, `container "850" not found in room "${room}" (id prefixes need at least 4 characters)`);
    // A name is a name: no hint.
    expectOneLineError(await inRoom('container', 'status', 'nope'), ExitCode.notFound, /not found in room "[^"]+"$/);
  });

  it('plugin remove says when it keeps the image, and how to remove it', async () => {
    const dir = path.join(home, 'plugin');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${FIXTURE_IMAGE}\nCMD ["echo", "ran"]\n`);
    fs.writeFileSync(path.join(dir, 'berth-plugin.yaml'), `code: ${plugin}\nversion: 1.0.0\n`);
    expect((await cli('plugin', 'add', dir)).code).toBe(0);
    const run = await inRoom('plugin', 'run', `${plugin}@1.0.0`);
    expect(run.code, run.stderr).toBe(0);
    // The run's record keeps its stopped container, which holds the image.
    const removed = await cli('plugin', 'remove', `${plugin}@1.0.0`);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toBe(`removed ${plugin}@1.0.0\n`);
    expect(removed.stderr).toMatch(
      new RegExp(`^kept image berth-plugin/${plugin}:1\\.0\\.0: 1 container still uses it \\(${room}\\.\\S+\\); delete them .*then berth image delete berth-plugin/${plugin}:1\\.0\\.0\\n$`),
    );
    expect((await docker.getImage(`berth-plugin/${plugin}:1.0.0`).inspect()).Id).toMatch(/^sha256:/);
  });

  it('lists containers newest first, then by name, the same way every time', async () => {
    const names = ['f', 'b', 'e', 'a', 'd', 'c'];
    await Promise.all(names.map((n) => roomContainer(room, `order-${n}`, { start: false })));
    const list = async () => {
      const r = await inRoom('container', 'list', '--all', '-o', 'json');
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout).items as { name: string; created: string }[]).filter((c) => c.name.startsWith('order-'));
    };
    const shown = await list();
    expect(shown).toHaveLength(names.length);
    const expected = [...shown].sort((a, b) => b.created.localeCompare(a.created) || a.name.localeCompare(b.name));
    expect(shown.map((c) => c.name)).toEqual(expected.map((c) => c.name));
    expect((await list()).map((c) => c.name)).toEqual(shown.map((c) => c.name));
  });
});

describe('the command reference', () => {
  it('shows each command once, without the global options or the lines they wrap onto', () => {
    const text = fs.readFileSync(path.join(repoRoot, 'docs', 'commands.md'), 'utf8');
    const pages = [...text.matchAll(/^```\n([\s\S]*?)^```$/gm)].map((m) => m[1]!).slice(1); // the first is berth --help
    expect(pages.length).toBeGreaterThan(50);
    for (const page of pages) expect(page, page.split('\n')[0]).not.toMatch(/docker context|--host|DOCKER_HOST/);
    const titles = pages.map((p) => p.split('\n')[0]);
    expect(titles.filter((t, i) => titles.indexOf(t) !== i)).toEqual([]);
  });
});
