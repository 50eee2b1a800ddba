// The built dashboard in a real pseudo-terminal, its screen read back through a terminal emulator (xterm's headless
// build): the engine behind a relay that the test cuts and restores (the header says so, keys keep working, the
// state recovers, and the log of a container printing numbered lines has each line exactly once), and resizes to
// small and large terminals where no line is wider than the screen or wraps.
import fs from 'node:fs';
import path from 'node:path';
import * as pty from 'node-pty';
import xterm from '@xterm/headless';
import { afterAll, describe, expect, it } from 'vitest';
import { RoomService } from '../src/runtime/rooms.js';
import { startEngineRelay } from './engine-relay.js';
import { docker, removeRooms, repoRoot, roomContainer, runtimeFor, tempHome, uniqueRoom, waitFor } from './helpers.js';

const home = tempHome();
const rooms: string[] = [];
afterAll(async () => {
  await removeRooms(rooms);
  fs.rmSync(home, { recursive: true, force: true });
});

/** bin/berth's dashboard in a pty, mirrored into a headless terminal of the same size. */
function dashboard(env: Record<string, string>, cols: number, rows: number) {
  const screen = new xterm.Terminal({ cols, rows, allowProposedApi: true });
  const term = pty.spawn(process.execPath, [path.join(repoRoot, 'bin', 'berth')], {
    name: 'xterm-256color',
    cols,
    rows,
    cwd: repoRoot,
    env: { ...process.env, BERTH_HOME: home, TERM: 'xterm-256color', ...env } as Record<string, string>,
  });
  term.onData((d) => screen.write(d));
  const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
  const lines = () => {
    const buf = screen.buffer.active;
    return Array.from({ length: screen.rows }, (_, i) => buf.getLine(buf.viewportY + i));
  };
  const text = () => lines().map((l) => l?.translateToString(true) ?? '').join('\n');
  return {
    term,
    screen,
    text,
    lines,
    exited,
    waitFor: (test: (text: string) => boolean, what: string, timeoutMs = 30_000) => waitFor(() => (test(text()) ? text() : undefined), what, timeoutMs),
    /** Like waitFor, and the screen has stopped changing (a frame is not read half drawn). */
    waitForStable: (test: (text: string) => boolean, what: string) =>
      waitFor(async () => {
        const a = text();
        if (!test(a)) return undefined;
        await new Promise((r) => setTimeout(r, 150));
        return text() === a ? a : undefined;
      }, what, 30_000),
    resize(c: number, r: number) {
      screen.resize(c, r);
      term.resize(c, r);
    },
  };
}

