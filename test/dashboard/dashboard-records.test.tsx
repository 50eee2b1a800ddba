// The dashboard's Records view (ink-testing-library, real engine): records listed newest first with their status,
// a status change from Docker events shown without any records command, the live filter, enter opening the
// record's container full screen, and d deleting record and container after a confirmation.
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordService } from '../../src/runtime/records/index.js';
import { IMG, cliFor } from '../support/container-helpers.js';
import { KEY, openDashboard } from '../support/dashboard-harness.js';
import { docker, removeRooms, runtimeFor, tempHome, uniqueRoom } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('drec');
const cli = cliFor(home, room);
afterAll(async () => {
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

async function recorded(name: string, ...cmd: string[]): Promise<{ record: number; id: string }> {
  const r = await cli('container', 'run', IMG, '--record', '-o', 'json', '--name', name, '--tag', 'dash', '--', ...cmd);
  expect(r.code, r.stderr).toBe(0);
  const c = JSON.parse(r.stdout) as { id: string; record: number };
  return { record: c.record, id: c.id };
}

const QUICK_STOP = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.2; done'];
const rowOf = (frame: string, id: number) => frame.split('\n').find((l) => new RegExp(`^│\\s*${id}\\s`).test(l)) ?? '';

describe('Records view', () => {
  it('lists records, follows events, filters, opens the container and deletes with confirmation', { timeout: 240_000 }, async () => {
    const alpha = await recorded('alpha', ...QUICK_STOP);
    const bravo = await recorded('bravo', ...QUICK_STOP);
    const dash = await openDashboard(home, room, { columns: 130 });
    try {
      dash.press(':', 'records', KEY.enter);
      let frame = await dash.waitForFrame((f) => f.includes('Records (2)') && rowOf(f, alpha.record).includes('alpha') && rowOf(f, bravo.record).includes('bravo'), 'the records');
      expect(rowOf(frame, bravo.record)).toMatch(/running\s+-\s+/);
      // Newest first, and the wide layout shows the cursor record's fields on the right.
      expect(frame.indexOf('bravo')).toBeLessThan(frame.indexOf('alpha'));
      expect(frame).toContain(`Record ${bravo.record}`);
      expect(frame).toMatch(/release:\s+-/);

      // An exit nobody asked berth about reaches the view through Docker's events.
      await docker.getContainer(alpha.id).kill();
      frame = await dash.waitForFrame((f) => /exited\s+137/.test(rowOf(f, alpha.record)), 'the kill to show');

      // The live filter.
      dash.press('/', 'alp');
      frame = await dash.waitForFrame((f) => f.includes('filter: alp') && !rowOf(f, bravo.record), 'the filter to apply');
      expect(rowOf(frame, alpha.record)).toContain('alpha');
      dash.press(KEY.enter, KEY.escape);
      await dash.waitForFrame((f) => !f.includes('filter:') && rowOf(f, bravo.record).includes('bravo'), 'escape to clear the filter');

      // enter opens the record's container full screen in the containers view.
      dash.press('g', KEY.enter);
      frame = await dash.waitForFrame((f) => /\[\d Containers\]/.test(f) && f.includes('bravo') && f.includes('1 logs') && !f.includes('Rooms'), 'the container to open');
      // One escape at a time: two in one read are a meta key to Ink.
      dash.press(KEY.escape);
      await dash.waitForFrame((f) => f.includes('Rooms'), 'escape to leave the full screen');
      dash.press(KEY.escape);
      await dash.waitForFrame((f) => /\[\d Records\]/.test(f), 'back to the records');

      // d asks first; n keeps everything, y deletes the record and its container.
      dash.press('d');
      await dash.waitForFrame((f) => f.includes(`Delete record ${bravo.record}?`) && f.includes('stops and removes container bravo'), 'the confirmation');
      dash.press('n');
      await dash.waitForFrame((f) => !f.includes(`Delete record ${bravo.record}?`), 'n to cancel');
      expect((await docker.getContainer(bravo.id).inspect()).State.Running).toBe(true);
      dash.press('d');
      await dash.waitForFrame((f) => f.includes(`Delete record ${bravo.record}?`), 'the confirmation again');
      dash.press('y');
      await dash.waitForFrame((f) => f.includes(`deleted record ${bravo.record} and container bravo`) && f.includes('Records (1)'), 'the deletion');
      await expect(docker.getContainer(bravo.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
      const rt = runtimeFor(home);
      expect(new RecordService(rt).read(bravo.record)).toBeUndefined();
      rt.close();

      // A record made by another process appears without a key press.
      const late = await recorded('charlie', 'true');
      await dash.waitForFrame((f) => rowOf(f, late.record).includes('charlie'), 'a new record to appear').catch((e) => {
        throw new Error(`${(e as Error).message}\n${dash.frame()}`);
      });
    } finally {
      dash.close();
    }
  });

  it('tells when a record’s container is gone instead of opening it', async () => {
    const gone = await recorded('delta', 'true');
    await docker.getContainer(gone.id).remove({ force: true });
    const dash = await openDashboard(home, room);
    try {
      dash.press(':', 'records', KEY.enter);
      await dash.waitForFrame((f) => /removed/.test(rowOf(f, gone.record)), 'the removed record');
      dash.press('g', KEY.enter);
      await dash.waitForFrame((f) => f.includes(`record ${gone.record}: its container delta is gone`), 'the note');
    } finally {
      dash.close();
    }
  });
});
