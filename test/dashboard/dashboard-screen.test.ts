// The built dashboard in a real pseudo-terminal, its screen read back through a terminal emulator (xterm's headless
// build): the engine behind a relay that the test cuts and restores, or freezes (a hung engine: connections open,
// nothing forwarded) and thaws. The header says so, keys keep working, the last known log lines and CPU/memory stay
// on screen across views, the state recovers, the stats stream again and the log of a container printing numbered
// lines has each line exactly once. Every view resized to small and large terminals has no line wider than the
// screen, none wrapped.
import fs from 'node:fs';
import path from 'node:path';
import * as pty from 'node-pty';
import xterm from '@xterm/headless';
import { afterAll, describe, expect, it } from 'vitest';
import { RoomService } from '../../src/runtime/rooms/index.js';
import { startEngineRelay } from '../support/engine-relay.js';
import { views } from '../../src/app/view-registry.js';
import { FIXTURE_IMAGE, removeRooms, repoRoot, roomContainer, runCli, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

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

/** The log pane's numbered lines ("n 17") on screen, top to bottom. */
const numbers = (text: string) => [...text.matchAll(/│ n (\d+)\s/g)].map((m) => Number(m[1]));

/** Whether the table row of this running container shows a CPU % and a memory figure (not "-"). */
const showsStats = (text: string, name: string) =>
  text.split('\n').some((row) => row.includes(` ${name} `) && / running .*\d+\.\d%\s+\d+(\.\d+)?(B|KiB|MiB|GiB)\b/.test(row));

/** The sample count the stats tab shows ("(peak 1.2%, 14 samples)"). */
const samples = (text: string) => Number(/, (\d+) samples\)/.exec(text)?.[1] ?? NaN);

/** A room with `steady` (idle, running) and, newest so first in the table, `counter` printing "n 1".."n 3000". */
async function counterRoom(prefix: string) {
  const room = uniqueRoom(prefix);
  rooms.push(room);
  const rt = runtimeFor(home);
  await new RoomService(rt).ensure(room);
  rt.close();
  await roomContainer(room, 'steady');
  // Bounded: at most 3000 short lines.
  const counter = await roomContainer(room, 'counter', { cmd: ['sh', '-c', 'i=0; while [ $i -lt 3000 ]; do i=$((i+1)); echo "n $i"; sleep 0.1; done; sleep 600'] });
  const logsNow = async () => Number(/n (\d+)\s*$/.exec((await counter.logs({ stdout: true, tail: 1 })).toString('latin1'))?.[1] ?? 0);
  return { room, counter, logsNow };
}

/**
 * While the engine is lost: switching views and back keeps the last known log lines and CPU/memory, and actions
 * (stop, a shell) are refused with a status line.
 */
async function checkDisconnectedKeys(d: ReturnType<typeof dashboard>) {
  d.term.write('2');
  await d.waitFor((t) => t.includes('[2 Sessions]'), 'key 2 to switch views while disconnected');
  d.term.write('1');
  await d.waitFor((t) => t.includes('[1 Containers]'), 'key 1 to come back');
  const back = await d.waitForStable((t) => t.includes('[1 Containers]') && t.includes('paused: the engine is not answering'), 'the log pane, paused');
  expect(numbers(back).length, 'the last known log lines are still shown').toBeGreaterThanOrEqual(3);
  expect(back).not.toContain('no log lines');
  expect(showsStats(back, 'counter'), 'the last known CPU/memory are still shown').toBe(true);
  d.term.write('x');
  await d.waitFor((t) => t.includes('cannot stop: the engine is not answering'), 'the stop to be refused');
  d.term.write('e');
  await d.waitFor((t) => t.includes('cannot open a shell: the engine is not answering'), 'the shell to be refused');
  expect(d.text()).not.toMatch(/session \d+ in counter/);
}

