// The container view against the real engine: the logs tab (stderr marked, search highlighting, n/N, timestamps,
// scroll-back), the stats and info tabs, and a log flood that must not keep a keypress from taking effect.
import fs from 'node:fs';
import chalk from 'chalk';
import { afterAll, describe, expect, it } from 'vitest';
import { removeRooms, tempHome, uniqueRoom } from '../support/helpers.js';
import { KEY, engineState, openDashboard, startContainer } from '../support/dashboard-harness.js';

const home = tempHome();
const rooms: string[] = [];
const newRoom = () => {
  const room = uniqueRoom('dlog');
  rooms.push(room);
  return room;
};
afterAll(async () => {
  await removeRooms(rooms);
  fs.rmSync(home, { recursive: true, force: true });
});

const YELLOW_BG = '\x1b[43m';

describe('dashboard container view', () => {
  it('logs tab: lines with stderr marked, / search highlights matches, n/N move between them, t shows times', async () => {
    const room = newRoom();
    await startContainer(room, 'talker', 'echo first; echo needle-one; echo oops >&2; sleep 0.3; echo middle; echo needle-two; exec sleep 300');
    const level = chalk.level;
    chalk.level = 1; // colours on, so the highlight is visible in frames
    const dash = await openDashboard(home, room);
    try {
      await dash.waitForFrame((f) => f.includes('talker'), 'the row');
      dash.press(KEY.enter);
      const logs = await dash.waitForFrame((f) => f.includes('needle-two') && f.includes('oops'), 'the log lines');
      const oops = logs.split('\n').find((l) => l.includes('oops'))!;
      const first = logs.split('\n').find((l) => l.includes('first'))!;
      expect(oops).toContain('┃'); // stderr gutter
      expect(first).toContain('│'); // stdout gutter
      expect(logs).not.toContain(YELLOW_BG);

      dash.press('/', 'n', 'e', 'e', 'd', 'l', 'e', KEY.enter);
      const found = await dash.waitForFrame((f) => f.includes('match 2 of 2 for "needle"'), 'the newest match');
      expect(found).toContain(`${YELLOW_BG}\x1b[30mneedle`);
      expect(found.split('\n').find((l) => l.includes('-two'))).toContain('›'); // the current match
      dash.press('n');
      await dash.waitForFrame((f) => f.includes('match 1 of 2 for "needle"'), 'n to wrap to the other match');
      dash.press('N');
      await dash.waitForFrame((f) => f.includes('match 2 of 2 for "needle"'), 'N to go back');

      dash.press('t');
      await dash.waitForFrame((f) => /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z\S*\s+\S*first/.test(f), 'timestamps to show');
      dash.press('G');
      await dash.waitForFrame((f) => f.includes('following'), 'G to follow again');
    } finally {
      chalk.level = level;
      dash.close();
    }
  });

  it('stats and info tabs: sparklines for a running container, inspect view with secret env masked', async () => {
    const room = newRoom();
    const { docker, FIXTURE_IMAGE } = await import('../support/helpers.js');
    const c = await docker.createContainer({
      Image: FIXTURE_IMAGE,
      Cmd: ['sleep', '300'],
      name: `${room}.inspected`,
      Env: ['API_TOKEN=hunter2-secret', 'GREETING=hello'],
      Labels: { 'berth.room': room, 'berth.kind': 'container', 'berth.name': 'inspected' },
    });
    await c.start();
    const dash = await openDashboard(home, room);
    try {
      await dash.waitForFrame((f) => f.includes('inspected'), 'the row');
      dash.press(KEY.enter, '2');
      await dash.waitForFrame((f) => /CPU \d+\.\d% \(peak/.test(f) && /Memory [\d.]+(B|KiB|MiB) \//.test(f) && /[▁▂▃▄▅▆▇█]{2,}/.test(f), 'sparklines');
      dash.press('3');
      const info = await dash.waitForFrame((f) => f.includes('GREETING=hello'), 'the info tab');
      expect(info).toContain('API_TOKEN=***');
      expect(info).not.toContain('hunter2');
      expect(info).toMatch(/command\s+sleep 300/);
    } finally {
      dash.close();
    }
  });

  it('a log flood does not keep keys from taking effect: switching tabs and deleting the container work', async () => {
    const room = newRoom();
    await startContainer(room, 'flood', 'exec yes');
    const dash = await openDashboard(home, room);
    try {
      await dash.waitForFrame((f) => f.includes('flood'), 'the row');
      dash.press(KEY.enter);
      await dash.waitForFrame((f) => (f.match(/│ y\s*│/g) ?? []).length > 5, 'the flood on screen');
      dash.press('3');
      await dash.waitForFrame((f) => f.includes('berth.name=flood'), 'the info tab to open during the flood');
      dash.press('1');
      await dash.waitForFrame((f) => (f.match(/│ y\s*│/g) ?? []).length > 5, 'back on the flooding logs tab');
      dash.press('d');
      await dash.waitForFrame((f) => f.includes('Delete flood?'), 'the confirmation during the flood');
      dash.press('y');
      await dash.waitForFrame((f) => f.includes('deleted flood'), 'the delete to be reported');
      expect(await engineState(room, 'flood')).toBe('gone');
    } finally {
      dash.close();
    }
  });
});
