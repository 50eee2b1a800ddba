// Finding one container of a room by name, id or id prefix: the engine is asked narrowly (the name's label, ids
// containing the text), with the same answers as reading the whole room: a name beats an id prefix, an id prefix
// must start the id (the engine's id filter matches anywhere in it), another room's container is not found.
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ContainerService } from '../../src/runtime/containers/index.js';
import { NotFoundError } from '../../src/runtime/core/index.js';
import { cliFor, IMG } from '../support/container-helpers.js';
import { removeRooms, runtimeFor, tempHome, uniqueRoom } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('rs');
const other = uniqueRoom('rs');
afterAll(async () => {
  await removeRooms([room, other]);
  fs.rmSync(home, { recursive: true, force: true });
});

const run = async (inRoom: string, name: string) => {
  const r = await cliFor(home, inRoom)('container', 'run', IMG, '-d', '--name', name, '--', 'sleep', '600');
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
};

describe('resolve', () => {
  it('finds by name, full id and id prefix; a name beats an id prefix; a prefix starts the id; other rooms are not searched', async () => {
    const rt = runtimeFor(home);
    try {
      const containers = new ContainerService(rt);
      const first = await run(room, 'first');
      // A second container named with the first one's id prefix: the name wins.
      const prefix = first.slice(0, 6);
      const named = await run(room, prefix);
      const elsewhere = await run(other, 'first');
      expect((await containers.resolve(room, 'first')).id).toBe(first);
      expect((await containers.resolve(room, first)).id).toBe(first);
      expect((await containers.resolve(room, first.slice(0, 8))).id).toBe(first);
      expect((await containers.resolve(room, prefix)).id).toBe(named);
      expect((await containers.resolve(other, 'first')).id).toBe(elsewhere);
      // Text from the middle of an id is not a prefix of it.
      await expect(containers.resolve(room, first.slice(3, 11))).rejects.toThrow(NotFoundError);
      // Another room's container, by name or id, is not found here.
      await expect(containers.resolve(room, elsewhere.slice(0, 12))).rejects.toThrow(`container "${elsewhere.slice(0, 12)}" not found in room "${room}"`);
      await expect(containers.resolve(room, 'nothing')).rejects.toThrow(`container "nothing" not found in room "${room}"`);
    } finally {
      rt.close();
    }
  });
});
