// Dashboard keys against the real engine: stop from the table (screen and engine agree), delete behind a
// confirmation, the filter, and one action on a multi-selection.
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { removeRooms, tempHome, uniqueRoom } from '../support/helpers.js';
import { KEY, engineState, openDashboard, startContainer } from '../support/dashboard-harness.js';

const home = tempHome();
const rooms: string[] = [];
const newRoom = () => {
  const room = uniqueRoom('dact');
  rooms.push(room);
  return room;
};
afterAll(async () => {
  await removeRooms(rooms);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('dashboard actions', () => {
  it('shows live CPU/memory for a running row, and x stops it: the screen and the engine both say exited', async () => {
    const room = newRoom();
    await startContainer(room, 'svc');
    const dash = await openDashboard(home, room);
    try {
      // The row's CPU % and memory come from its stats stream.
      await dash.waitForFrame((f) => /svc\s+berth-fixture:latest\s+running\s+Up .*tester\s+\d+\.\d%\s+[\d.]+(B|KiB|MiB)/.test(f), 'live stats on the row');
      dash.press('x');
      await dash.waitForFrame((f) => f.includes('stopped svc'), 'the status line to report the stop');
      await dash.waitForFrame((f) => /svc\s+berth-fixture:latest\s+exited/.test(f), 'the row to show exited');
      expect(await engineState(room, 'svc')).toBe('exited');
    } finally {
      dash.close();
    }
  });

  it('an invalid action reports the error in the status line and changes nothing', async () => {
    const room = newRoom();
    const c = await startContainer(room, 'idle');
    await c.stop({ t: 0 });
    const dash = await openDashboard(home, room);
    try {
      await dash.waitForFrame((f) => /idle\s+\S+\s+exited/.test(f), 'the exited row');
      dash.press('p');
      await dash.waitForFrame((f) => /pause failed — idle: .*not running/.test(f), 'the pause error');
      expect(await engineState(room, 'idle')).toBe('exited');
    } finally {
      dash.close();
    }
  });

  it('delete asks first: n keeps the container, y removes it', async () => {
    const room = newRoom();
    await startContainer(room, 'doomed');
    const dash = await openDashboard(home, room);
    try {
      await dash.waitForFrame((f) => /doomed\s+\S+\s+running/.test(f), 'the row');
      dash.press('d');
      await dash.waitForFrame((f) => f.includes('Delete doomed?') && f.includes('killed first'), 'the confirmation');
      dash.press('n');
      await dash.waitForFrame((f) => f.includes('delete cancelled'), 'the cancel');
      expect(await engineState(room, 'doomed')).toBe('running');

      dash.press('d');
      await dash.waitForFrame((f) => f.includes('Delete doomed?'), 'the confirmation again');
      dash.press('y');
      await dash.waitForFrame((f) => f.includes('deleted doomed'), 'the delete to be reported');
      await dash.waitForFrame((f) => f.includes('no containers in this room'), 'the row to go');
      expect(await engineState(room, 'doomed')).toBe('gone');
    } finally {
      dash.close();
    }
  });

  it('/ filters the table as you type; escape clears it', async () => {
    const room = newRoom();
    await Promise.all([startContainer(room, 'alpha-one'), startContainer(room, 'beta-two')]);
    const dash = await openDashboard(home, room);
    try {
      await dash.waitForFrame((f) => f.includes('alpha-one') && f.includes('beta-two'), 'both rows');
      dash.press('/', 'b', 'e', 't', 'a', KEY.enter);
      const filtered = await dash.waitForFrame((f) => f.includes('filter: beta') && f.includes('(1 of 2)'), 'the filter to apply');
      expect(filtered).toContain('beta-two');
      expect(filtered).not.toContain('alpha-one');
      dash.press(KEY.escape);
      await dash.waitForFrame((f) => f.includes('alpha-one') && f.includes('beta-two') && !f.includes('filter:'), 'the filter to clear');
    } finally {
      dash.close();
    }
  });

  it('space selects two rows and one key stops both, leaving the rest running', async () => {
    const room = newRoom();
    await Promise.all([startContainer(room, 'pick-a'), startContainer(room, 'pick-b'), startContainer(room, 'keep-c')]);
    const dash = await openDashboard(home, room);
    try {
      await dash.waitForFrame((f) => ['pick-a', 'pick-b', 'keep-c'].every((n) => f.includes(n)), 'three rows');
      dash.press('/', 'p', 'i', 'c', 'k', KEY.enter);
      await dash.waitForFrame((f) => f.includes('(2 of 3)'), 'the filter');
      dash.press(KEY.space, KEY.space);
      await dash.waitForFrame((f) => f.includes('2 selected') && (f.match(/● pick-/g) ?? []).length === 2, 'two selected rows');
      dash.press('x');
      await dash.waitForFrame((f) => /stopped 2: pick-., pick-./.test(f), 'the batch result');
      expect(await engineState(room, 'pick-a')).toBe('exited');
      expect(await engineState(room, 'pick-b')).toBe('exited');
      expect(await engineState(room, 'keep-c')).toBe('running');
    } finally {
      dash.close();
    }
  });
});
