// The CLI shows what a container, an image, a plugin manifest or an agent controls as text: storage file names,
// image labels, env and history, plugin descriptions, record metadata and labels, and the input an error repeats,
// each with its escape sequences shown escaped (terminalText) by the built binary; JSON output keeps the raw values.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURE_IMAGE, docker, removeRooms, tempHome, uniqueRoom } from '../support/helpers.js';
import { runBin } from '../support/image-helpers.js';

const home = tempHome();
const room = uniqueRoom('esc');
const env = { BERTH_HOME: home, BERTH_ROOM: room, BERTH_AGENT: 'tester' };
const berth = (...args: string[]) => runBin(args, env);
const code = `esc${room.slice(4)}`;
afterAll(async () => {
  await removeRooms([room]);
  await docker.getImage(`berth-plugin/${code}:1.0.0`).remove({ force: true }).catch(() => {});
  fs.rmSync(home, { recursive: true, force: true });
}, 120_000);

/** Anything a terminal would obey rather than show: C0 (but \n), DEL, C1, bidi controls. */
const RAW = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

describe('CLI output escapes what others control', () => {
  it('storage ls shows an agent-made file name escaped; -o json keeps the name', async () => {
    expect((await berth('room', 'create', room)).code).toBe(0);
    const name = 'f\x1b]0;FILETITLE\x07\x1b[2K\u202eevil\r.txt';
    const dir = path.join(home, 'data', 'workspaces', room, 'tester');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, name), 'x');
    const r = await berth('storage', 'ls', '--agent', 'tester');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('f\\e]0;FILETITLE\\a\\e[2K\\u202eevil\\r.txt');
    expect(r.stdout).not.toMatch(RAW);
    const json = await berth('storage', 'ls', '--agent', 'tester', '-o', 'json');
    expect(JSON.parse(json.stdout).items.map((e: { name: string }) => e.name)).toContain(name);
    expect(json.stdout).not.toMatch(RAW);
  });

  it('plugin list/show, image inspect, container get and records get show manifest, LABEL, ENV and metadata escaped', async () => {
    const dir = path.join(home, 'src', code);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'Dockerfile'),
      `FROM ${FIXTURE_IMAGE}\nLABEL evil="a\x1b]0;LABELTITLE\x07b"\nENV EVIL="c\x1b[2Jd"\nCMD ["sleep", "300"]\n`,
    );
    // YAML double-quoted escapes: the manifest's description holds ESC, BEL, a C1 CSI and a bidi override.
    fs.writeFileSync(path.join(dir, 'berth-plugin.yaml'), `code: ${code}\nversion: 1.0.0\ndescription: "desc \\e]0;PLUGTITLE\\a \\x9b2J \\u202eend"\n`);
    const added = await berth('plugin', 'add', dir);
    expect(added.code, added.stderr).toBe(0);

    const list = await berth('plugin', 'list');
    expect(list.stdout).toContain('desc \\e]0;PLUGTITLE\\a \\x9b2J \\u202eend');
    const show = await berth('plugin', 'show', `${code}@1.0.0`);
    expect(show.stdout).toContain('desc \\e]0;PLUGTITLE\\a \\x9b2J \\u202eend');

    const run = await berth('plugin', 'run', `${code}@1.0.0`, '--detach', '--metadata', 'note=m\x1b]52;c;ZWNobyBwd25lZA==\x07n', '-o', 'json');
    expect(run.code, run.stderr).toBe(0);
    const { record, container } = JSON.parse(run.stdout) as { record: number; container: { name: string } };
    // The run built the plugin's image.
    const image = await berth('image', 'inspect', `berth-plugin/${code}:1.0.0`);
    expect(image.code, image.stderr).toBe(0);
    expect(image.stdout).toContain('evil=a\\e]0;LABELTITLE\\ab');
    expect(image.stdout).toContain('EVIL=c\\e[2Jd'); // the ENV step in the history

    const got = await berth('container', 'get', container.name);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toContain('EVIL=c\\e[2Jd');
    expect(got.stdout).toContain('evil=a\\e]0;LABELTITLE\\ab');
    const rec = await berth('records', 'get', String(record));
    expect(rec.code, rec.stderr).toBe(0);
    expect(rec.stdout).toContain('m\\e]52;c;ZWNobyBwd25lZA==\\an');

    for (const r of [list, show, image, got, rec]) expect(r.stdout).not.toMatch(RAW);
    // JSON is the raw value (its own escapes), and no C1 or bidi character is left raw in it either.
    const json = await berth('records', 'get', String(record), '-o', 'json');
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain('m\\u001b]52;c;ZWNobyBwd25lZA==\\u0007n');
    const pj = await berth('plugin', 'show', `${code}@1.0.0`, '-o', 'json');
    expect(JSON.parse(pj.stdout).description).toBe('desc \x1b]0;PLUGTITLE\x07 \u009b2J \u202eend');
    expect(pj.stdout).not.toMatch(RAW);
  }, 180_000);

  it('an invalid name is repeated escaped in the one-line error', async () => {
    const r = await berth('container', 'get', 'x\x1b]0;ERRTITLE\x07\x1b[1A\x1b[2Ky', '--room', 'Bad\x1b[2JRoom');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Bad\\e[2JRoom');
    expect(r.stderr).not.toMatch(RAW);
    const tag = await berth('container', 'run', '--tag', 't\x9b2Jx', FIXTURE_IMAGE, '--', 'true');
    expect(tag.code).toBe(2);
    expect(tag.stderr).toContain('t\\x9b2Jx');
    expect(tag.stderr).not.toMatch(RAW);
  });
});
