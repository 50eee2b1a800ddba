// The dashboard's Audit view: opened from the palette, it shows the log and follows it live (an entry written by
// another process appears), and / filters it.
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { cliFor, IMG } from '../support/container-helpers.js';
import { KEY, openDashboard } from '../support/dashboard-harness.js';
import { removeRooms, tempHome, uniqueRoom } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('daud');
afterAll(async () => {
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('dashboard Audit view', () => {
  it('shows the log, follows new entries live and filters them', async () => {
    const dash = await openDashboard(home, room); // creates the room: a room.create entry
    try {
      dash.press(':');
      for (const ch of 'audit') dash.press(ch);
      dash.press(KEY.enter);
      await dash.waitForFrame((f) => f.includes('Audit') && f.includes('room.create') && f.includes(room), 'the audit view with room.create');
      expect(dash.frame()).toContain('following');
      // Written by a CLI run (another writer of the same file) while the view is open.
      const r = await cliFor(home, room)('container', 'run', IMG, '-d', '--name', 'audited', '--', 'sleep', '600');
      expect(r.code, r.stderr).toBe(0);
      await dash.waitForFrame((f) => f.includes('container.run') && f.includes(`${room}/audited`), 'the new entry, live');
      dash.press('/');
      for (const ch of 'container.run') dash.press(ch);
      dash.press(KEY.enter);
      const filtered = await dash.waitForFrame((f) => f.includes('matching "container.run"'), 'the filter');
      expect(filtered).not.toContain('room.create');
      expect(filtered).toContain(`${room}/audited`);
    } finally {
      dash.close();
    }
  });
});
