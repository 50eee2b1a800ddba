// The dashboard's stores outside React against the real engine: stats streams only for the watched containers
// (dropped when they leave), and the log store's cap and single follow stream.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogStore } from '../src/app/log-store.js';
import { ContainerStatsStore } from '../src/app/stats-store.js';
import { removeRooms, runtimeFor, tempHome, uniqueRoom, waitFor } from './helpers.js';
import { startContainer } from './dashboard-harness.js';

const home = tempHome();
const room = uniqueRoom('dstore');
const ids: Record<string, string> = {};
beforeAll(async () => {
  for (const name of ['one', 'two']) ids[name] = (await startContainer(room, name)).id;
});
afterAll(async () => {
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('dashboard stores', () => {
  it('samples only the watched containers and drops the ones that leave', async () => {
    const rt = runtimeFor(home);
    const stats = new ContainerStatsStore(rt, { flushMs: 50 });
    try {
      stats.setWatched([{ id: ids.one!, name: 'one', key: 'a' }]);
      await waitFor(() => stats.getSnapshot().latest.get(ids.one!), 'a sample of one');
      expect(stats.getSnapshot().latest.has(ids.two!)).toBe(false);

      stats.setWatched([{ id: ids.two!, name: 'two', key: 'a' }]);
      expect(stats.watchedIds()).toEqual([ids.two]);
      await waitFor(() => stats.getSnapshot().latest.get(ids.two!), 'a sample of two');
      const snap = stats.getSnapshot();
      expect(snap.latest.has(ids.one!)).toBe(false); // its stream was aborted and its data dropped
      expect(snap.history.get(ids.two!)!.cpu.length).toBeGreaterThan(0);
      await waitFor(() => stats.getSnapshot().startedAt.get(ids.two!), 'the start time for the uptime column');
    } finally {
      stats.dispose();
      rt.close();
    }
    expect(stats.watchedIds()).toEqual([]);
  });

  it('keeps the newest lines up to its cap and follows one container at a time', async () => {
    const rt = runtimeFor(home);
    const logs = new LogStore(rt, { capacity: 100, flushMs: 20 });
    try {
      // The lines come after the follow starts, so the ring (not Docker's tail) has to drop the oldest.
      const counter = await startContainer(room, 'counter', 'sleep 2; seq 1 500; exec sleep 300');
      logs.follow(room, counter.id);
      const snap = await waitFor(() => {
        const s = logs.getSnapshot();
        return s.end > s.first && logs.at(s.end - 1)?.text === '500' ? s : undefined;
      }, 'the last line to arrive');
      expect(snap.end - snap.first).toBe(100);
      expect(snap.dropped).toBe(snap.first);
      expect(logs.at(snap.first)!.text).toBe('401');
      expect(logs.findMatch('450', snap.end - 1, -1)).toBe(snap.first + 49);

      logs.follow(room, ids.one!); // another container: the old stream stops, the lines are replaced
      expect(logs.getSnapshot()).toMatchObject({ containerId: ids.one, first: 0, end: 0 });
      expect(logs.at(snap.first)).toBeUndefined();
    } finally {
      logs.dispose();
      rt.close();
    }
  });
});
