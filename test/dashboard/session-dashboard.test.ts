// Dashboard exec sessions end to end: the built binary in a real pty — `e` opens a shell full screen, Ctrl+C goes
// to the container, Ctrl+] returns to the dashboard with the shell still running, the Sessions view lists it,
// enter re-attaches the same shell, its exit is shown, and the terminal modes are as before when berth quits.
import fs from 'node:fs';
import path from 'node:path';
import * as pty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoomService } from '../../src/runtime/rooms/index.js';
import { docker, removeRooms, repoRoot, runtimeFor, tempHome, uniqueRoom, waitFor, roomContainer } from '../support/helpers.js';

const home = tempHome();
// Rooms are listed by name: a leading digit puts this one first, where the dashboard starts.
const room = uniqueRoom('0sd');
let boxId = '';

beforeAll(async () => {
  const rt = runtimeFor(home);
  await new RoomService(rt).ensure(room);
  rt.close();
  const c = await roomContainer(room, 'box');
  boxId = c.id;
});
afterAll(async () => {
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

/**
 * The lines of `text` as a terminal shows them: a carriage return goes back to the line's start and what follows
 * overwrites it, ESC[K and ESC[J erase from the cursor on, other escapes draw nothing. A shell's line editor redraws
 * its line this way when the window size changes (berth sets the exec's size just after it starts), and the redraw
 * can land between the echoes of keys typed ahead.
 */
function shownLines(text: string): string[] {
  return text.split('\n').map((raw) => {
    let line = '';
    let col = 0;
    for (const [piece, csi] of raw.matchAll(/\x1b\[[0-9;?]*([A-Za-z])|\r|\x08|[^\x1b\r\x08]+/g)) {
      if (piece === '\r') col = 0;
      else if (piece === '\x08') col = Math.max(0, col - 1);
      else if (csi === 'K' || csi === 'J') line = line.slice(0, col);
      else if (!csi) {
        line = line.slice(0, col).padEnd(col) + piece + line.slice(col + piece.length);
        col += piece.length;
      }
    }
    return line;
  });
}

async function containerProcesses(): Promise<string[]> {
  const top = await docker.getContainer(boxId).top();
  return top.Processes.map((p: string[]) => p[p.length - 1]!);
}

describe('dashboard exec sessions in a pseudo-terminal', () => {
  it('opens, detaches with Ctrl+], lists and re-attaches the same shell, and restores the terminal on quit', async () => {
    const bin = path.join(repoRoot, 'bin', 'berth');
    const term = pty.spawn('/bin/sh', ['-c', `stty -g; "${process.execPath}" "${bin}"; echo "EXIT=$?"; stty -g`], {
      name: 'xterm-256color',
      cols: 120,
      rows: 30,
      cwd: repoRoot,
      env: { ...process.env, BERTH_HOME: home, TERM: 'xterm-256color' } as Record<string, string>,
    });
    let out = '';
    term.onData((d) => (out += d));
    const exited = new Promise<void>((resolve) => term.onExit(() => resolve()));
    const after = (mark: number, text: string) => waitFor(() => out.slice(mark).includes(text), `"${text}" on screen`);
    const press = async (keys: string, expect: string) => {
      const mark = out.length;
      term.write(keys);
      await after(mark, expect);
    };

    try {
      await after(0, `Containers in ${room}`);
      // The keys start on the room's containers: the cursor row (inverse video) is box.
      await waitFor(() => /\x1b\[7m(\x1b\[\d+m|\s)*box /.test(out.slice(out.lastIndexOf('Containers in'))), 'the cursor on box');
      const attachedAt = out.length;
      await press('e', '# '); // a shell, full screen
      await press('KEEP=kept-42\r', '# ');
      // Ctrl+C reaches the container (the sleep dies), not the dashboard.
      term.write('sleep 91\r');
      await waitFor(async () => (await containerProcesses()).includes('sleep 91'), 'sleep to run');
      await press('\x03', '# ');
      await waitFor(async () => !(await containerProcesses()).includes('sleep 91'), 'Ctrl+C to stop the sleep');

      // Nothing of the dashboard was drawn while the session had the screen (its stats redraw every second).
      const sessionScreen = out.indexOf('\x1b[0m\x1b[2J\x1b[H\x1b[?25h', attachedAt); // run-dashboard's hand-over
      expect(sessionScreen).toBeGreaterThan(0);
      expect(out.slice(sessionScreen)).not.toContain('Containers in');
      await press('\x1d', `Containers in ${room}`); // back to the dashboard…
      expect((await containerProcesses()).includes('/bin/sh')).toBe(true); // …the shell still running

      await press('S', 'Sessions');
      await waitFor(() => /box \(\S+\)\s+shell\s+.*running/.test(out.slice(out.lastIndexOf('Sessions'))), 'the session listed as running');
      await press('\r', 'KEEP=kept-42'); // re-attached: the screen is replayed
      await press('echo "value:$KEEP"\r', 'value:kept-42'); // the same shell, its variable still set
      // A resize while attached reaches the shell in the container.
      const resizedAt = out.length;
      term.resize(100, 25);
      await waitFor(async () => {
        term.write('stty size\r');
        await new Promise((r) => setTimeout(r, 100));
        return out.slice(resizedAt).includes('25 100');
      }, 'the resize inside the container');

      await press('exit 4\r', 'Sessions'); // the shell ends: back to the dashboard
      await waitFor(() => out.slice(out.lastIndexOf('Sessions')).includes('exited (4)'), 'the exit code in the list');

      // A session still running when berth quits is hung up, in the container too.
      await press('\x1b', `Containers in ${room}`);
      await press('e', '# ');
      await press('\x1d', `Containers in ${room}`);
      await waitFor(async () => (await containerProcesses()).includes('/bin/sh'), 'the second shell');
      term.write('q');
      await exited;
      await waitFor(async () => !(await containerProcesses()).includes('/bin/sh'), 'no shell left after quitting');
      expect(out).toContain('EXIT=0');
      const stty = out.split(/\r?\n/).map((l) => l.trim()).filter((l) => /^[0-9a-f]+(:[0-9a-f]+){10,}$/.test(l));
      expect(stty).toHaveLength(2);
      expect(stty[1]).toBe(stty[0]);
      expect(out.slice(out.lastIndexOf('\x1b[?1049h'))).toContain('\x1b[?1049l');
    } finally {
      try {
        term.kill(); // a failing run must not leave the dashboard behind
      } catch {
        // already exited
      }
    }
  });

  it('keys typed between e and the session taking the screen go to the shell, never to the dashboard', async () => {
    const before = (await docker.getContainer(boxId).inspect()).State;
    const bin = path.join(repoRoot, 'bin', 'berth');
    const term = pty.spawn(process.execPath, [bin], {
      name: 'xterm-256color',
      cols: 120,
      rows: 30,
      cwd: repoRoot,
      env: { ...process.env, BERTH_HOME: home, TERM: 'xterm-256color' } as Record<string, string>,
    });
    let out = '';
    term.onData((d) => (out += d));
    const exited = new Promise<void>((resolve) => term.onExit(() => resolve()));
    try {
      await waitFor(() => /\x1b\[7m(\x1b\[\d+m|\s)*box /.test(out.slice(out.lastIndexOf('Containers in'))), 'the cursor on box');
      // A fast typist: e and a command in one go. As dashboard keys, r would restart box, x stop it, e open more
      // shells and space select it.
      term.write('eecho rx-$((6*7))\r');
      await waitFor(() => out.includes('rx-42'), 'the command to run in the shell');
      // On one line of the screen, as the shell echoed it: the keys reached the pty only when the shell was up to
      // read them (a pty that got them early would echo them on a line of their own as well).
      expect(shownLines(out).filter((l) => l.includes('echo rx-$((6*7))'))).toEqual(['/ # echo rx-$((6*7))']);
      term.write('exit\r');
      await waitFor(() => out.slice(out.lastIndexOf('rx-42')).includes(`Containers in ${room}`), 'back to the dashboard');
      // Typed one key at a time too, each in its own write right after e.
      term.write('e');
      for (const ch of 'echo sx-$((6*8))\r') term.write(ch);
      await waitFor(() => out.includes('sx-48'), 'the second command to run in the shell');
      term.write('exit\r');
      await waitFor(() => out.slice(out.lastIndexOf('sx-48')).includes(`Containers in ${room}`), 'back to the dashboard again');
      const after = (await docker.getContainer(boxId).inspect()).State;
      expect(after.Running).toBe(true);
      expect(after.StartedAt).toBe(before.StartedAt); // never restarted, stopped or started
      // One session per e: the typed-ahead e's opened none.
      term.write('S');
      const sessionsView = () => out.slice(out.lastIndexOf('Sessions'));
      await waitFor(() => (sessionsView().match(/exited \(0\)/g) ?? []).length === 2, 'the two sessions, ended');
      expect(sessionsView().match(/box \(\S+\)\s+shell/g)).toHaveLength(2);
      term.write('q');
      await exited;
    } finally {
      try {
        term.kill();
      } catch {
        // already exited
      }
    }
  });
});
