// The dashboard's stores outside React against the real engine: stats streams only for the watched containers
// (dropped when they leave), and the log store's cap and single follow stream.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogStore } from '../../src/app/log-store.js';
import { ContainerStatsStore } from '../../src/app/stats-store.js';
import { removeRooms, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';
import { startContainer } from '../support/dashboard-harness.js';

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

  it('publishes every sample of the focused container until its full history stops changing', async () => {
    const rt = runtimeFor(home);
    const still = await startContainer(room, 'still', 'exec sleep 300');
    const stats = new ContainerStatsStore(rt, { flushMs: 20, historySize: 3 });
    // What each publish shows of the container: its history and (from inspect, published once) its start time.
    const published: { cpu: number[]; memory: number[]; started?: string }[] = [];
    const unsubscribe = stats.subscribe(() => {
      const snap = stats.getSnapshot();
      const h = snap.history.get(still.id);
      if (h) published.push({ ...structuredClone(h), started: snap.startedAt.get(still.id) });
    });
    try {
      stats.setWatched([{ id: still.id, name: 'still', key: 'a' }]);
      stats.setFocus(still.id);
      // While the history fills, each sample is a new frame (the sparklines grow, "N samples" counts).
      await waitFor(() => published.some((h) => h.cpu.length === 3), 'a full history');
      expect([...new Set(published.map((h) => h.cpu.length))]).toEqual([1, 2, 3]);
      const full = published.length;
      // A sleeping container then samples the same numbers each second: the same history, nothing to publish.
      await new Promise((resolve) => setTimeout(resolve, 4500));
      for (let i = Math.max(1, full - 1); i < published.length; i++) expect(published[i]).not.toEqual(published[i - 1]);
    } finally {
      unsubscribe();
      stats.dispose();
      rt.close();
    }
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