describe('dashboard screen in a pty', () => {
  it('says when the engine goes away, keeps keys working, and recovers with every log line exactly once', async () => {
    const room = uniqueRoom('dscr');
    rooms.push(room);
    const rt = runtimeFor(home);
    await new RoomService(rt).ensure(room);
    rt.close();
    // Bounded: at most 3000 short lines.
    const counter = await roomContainer(room, 'counter', { cmd: ['sh', '-c', 'i=0; while [ $i -lt 3000 ]; do i=$((i+1)); echo "n $i"; sleep 0.1; done; sleep 600'] });
    const relay = await startEngineRelay(path.join(home, 'engine.sock'));
    const d = dashboard({ DOCKER_HOST: relay.host, BERTH_ROOM: room }, 130, 32);
    const numbers = (text: string) => [...text.matchAll(/│ n (\d+)\s/g)].map((m) => Number(m[1]));
    try {
      await d.waitFor((t) => numbers(t).length >= 3 && t.includes(`Containers in ${room}`), 'the counter’s log in the right-hand pane');

      await relay.cut();
      await d.waitFor((t) => t.split('\n')[0]!.includes('engine not answering'), 'the header to report the lost engine');
      expect(d.text()).toMatch(/Containers in \S+ \(1\) stale/);
      // Keys still work: another view and back, and an action refused with a status line.
      d.term.write('2');
      await d.waitFor((t) => t.includes('[2 Sessions]'), 'key 2 to switch views while disconnected');
      d.term.write('1');
      await d.waitFor((t) => t.includes('[1 Containers]'), 'key 1 to come back');
      d.term.write('\t'); // the table
      d.term.write('x');
      await d.waitFor((t) => t.includes('cannot stop: the engine is not answering'), 'the action to be refused');
      // The container goes on printing while berth cannot see it.
      const logsNow = async () => Number(/n (\d+)\s*$/.exec((await counter.logs({ stdout: true, tail: 1 })).toString('latin1'))?.[1] ?? 0);
      const atCut = await logsNow();
      await waitFor(async () => (await logsNow()) >= atCut + 15, 'lines logged during the outage');

      await relay.restore();
      await d.waitFor((t) => / rooms · \d+ events/.test(t.split('\n')[0]!), 'the header to recover');
      await d.waitFor((t) => Math.max(0, ...numbers(t)) > atCut + 20, 'the log to resume past the outage');
      expect(d.text()).not.toContain('stale');

      // Freeze the log, then read all of it from the top in the zoomed pane: 1..last, each once.
      await counter.kill();
      const last = await logsNow();
      d.term.write('\r'); // zoom
      // The stopped container's log is read once more when its row says exited: wait for that to settle.
      await d.waitForStable((t) => /counter \S+ exited/.test(t) && t.includes('log ended') && !t.includes('Rooms ('), 'the zoomed log to end');
      d.term.write('g');
      const top = await d.waitForStable((t) => numbers(t)[0] === 1, 'the oldest line');
      const total = Number(/line \d+ of (\d+)/.exec(top)?.[1]);
      expect(total).toBe(last);
      const seen = new Set<number>();
      for (let page = 0; page < 200 && !seen.has(last); page++) {
        const shown = numbers(d.text());
        shown.forEach((n, i) => {
          if (i > 0) expect(n).toBe(shown[i - 1]! + 1); // consecutive: nothing doubled or skipped
          seen.add(n);
        });
        if (seen.has(last)) break;
        const before = d.text();
        d.term.write('\x04'); // ctrl+d: a page down
        await d.waitForStable((t) => t !== before, 'the next page');
      }
      expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
      d.term.write('q');
      expect(await d.exited).toBe(0);
    } finally {
      d.term.kill();
      await relay.close();
    }
  });

  it('stays readable at 60x15 and 250x70 in every view: no line wider than the terminal, none wrapped', async () => {
    const room = uniqueRoom('dsz');
    rooms.push(room);
    const rt = runtimeFor(home);
    await new RoomService(rt).ensure(room);
    rt.close();
    await roomContainer(room, 'a-container-with-a-rather-long-name', {
      cmd: ['sh', '-c', 'i=0; while [ $i -lt 2000 ]; do i=$((i+1)); echo "line $i $(printf %0200d 0)"; sleep 0.2; done; sleep 600'],
    });
    const d = dashboard({ BERTH_ROOM: room }, 130, 32);
    const check = (where: string) => {
      const cols = d.screen.cols;
      d.lines().forEach((line, i) => {
        expect(line?.isWrapped, `${where}: row ${i} wraps`).toBeFalsy();
        expect((line?.translateToString(true) ?? '').length, `${where}: row ${i} is wider than ${cols}`).toBeLessThanOrEqual(cols);
      });
    };
    try {
      await d.waitFor((t) => t.includes('a-container') && t.includes('line '), 'the dashboard with the container and its log');
      for (const [cols, rows] of [[60, 15], [250, 70], [130, 32]] as const) {
        d.resize(cols, rows);
        await d.waitFor((t) => t.split('\n')[0]!.startsWith('berth') && t.includes(`Containers in ${room}`.slice(0, cols - 10)), `a redraw at ${cols}x${rows}`);
        check(`containers ${cols}x${rows}`);
        d.term.write('\t\r'); // the table, zoom its container
        await d.waitFor((t) => t.includes('1 logs') && !t.includes('Rooms ('), `the zoomed container at ${cols}x${rows}`);
        check(`zoomed ${cols}x${rows}`);
        d.term.write('\x1b');
        await d.waitFor((t) => t.includes('Rooms ('), 'back to the list');
        d.term.write('\t'); // focus back to the rooms, as it started
        d.term.write('2');
        await d.waitFor((t) => t.includes('[2 Sessions]'), `sessions at ${cols}x${rows}`);
        check(`sessions ${cols}x${rows}`);
        d.term.write('?');
        await d.waitFor((t) => t.includes('press ? or escape to close'), `help at ${cols}x${rows}`);
        check(`help ${cols}x${rows}`);
        d.term.write('\x1b');
        await d.waitFor((t) => !t.includes('press ? or escape to close'), 'help to close');
        d.term.write('1');
        await d.waitFor((t) => t.includes('[1 Containers]'), 'the containers view again');
      }
      d.term.write('q');
      expect(await d.exited).toBe(0);
    } finally {
      d.term.kill();
      await docker.getContainer(`${room}.a-container-with-a-rather-long-name`).remove({ force: true }).catch(() => {});
    }
  });
});
