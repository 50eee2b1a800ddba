// End to end in a real pseudo-terminal: bin/berth opens the dashboard, q quits, and the terminal modes are exactly
// as before (stty state, alternate screen left, cursor shown). Without a TTY, berth prints help instead.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as pty from 'node-pty';
import { afterAll, describe, expect, it } from 'vitest';
import { RoomService } from '../../src/runtime/rooms/index.js';
import { FIXTURE_IMAGE, TEST_LOG_CONFIG, docker, removeRooms, repoRoot, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('pty');
afterAll(async () => {
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

function spawnInPty(script: string) {
  const term = pty.spawn('/bin/sh', ['-c', script], {
    name: 'xterm-256color',
    cols: 120,
    rows: 30,
    cwd: repoRoot,
    // CI=true as in CI: the dashboard must still draw every frame, in colour, on a real terminal. BERTH_ROOM: the
    // room list shows the rows that fit around the selected room, and other tests' rooms may fill it.
    env: { ...process.env, BERTH_HOME: home, BERTH_ROOM: room, TERM: 'xterm-256color', CI: 'true' } as Record<string, string>,
  });
  let output = '';
  term.onData((d) => (output += d));
  const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
  return { term, exited, output: () => output };
}

describe('bin/berth in a pseudo-terminal', () => {
  it.each([
    ['q', 'q'],
    ['Ctrl+C', '\x03'],
  ])('opens the dashboard and %s restores the terminal', async (_name, key) => {
    const rt = runtimeFor(home);
    await new RoomService(rt).ensure(room);
    rt.close();
    const bin = path.join(repoRoot, 'bin', 'berth');
    const s = spawnInPty(`stty -g; echo BEFORE-DONE; "${process.execPath}" "${bin}"; echo "EXIT=$?"; stty -g`);
    await waitFor(() => s.output().includes('Rooms') && s.output().includes(room), 'the dashboard to draw the room');
    expect(s.output()).toContain('\x1b[?1049h'); // alternate screen entered
    expect(s.output()).toMatch(/\x1b\[3\dm/); // coloured
    s.term.write(key);
    expect(await s.exited).toBe(0);
    const out = s.output();
    expect(out).toContain('EXIT=0');
    const after = out.slice(out.lastIndexOf('\x1b[?1049h'));
    expect(after).toContain('\x1b[?1049l'); // alternate screen left
    expect(after).toContain('\x1b[?25h'); // cursor shown again
    const sttyLines = out
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => /^[0-9a-f]+(:[0-9a-f]+){10,}$/.test(l));
    expect(sttyLines).toHaveLength(2);
    expect(sttyLines[1]).toBe(sttyLines[0]); // raw mode, echo, icanon... all as before
  });

  it('writes a full-screen frame only when it differs from the one before', async () => {
    const rt = runtimeFor(home);
    await new RoomService(rt).ensure(room);
    rt.close();
    // A running container: its stats are sampled every second, and the table re-renders with what they format to.
    const box = await docker.createContainer({
      Image: FIXTURE_IMAGE,
      Cmd: ['sleep', '600'],
      name: `${room}.idle`,
      Labels: { 'berth.room': room, 'berth.kind': 'container', 'berth.name': 'idle', 'berth.agent': 'tester' },
      HostConfig: { LogConfig: TEST_LOG_CONFIG, NetworkMode: `berth-${room}` },
    });
    await box.start();
    const s = spawnInPty(`"${process.execPath}" "${path.join(repoRoot, 'bin', 'berth')}"`);
    try {
      await waitFor(() => s.output().includes('Rooms') && s.output().includes('idle'), 'the dashboard to draw the container');
      // Ink used to clear and write the whole screen for every render, even when not a character had changed.
      await new Promise((r) => setTimeout(r, 3500));
      const frames = s.output().split('\x1b[2J\x1b[3J\x1b[H').slice(1);
      const repeats = frames.filter((f, i) => i > 0 && f === frames[i - 1]);
      expect(repeats).toHaveLength(0);
    } finally {
      s.term.write('q');
      await s.exited;
      await box.remove({ force: true });
    }
  });

  it('restores the terminal when killed with SIGTERM', async () => {
    const bin = path.join(repoRoot, 'bin', 'berth');
    const s = spawnInPty(`stty -g; "${process.execPath}" "${bin}"; echo "EXIT=$?"; stty -g`);
    await waitFor(() => s.output().includes('Rooms'), 'the dashboard to draw');
    // berth is the shell's only child while it runs in the foreground.
    const child = spawnSync('ps', ['-o', 'pid=', '--ppid', String(s.term.pid)], { encoding: 'utf8' }).stdout.trim();
    process.kill(Number(child), 'SIGTERM');
    await s.exited;
    const out = s.output();
    expect(out).toContain('EXIT=143');
    expect(out.slice(out.lastIndexOf('\x1b[?1049h'))).toContain('\x1b[?1049l');
    const sttyLines = out.split(/\r?\n/).map((l) => l.trim()).filter((l) => /^[0-9a-f]+(:[0-9a-f]+){10,}$/.test(l));
    expect(sttyLines[1]).toBe(sttyLines[0]);
  });

  it('prints help instead of the dashboard when stdout is not a TTY', () => {
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'berth')], {
      env: { ...process.env, BERTH_HOME: home },
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Commands:');
    expect(r.stdout).toContain('berth room');
    expect(r.stdout).not.toContain('\x1b[?1049h');
  });
});
