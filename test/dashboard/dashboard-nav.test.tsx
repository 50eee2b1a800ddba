// Dashboard navigation through the view registry: the `:` palette reaches every registered view (by id, alias,
// prefix or fuzzy match, with tab completion), number keys, history back, the split layout's right-hand pane
// following the cursor, the all-rooms entry and the starting room.
import fs from 'node:fs';
import React from 'react';
import { render } from 'ink-testing-library';
import { afterAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app/App.js';
import { DashboardStore } from '../../src/app/dashboard-store.js';
import { matchViews, views } from '../../src/app/view-registry.js';
import { RoomService } from '../../src/runtime/rooms/index.js';
import { KEY, engineState, openDashboard, startContainer } from '../support/dashboard-harness.js';
import { removeRooms, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

const home = tempHome();
const rooms: string[] = [];
const newRoom = () => {
  const room = uniqueRoom('dnav');
  rooms.push(room);
  return room;
};
afterAll(async () => {
  await removeRooms(rooms);
  fs.rmSync(home, { recursive: true, force: true });
});

/** The active tab is drawn in brackets: `[2 Sessions]`. */
const activeTab = (frame: string) => /\[(\d) ([^\]]+)\]/.exec(frame.split('\n')[0] ?? '')?.[2];

describe('view registry matching', () => {
  it('finds views by id, alias, prefix and letters in order, best first', () => {
    expect(matchViews('sessions')[0]?.id).toBe('sessions');
    expect(matchViews('rooms')[0]?.id).toBe('containers'); // an alias
    expect(matchViews('sess')[0]?.id).toBe('sessions'); // a prefix
    expect(matchViews('ssn')[0]?.id).toBe('sessions'); // fuzzy: s…s…n in order
    expect(matchViews('zzz')).toEqual([]);
  });
});

describe('dashboard navigation', () => {
  it('the palette reaches every registered view, and escape goes back through the history', async () => {
    const room = newRoom();
    const dash = await openDashboard(home, room);
    try {
      expect(activeTab(dash.frame())).toBe('Containers');
      for (const view of views) {
        dash.press(':', view.id, KEY.enter);
        await dash.waitForFrame((f) => activeTab(f) === view.title, `the palette to open ${view.id}`);
      }
      // History: each escape returns to the view before, down to the first one.
      for (const view of [...views].reverse().slice(1)) {
        dash.press(KEY.escape);
        await dash.waitForFrame((f) => activeTab(f) === view.title, `escape to return to ${view.id}`);
      }
      // A prefix with tab completion, and an unknown name that says so and stays put.
      dash.press(':', 'se', KEY.tab);
      await dash.waitForFrame((f) => f.includes(':sessions▏'), 'tab to complete the name');
      dash.press(KEY.enter);
      await dash.waitForFrame((f) => activeTab(f) === 'Sessions', 'the completed name to open');
      dash.press(':', 'nosuchview', KEY.enter);
      await dash.waitForFrame((f) => f.includes('no view named "nosuchview"'), 'an unknown name to be reported');
      expect(activeTab(dash.frame())).toBe('Sessions');
    } finally {
      dash.close();
    }
  });

  it('number keys open the views of the tab bar', async () => {
    const room = newRoom();
    const dash = await openDashboard(home, room);
    try {
      dash.press('2');
      await dash.waitForFrame((f) => activeTab(f) === views[1]!.title, 'key 2 to open the second view');
      dash.press('1');
      await dash.waitForFrame((f) => activeTab(f) === views[0]!.title && f.includes(`Containers in ${room}`), 'key 1 to come back');
    } finally {
      dash.close();
    }
  });

  it('split layout: the right-hand pane follows the cursor and leaves the previous container’s log behind', async () => {
    const room = newRoom();
    await startContainer(room, 'alpha', 'i=0; while true; do i=$((i+1)); echo "alpha-line $i"; sleep 0.2; done');
    await startContainer(room, 'bravo', 'i=0; while true; do i=$((i+1)); echo "bravo-line $i"; sleep 0.2; done');
    const dash = await openDashboard(home, room, { columns: 150 });
    try {
      // The table is newest first, by name within a second: read which row is on top rather than assume it.
      const first = await dash.waitForFrame((f) => /(alpha|bravo)-line \d+/.test(f) && f.includes('alpha') && f.includes('bravo'), 'the pane to show the cursor row’s log');
      const [top, other] = /alpha-line/.test(first) ? ['alpha', 'bravo'] : ['bravo', 'alpha'];
      expect(first).not.toMatch(new RegExp(`${other}-line`));
      const rows = first.split('\n').filter((l) => /│\s+(alpha|bravo)\s+berth-fixture/.test(l));
      expect(rows[0]).toContain(top);
      dash.press(KEY.down);
      await dash.waitForFrame((f) => new RegExp(`${other}-line \\d+`).test(f) && !new RegExp(`${top}-line`).test(f), `the pane to follow the cursor to ${other}`);
      // The first container keeps printing, but its follow was aborted: none of its lines come back into the pane.
      const seen = await dash.waitForFrame((f) => (f.match(new RegExp(`${other}-line (\\d+)`, 'g')) ?? []).length >= 3, `more of ${other}’s lines`);
      expect(seen).not.toMatch(new RegExp(`${top}-line`));
      // enter zooms the pane full screen; escape returns to the split.
      dash.press(KEY.enter);
      await dash.waitForFrame((f) => f.includes('1 logs') && !f.includes('Rooms'), 'enter to zoom the pane');
      dash.press(KEY.escape);
      await dash.waitForFrame((f) => f.includes('Rooms') && new RegExp(`${other}-line`).test(f), 'escape to return to the split');
    } finally {
      dash.close();
    }
  });

  it('the all-rooms entry lists every berth container with its room', async () => {
    const [one, two] = [newRoom(), newRoom()];
    await startContainer(one, 'first-box');
    await startContainer(two, 'second-box');
    const dash = await openDashboard(home, one);
    try {
      dash.press(KEY.tab); // to the room list
      dash.press('g'); // its first entry: all rooms
      const all = await dash.waitForFrame((f) => f.includes('Containers in all rooms') && f.includes('second-box') && f.includes('first-box'), 'every room’s containers');
      expect(all).toMatch(/ROOM\s+NAME/);
      expect(all).toMatch(new RegExp(`${two}\\s+second-box`));
    } finally {
      dash.close();
    }
  });

  it('starts on the preferred room when it exists, else on the first', async () => {
    const room = newRoom();
    const rt = runtimeFor(home);
    await new RoomService(rt).ensure(room);
    for (const [preferred, expected] of [[room, room], ['no-such-room-here', undefined]] as const) {
      const store = new DashboardStore(rt, { initialRoom: preferred });
      const app = render(<App store={store} endpoint="test-engine" onQuit={() => {}} />);
      try {
        await store.start();
        await waitFor(() => store.getSnapshot().selectedRoom, 'a room to be selected');
        if (expected) expect(store.getSnapshot().selectedRoom).toBe(expected);
        else expect(store.getSnapshot().selectedRoom).not.toBe(preferred);
      } finally {
        store.stop();
        app.unmount();
      }
    }
    rt.close();
  });

  it("starts with the keys on the room's containers: the first x stops the container under the cursor", async () => {
    const room = newRoom();
    await startContainer(room, 'first');
    const dash = await openDashboard(home, room);
    try {
      await dash.waitForFrame((f) => /first\s+berth-fixture:latest\s+running/.test(f), 'the running row');
      dash.press('x');
      await dash.waitForFrame((f) => f.includes('stopped first'), 'the stop reported');
      expect(await engineState(room, 'first')).toBe('exited');
    } finally {
      dash.close();
    }
  });

  it('a key that does nothing where the keys are says so on the status line, and changes nothing', async () => {
    const room = newRoom();
    await startContainer(room, 'kept');
    const dash = await openDashboard(home, room);
    const statusLine = () => dash.frame().split('\n').at(-2) ?? '';
    try {
      await dash.waitForFrame((f) => /kept\s+berth-fixture:latest\s+running/.test(f), 'the running row');
      dash.press(KEY.tab); // to the room list
      await dash.waitForFrame((f) => f.includes('enter open') && !f.includes('e shell'), 'the room list’s keys in the footer');
      for (const key of ['e', 'x', 'r', 's']) {
        dash.press(key);
        await waitFor(() => statusLine().includes(`${key}: select a container first (tab moves to the containers)`), `what ${key} says in the room list`);
      }
      dash.press('/');
      await waitFor(() => statusLine().includes('/: works in the containers list (tab moves there)'), 'what / says in the room list');
      dash.press('z');
      await waitFor(() => statusLine().includes('z: nothing to do here (? lists the keys)'), 'what an unbound key says');
      expect(await engineState(room, 'kept')).toBe('running');
      // Back on the table the same keys act again.
      dash.press(KEY.tab, 'z');
      await waitFor(() => statusLine().includes('z: nothing to do here'), 'z in the table');
      dash.press('x');
      await dash.waitForFrame((f) => f.includes('stopped kept'), 'x in the table');
    } finally {
      dash.close();
    }
  });
});
