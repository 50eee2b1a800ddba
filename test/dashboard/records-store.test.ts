// The dashboard's records store on a real SQLite file: a record committed by another connection (another berth
// process) reaches the store's snapshot with no event, also after the store was stopped with a reload still pending
// and started again (leaving the Records view and coming back does exactly that).
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordsStore } from '../../src/app/records-store.js';
import { RecordService } from '../../src/runtime/records/index.js';
import { runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('rstore');
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('records store', () => {
  it('shows records other connections commit, after a stop with a reload pending and a new start', async () => {
    const mine = runtimeFor(home);
    const other = runtimeFor(home);
    const records = new RecordService(other);
    const make = (name: string) => records.create({ containerId: `c-${name}`, room, name, image: 'img', agent: 'tester' }).id;
    const store = new RecordsStore(mine, { pollMs: 10, flushMs: 5 });
    const names = () => store.getSnapshot().records.map((r) => r.name);
    try {
      store.start();
      await waitFor(() => store.getSnapshot().loaded, 'the first read');
      make('first');
      await waitFor(() => names().includes('first'), 'a record from the other connection');

      // The poll (every 10 ms) sees the next commit and schedules a reload 100 ms on; the store stops before it runs.
      make('second');
      await sleep(40);
      store.stop();
      expect(store.start()).toBe(true);
      await waitFor(() => names().includes('second'), 'the read of the new start');

      const third = make('third');
      await waitFor(() => names().includes('third'), 'a record committed after the restart');
      expect(store.getSnapshot().records[0]?.id).toBe(third);
    } finally {
      store.stop();
      mine.close();
      other.close();
    }
  });
});
