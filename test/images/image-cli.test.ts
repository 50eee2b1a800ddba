// berth image list/tag/delete/inspect across rooms: the room sees what it pulled, built or tagged; delete refuses an
// image a container uses, keeps an image another room holds, and bad input is one line with nothing changed.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliFor, expectOneLineError } from '../support/container-helpers.js';
import { FIXTURE_IMAGE, docker, removeRooms, tempHome, uniqueRoom } from '../support/helpers.js';

const home = tempHome();
const roomA = uniqueRoom('ia');
const roomB = uniqueRoom('ib');
const name = (t: string) => `berth-test-img-${roomA}:${t}`;
const env = { DOCKER_CONFIG: path.join(home, 'docker') };
const a = cliFor(home, roomA, env);
const b = cliFor(home, roomB, env);
/** Images built here, removed by id after the containers using them (a forced delete leaves them dangling). */
const builtIds: string[] = [];

afterAll(async () => {
  await removeRooms([roomA, roomB]);
  for (const t of ['one', 'two', 'shared', 'used']) await docker.getImage(name(t)).remove({ force: true }).catch(() => {});
  for (const id of builtIds) await docker.getImage(id).remove({ force: true }).catch(() => {});
  fs.rmSync(home, { recursive: true, force: true });
});

const tagsIn = async (cli: typeof a) => {
  const r = await cli('image', 'list', '-o', 'json');
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout).items as { tags: string[] }[]).flatMap((i) => i.tags).sort();
};

describe('berth image in rooms', () => {
  it('tag puts a name in the room; list shows only the room\'s images, --all every image', async () => {
    // A room with nothing in it yet (no network, no image) cannot be told from a mistyped one: not found, as for containers.
    expectOneLineError(await a('image', 'list'), 3, `room "${roomA}" not found`);
    const r = await a('image', 'tag', FIXTURE_IMAGE, name('one'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`tagged ${FIXTURE_IMAGE} as ${name('one')}\n`);
    expect(await tagsIn(a)).toEqual([name('one')]);
    expect((await b('room', 'create', roomB)).code).toBe(0);
    expect(await tagsIn(b)).toEqual([]); // another room, existing, sees none of them
    const all = await a('image', 'list', '--all', '-o', 'json');
    expect(JSON.parse(all.stdout).items.some((i: { tags: string[] }) => i.tags.includes(FIXTURE_IMAGE))).toBe(true);
    const table = await a('image', 'list');
    expect(table.stdout.split('\n')[0]).toMatch(/^IMAGE\s+ID\s+SIZE\s+CREATED\s+USED BY$/);
    expect(table.stdout).toContain(name('one'));
    const wide = await a('image', 'list', '-o', 'wide');
    expect(wide.stdout.split('\n')[0]).toMatch(/DIGEST\s+ROOMS\s+LABELS/);
    expect(wide.stdout).toContain('berth.test.fixture=true');
    const ids = await a('image', 'list', '-q');
    expect(ids.stdout.trim().split('\n')).toHaveLength(1);
    expect(ids.stdout.trim()).toMatch(/^[0-9a-f]{12}$/); // as `docker images -q`
    expect((await a('image', 'list', '-q', '--no-trunc')).stdout.trim()).toMatch(new RegExp(`^sha256:${ids.stdout.trim()}[0-9a-f]{52}$`));
  });

  it('inspect shows config, labels, rooms and history', async () => {
    const r = await a('image', 'inspect', name('one'), '-o', 'json');
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.rooms).toEqual([roomA]);
    expect(d.labels['berth.test.fixture']).toBe('true');
    expect(d.history.some((h: { createdBy: string }) => h.createdBy.includes('busybox'))).toBe(true);
    const text = await a('image', 'inspect', name('one'));
    expect(text.stdout).toMatch(/^id:\s+sha256:/m);
    expect(text.stdout).toContain('HISTORY');
  });

  it('delete in one room keeps the name another room holds; the last holder removes it from the engine', async () => {
    await a('image', 'tag', FIXTURE_IMAGE, name('shared'));
    await b('image', 'tag', FIXTURE_IMAGE, name('shared'));
    const first = await a('image', 'delete', name('shared'));
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`kept for room ${roomB}`);
    expect(await tagsIn(a)).toEqual([name('one')]);
    expect(await tagsIn(b)).toEqual([name('shared')]);
    expect((await docker.getImage(name('shared')).inspect()).RepoTags).toContain(name('shared'));
    const last = await b('image', 'delete', name('shared'), '-o', 'json');
    expect(last.code, last.stderr).toBe(0);
    expect(JSON.parse(last.stdout)).toMatchObject({ untagged: [name('shared')], deleted: false, keptFor: [roomA] });
    await expect(docker.getImage(name('shared')).inspect()).rejects.toMatchObject({ statusCode: 404 });
    // The fixture image itself (another name of the same image) is untouched.
    expect((await docker.getImage(FIXTURE_IMAGE).inspect()).Id).toBeTruthy();
  });

  it('delete refuses an image a container uses unless --force', async () => {
    const built = path.join(home, 'ctx');
    fs.mkdirSync(built, { recursive: true });
    fs.writeFileSync(path.join(built, 'Dockerfile'), `FROM ${FIXTURE_IMAGE}\nLABEL berth.test.used=${roomA}\n`);
    const r = await a('build', built, '-t', name('used'), '-q');
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    builtIds.push(id);
    expect(id).toMatch(/^sha256:/);
    const run = await a('container', 'run', name('used'), '-d', '--name', 'user', '--', 'sleep', '600');
    expect(run.code, run.stderr).toBe(0);
    const refused = await a('image', 'delete', name('used'));
    expectOneLineError(refused, 4, `used by 1 container (${roomA}/user)`);
    expect((await docker.getImage(name('used')).inspect()).Id).toBe(id);
    const listed = JSON.parse((await a('image', 'list', '-o', 'json')).stdout).items.find((i: { id: string }) => i.id === id);
    expect(listed.usedBy).toEqual([`${roomA}/user`]);
    const forced = await a('image', 'delete', name('used'), '--force');
    expect(forced.code, forced.stderr).toBe(0);
    await expect(docker.getImage(name('used')).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('bad input: one line, right exit code, nothing changed', async () => {
    expectOneLineError(await a('image', 'delete', 'berth-no-such-image:1'), 3, 'not found');
    expectOneLineError(await b('image', 'delete', name('one')), 3, `is not in room "${roomB}"`);
    expectOneLineError(await a('image', 'tag', FIXTURE_IMAGE, 'Not Valid'), 2, 'invalid target reference');
    expectOneLineError(await a('image', 'tag', 'berth-no-such-image:1', name('two')), 3, 'not found');
    expectOneLineError(await a('image', 'pull', 'bad//ref'), 2, 'invalid image reference');
    expectOneLineError(await a('image', 'push', `berth-no-such-image-${roomA}:1`), 3, 'not found');
    expect(await tagsIn(a)).toEqual([name('one')]);
  });

  it('delete by name drops the room\'s claim and the engine name', async () => {
    const r = await a('image', 'delete', name('one'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`untagged ${name('one')}\n`);
    expect(await tagsIn(a)).toEqual([]);
  });
});
