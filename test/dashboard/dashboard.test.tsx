// The first dashboard slice against the real engine: rooms listed, and a container created during the test appears
// through the events stream (no polling), then quitting with q.
import fs from 'node:fs';
import React from 'react';
import { render } from 'ink-testing-library';
import { afterAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app/App.js';
import { DashboardStore } from '../../src/app/dashboard-store.js';
import { helpGroups } from '../../src/app/keymap.js';
import { RoomService } from '../../src/runtime/rooms/index.js';
import { FIXTURE_IMAGE, docker, removeRooms, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('dash');
afterAll(async () => {
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('dashboard slice', () => {
  it('shows rooms and a container created while it is open, kept current by engine events', async () => {
    const rt = runtimeFor(home);
    await new RoomService(rt).create(room);
    const store = new DashboardStore(rt);
    let quit = false;
    const app = render(<App store={store} endpoint="test-engine" onQuit={() => (quit = true)} />);
    await store.start();
    store.selectRoom(room);
    await waitFor(() => app.lastFrame()?.includes(`Containers in ${room}`), 'the room to be selected');
    expect(app.lastFrame()).toContain('no containers in this room');
    const eventsBefore = store.getSnapshot().events;

    const container = await docker.createContainer({
      Image: FIXTURE_IMAGE,
      Cmd: ['sleep', '300'],
      name: `${room}.probe`,
      Labels: { 'berth.room': room, 'berth.kind': 'container', 'berth.name': 'probe' },
    });
    await container.start();

    const frame = await waitFor(() => {
      const f = app.lastFrame() ?? '';
      return /probe\s+berth-fixture:latest\s+running/.test(f) ? f : undefined;
    }, 'the new container to appear as running');
    expect(frame).toContain('Up ');
    // It arrived because of engine events: the store counted them.
    expect(store.getSnapshot().events).toBeGreaterThan(eventsBefore);

    await container.stop({ t: 0 });
    await waitFor(() => /probe\s+berth-fixture:latest\s+exited/.test(app.lastFrame() ?? ''), 'the stop to show');

    app.stdin.write('q');
    await waitFor(() => quit, 'q to quit');
    store.stop();
    app.unmount();
    rt.close();
  });

  it('opens help with ? from the same key table and closes it with escape', async () => {
    const rt = runtimeFor(home);
    const store = new DashboardStore(rt);
    const app = render(<App store={store} endpoint="test-engine" onQuit={() => {}} />);
    await store.start();
    app.stdin.write('?');
    await waitFor(() => app.lastFrame()?.includes('press ? or escape to close'), 'help to open');
    expect(app.lastFrame()).toMatch(/q, ctrl\+c\s+quit/);
    // Each group and each command once (a second "General" group made React warn of a duplicate key).
    expect(new Set(helpGroups.map((g) => g.title)).size).toBe(helpGroups.length);
    expect(new Set(helpGroups.flatMap((g) => g.commands)).size).toBe(helpGroups.flatMap((g) => g.commands).length);
    app.stdin.write('\x1b');
    await waitFor(() => !app.lastFrame()?.includes('press ? or escape to close'), 'help to close');
    store.stop();
    app.unmount();
    rt.close();
  });
});