/**
 * After the engine is back: `steady` is sampled again. Its stream was paused by the loss; in the frozen test only the
 * resumption can start it again (in the cut test leaving the zoom watches it anew as well).
 */
async function checkStatsResume(d: ReturnType<typeof dashboard>) {
  d.term.write('j'); // the cursor to steady: the pane shows it
  await d.waitFor((t) => / steady berth-fixture:latest running/.test(t), 'steady in the right-hand pane');
  d.term.write(']'); // its stats tab
  const first = samples(await d.waitFor((t) => samples(t) > 0, 'steady’s stats tab with samples'));
  // One frame with both: a second read of the screen can catch the next frame half drawn.
  await d.waitFor((t) => samples(t) > first && showsStats(t, 'steady'), 'new samples of steady after the engine came back, and its CPU and memory in the table');
}

describe('dashboard screen in a pty', () => {
  it('says when the engine goes away, keeps keys and the last known lines and stats, and recovers with every log line exactly once', async () => {
    const { room, counter, logsNow } = await counterRoom('dscr');
    const relay = await startEngineRelay(path.join(home, 'engine.sock'));
    const d = dashboard({ DOCKER_HOST: relay.host, BERTH_ROOM: room }, 130, 32);
    try {
      await d.waitFor((t) => numbers(t).length >= 3 && t.includes(`Containers in ${room}`) && showsStats(t, 'counter'), 'the counter’s log and stats');

      await relay.cut();
      // One wait for the whole frame: the header can be on screen while the rest of its frame is still arriving.
      await d.waitFor(
        (t) => t.split('\n')[0]!.includes('engine not answering') && /Containers in \S+ \(2\) stale/.test(t),
        'the header to report the lost engine and the table to say it is stale',
      );
      await checkDisconnectedKeys(d);
      // The container goes on printing while berth cannot see it.
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
      d.term.write('\x1b'); // out of the zoom, back to the table
      await d.waitFor((t) => t.includes('Rooms ('), 'the table again');
      await checkStatsResume(d);
      d.term.write('q');
      expect(await d.exited).toBe(0);
    } finally {
      d.term.kill();
      await relay.close();
    }
  });

  it('notices an engine that stops answering without an error (a frozen relay), bounds an action in flight, and recovers when it answers again', async () => {
    const { room, logsNow } = await counterRoom('dfrz');
    const relay = await startEngineRelay(path.join(home, 'frozen.sock'));
    const d = dashboard({ DOCKER_HOST: relay.host, BERTH_ROOM: room }, 130, 32);
    const statusLine = () => d.text().split('\n').at(-2) ?? '';
    try {
      await d.waitFor((t) => numbers(t).length >= 3 && t.includes(`Containers in ${room}`) && showsStats(t, 'counter'), 'the counter’s log and stats');

      // Nothing errors: connections stay open and the events stream, the log follow and the stats just stop.
      relay.freeze();
      const atFreeze = await logsNow();
      d.term.write('p'); // an action the engine will not answer (it reaches the engine only when thawed)
      // One wait for the whole frame: the header can be on screen while the rest of its frame is still arriving.
      await d.waitFor(
        (t) => t.split('\n')[0]!.includes('engine not answering') && /Containers in \S+ \(2\) stale/.test(t),
        'the header to report the hung engine and the table to say it is stale',
      );
      await waitFor(() => !statusLine().startsWith('pausing') && statusLine().includes('not answering'), 'the pause in flight to end with a status line');
      await checkDisconnectedKeys(d);
      await waitFor(async () => (await logsNow()) >= atFreeze + 15, 'lines logged while the engine hung');

      relay.thaw();
      await d.waitFor((t) => / rooms · \d+ events/.test(t.split('\n')[0]!), 'the header to recover');
      await d.waitFor((t) => !t.includes('stale'), 'the table to be current again');
      const resumed = await d.waitFor((t) => Math.max(0, ...numbers(t)) > atFreeze + 10, 'the log to resume past the freeze');
      const shown = numbers(resumed);
      shown.forEach((n, i) => i > 0 && expect(n).toBe(shown[i - 1]! + 1)); // nothing doubled or skipped
      await checkStatsResume(d);
      d.term.write('q');
      expect(await d.exited).toBe(0);
    } finally {
      d.term.kill();
      await relay.close();
    }
  });

  it('stays readable at 60x15 and 250x70 in every view of the registry: no line wider than the terminal, none wrapped, narrow tables drop columns', async () => {
    const room = uniqueRoom('dsz');
    rooms.push(room);
    const rt = runtimeFor(home);
    await new RoomService(rt).ensure(room);
    rt.close();
    const agent = 'an-agent-with-a-rather-long-name';
    // A record (and so audit entries) with long fields, for the Records, Agents and Audit tables.
    const recorded = await runCli(
      ['container', 'run', '-d', '--record', '--agent', agent, '--tag', 'a-long-label=with-a-rather-long-value', '--name', 'recorded-with-a-long-name', FIXTURE_IMAGE, '--', 'sleep', '600'],
      { BERTH_HOME: home, BERTH_ROOM: room },
    );
    expect(recorded.code, recorded.stderr).toBe(0);
    // Newest, so first in the table: the cursor's container. Its long log lines are printed at once, so each view's
    // screen can settle to be checked (a log still growing redraws the screen every line, and under load never
    // leaves it unchanged for the 150 ms waitForStable looks for).
    await roomContainer(room, 'a-container-with-a-rather-long-name', {
      cmd: ['sh', '-c', 'i=0; while [ $i -lt 300 ]; do i=$((i+1)); echo "line $i $(printf %0200d 0)"; done; sleep 600'],
      labels: { 'berth.agent': agent },
    });
    /** What each view shows once loaded (the others are checked once their screen is steady). */
    const loaded: Record<string, string> = { agents: agent.slice(0, 12), records: 'recorded-with', audit: 'container.run' };
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
        // The terminal reflows the old screen's rows at the new width until Ink's redraw after the resize reaches them.
        await waitFor(() => {
          try {
            check(`containers ${cols}x${rows}`);
            return true;
          } catch {
            return false;
          }
        }, `the redraw at ${cols}x${rows} to replace the reflowed rows`).catch(() => check(`containers ${cols}x${rows}`));
        d.term.write('\r'); // zoom the container (the keys start on the table)
        await d.waitFor((t) => t.includes('1 logs') && !t.includes('Rooms ('), `the zoomed container at ${cols}x${rows}`);
        check(`zoomed ${cols}x${rows}`);
        d.term.write('\x1b');
        await d.waitFor((t) => t.includes('Rooms ('), 'back to the list');
        for (const [i, view] of views.entries()) {
          d.term.write(String(i + 1));
          const shown = await d.waitForStable(
            (t) => t.split('\n')[0]!.includes(`[${i + 1} ${view.title}]`) && t.includes(loaded[view.id] ?? ''),
            `${view.id} at ${cols}x${rows}`,
          );
          check(`${view.id} ${cols}x${rows}`);
          // The column headers under the title: whole columns, none cut short.
          if (view.id in loaded) expect(shown.split('\n')[3], `${view.id} ${cols}x${rows}: a column cut short`).not.toContain('…');
        }
        d.term.write('?');
        await d.waitFor((t) => t.includes('press ? or escape to close'), `help at ${cols}x${rows}`);
        check(`help ${cols}x${rows}`);
        d.term.write('\x1b');
        await d.waitFor((t) => !t.includes('press ? or escape to close'), 'help to close');
        d.term.write('1');
        await d.waitFor((t) => t.split('\n')[0]!.includes('[1 Containers]'), 'the containers view again');
      }
      d.term.write('q');
      expect(await d.exited).toBe(0);
    } finally {
      d.term.kill();
    }
  });
});
