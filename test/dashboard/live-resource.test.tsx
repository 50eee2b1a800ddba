// The dashboard's live-data layer on the real engine: a live resource reloads once for a burst of events in its room,
// coalesces triggers that come during a reload into exactly one more, stays still while paused and catches up once on
// resume; and the whole dashboard, walked through every view that shows engine data, opens one engine events stream.
import fs from 'node:fs';
import React from 'react';
import { render } from 'ink-testing-library';
import { afterAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app/App.js';
import { DashboardStore } from '../../src/app/dashboard-store.js';
import { EngineEventHub, type EngineEvent } from '../../src/app/engine-events.js';
import { LiveResource } from '../../src/app/live-resource.js';
import { disposeLiveStores } from '../../src/app/live-stores.js';
import { recordsStoreFor } from '../../src/app/records-store.js';
import { RecordService } from '../../src/runtime/records/index.js';
import { RoomService } from '../../src/runtime/rooms/index.js';
import type { Runtime } from '../../src/runtime/core/index.js';
import { KEY, startContainer } from '../support/dashboard-harness.js';
import { removeRooms, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

const home = tempHome();
const rooms: string[] = [];
afterAll(async () => {
  await removeRooms(rooms);
  fs.rmSync(home, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function newRoom(prefix: string): string {
  const room = uniqueRoom(prefix);
  rooms.push(room);
  return room;
}

/** The hub fed by a real events stream (as DashboardStore follows it), open once this resolves. */
async function followedHub(rt: Runtime): Promise<{ hub: EngineEventHub; seen: EngineEvent[]; stop(): void }> {
  const hub = new EngineEventHub();
  const controller = new AbortController();
  const seen: EngineEvent[] = [];
  hub.subscribe({ onEvent: (e) => seen.push(e) });
  const engine = await rt.engine();
  void (async () => {
    try {
      for await (const _e of hub.stream(engine, controller.signal));
    } catch {
      // ended by stop()
    }
  })();
  await waitFor(() => hub.connected, 'the events stream to open');
  return { hub, seen, stop: () => controller.abort() };
}

const inRoom = (room: string) => (e: EngineEvent) => e.Type === 'container' && e.Actor.Attributes?.['berth.room'] === room;

/** A live resource over the room's container events that counts its reloads; `gate` holds a reload while set. */
function countingResource(hub: EngineEventHub, room: string, opts: { debounceMs?: number; paused?: boolean } = {}) {
  let loads = 0;
  let gate: Promise<void> | undefined;
  const resource = new LiveResource<number>({
    initial: 0,
    load: async () => {
      loads++;
      await gate;
      resource.set(loads);
    },
    events: { hub, filter: inRoom(room) },
    debounceMs: opts.debounceMs ?? 300,
    paused: opts.paused,
  });
  return {
    resource,
    loads: () => loads,
    hold(): () => void {
      let release!: () => void;
      gate = new Promise<void>((r) => (release = r));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

describe('live resource', () => {
  it('reloads once for the burst of events a container started in its room makes', async () => {
    const rt = runtimeFor(home);
    const room = newRoom('lr-one');
    const { hub, seen, stop } = await followedHub(rt);
    // A debounce longer than create + start take, so their events (create, start) make one reload.
    const { resource, loads } = countingResource(hub, room, { debounceMs: 1500 });
    try {
      await startContainer(room, 'first');
      await waitFor(() => seen.some((e) => inRoom(room)(e) && e.Action === 'start'), 'the start event');
      expect(seen.filter(inRoom(room)).length).toBeGreaterThan(1);
      await waitFor(() => loads() === 1 || undefined, 'one reload');
      await sleep(2000);
      expect(loads()).toBe(1);
      expect(resource.reloads).toBe(1);
      // Events of other rooms (the engine is shared) never reach it.
      expect(resource.getSnapshot()).toBe(1);
    } finally {
      resource.dispose();
      stop();
      rt.close();
    }
  });

  it('runs one reload at a time: events during a reload make exactly one more', async () => {
    const rt = runtimeFor(home);
    const room = newRoom('lr-busy');
    const { hub, seen, stop } = await followedHub(rt);
    const { resource, loads, hold } = countingResource(hub, room, { debounceMs: 50 });
    try {
      const release = hold();
      const first = resource.reload();
      expect(loads()).toBe(1);
      // Three containers start while the first reload is held: many events, many triggers, none runs meanwhile.
      await startContainer(room, 'a');
      await startContainer(room, 'b');
      await startContainer(room, 'c');
      await waitFor(() => seen.filter((e) => inRoom(room)(e) && e.Action === 'start').length === 3 || undefined, 'three start events');
      await sleep(300); // past the debounce: the triggers have asked for their reload
      resource.trigger(0);
      void resource.reload();
      expect(loads()).toBe(1);
      release();
      await first;
      expect(loads()).toBe(2);
      await sleep(500);
      expect(loads()).toBe(2);
    } finally {
      resource.dispose();
      stop();
      rt.close();
    }
  });

  it('does not reload while paused, and reloads once on resume when events came meanwhile', async () => {
    const rt = runtimeFor(home);
    const room = newRoom('lr-pause');
    const { hub, seen, stop } = await followedHub(rt);
    const { resource, loads } = countingResource(hub, room, { debounceMs: 50, paused: true });
    try {
      await startContainer(room, 'away');
      await startContainer(room, 'away2');
      await waitFor(() => seen.filter((e) => inRoom(room)(e) && e.Action === 'start').length === 2 || undefined, 'the start events');
      await sleep(300);
      expect(loads()).toBe(0);
      resource.resume();
      await waitFor(() => loads() === 1 || undefined, 'the reload on resume');
      await sleep(300);
      expect(loads()).toBe(1);
      // Nothing missed: pausing and resuming again reloads nothing.
      resource.pause();
      resource.resume();
      await sleep(300);
      expect(loads()).toBe(1);
    } finally {
      resource.dispose();
      stop();
      rt.close();
    }
  });

  it('a poll resource reloads on its poll, not while paused, and catches up on resume', async () => {
    let loads = 0;
    let version = 0;
    const resource = new LiveResource<number>({
      initial: 0,
      load: async () => void loads++,
      poll: { everyMs: 20, changed: () => version !== loads },
    });
    try {
      await sleep(100);
      expect(loads).toBe(0); // nothing changed: no reload
      version = 1;
      await waitFor(() => loads === 1 || undefined, 'the reload the poll asked for');
      resource.pause();
      version = 2;
      await sleep(100);
      expect(loads).toBe(1);
      resource.resume();
      await waitFor(() => loads === 2 || undefined, 'the reload on resume');
    } finally {
      resource.dispose();
    }
  });
});

describe('the dashboard', () => {
  it('opens one engine events stream, whichever views are visited, and its views still follow events', async () => {
    const rt = runtimeFor(home);
    const room = newRoom('lr-dash');
    await new RoomService(rt).ensure(room);
    // Every engine events stream goes through Engine.call('events'): counted there, the engine itself is real.
    const engine = await rt.engine();
    const call = engine.call.bind(engine);
    let streams = 0;
    engine.call = ((what: string, fn: never) => {
      if (what === 'events') streams++;
      return call(what, fn);
    }) as typeof engine.call;
    // A watchdog that tolerates a loaded machine: a ping slower than 1.5 s there is a (correct) reconnect, and a
    // second stream, which is not what this test counts.
    const store = new DashboardStore(rt, { watchdog: { timeoutMs: 20_000 } });
    const app = render(<App store={store} endpoint="test-engine" onQuit={() => {}} />);
    const frame = () => app.lastFrame() ?? '';
    try {
      await store.start();
      store.selectRoom(room);
      recordsStoreFor(rt).start(store.events); // as run-dashboard does
      await waitFor(() => frame().includes(`Containers in ${room}`), 'the room');
      await waitFor(() => store.events.connected, 'the events stream');
      for (const view of ['3', '4', '6', '7', '1']) {
        app.stdin.write(view);
        await sleep(500);
      }
      app.stdin.write('3'); // the Images view, left on screen
      await waitFor(() => frame().includes('Images'), 'the Images view');
      const c = await startContainer(room, 'seen');
      const record = new RecordService(rt).create({ containerId: c.id, room, name: 'seen', image: 'img', agent: 'tester' });
      app.stdin.write('1');
      await waitFor(() => /seen\s/.test(frame()), 'the container, from an event');
      await c.kill();
      const exited = () => recordsStoreFor(rt).getSnapshot().records.find((r) => r.id === record.id)?.containerState === 'exited' || undefined;
      await waitFor(exited, 'its record, reconciled from the same stream');
      expect(store.events.streamsOpened).toBe(1);
      expect(streams).toBe(1);
      app.stdin.write(KEY.escape);
    } finally {
      recordsStoreFor(rt).stop();
      store.stop();
      disposeLiveStores();
      app.unmount();
      rt.close();
    }
  }, 90_000);
});
