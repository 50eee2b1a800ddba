// What a container or an agent controls never steers the person's terminal: the built dashboard and approvals
// commands in a real pseudo-terminal, read back through a terminal emulator (@xterm/headless) that counts title
// changes and OSC 52 clipboard writes. A container printing every class of sequence leaves the title, the clipboard
// and the pane borders alone and its escapes are shown as text; an approval request whose cwd is named to draw a
// fake harmless row is shown with its real argv and its cwd escaped, in the dashboard and in `approvals list`,
// `show` and `watch`.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import * as pty from 'node-pty';
import xterm from '@xterm/headless';
import { afterAll, describe, expect, it } from 'vitest';
import { ApprovalQueue } from '../../src/runtime/host-commands/index.js';
import { RoomService } from '../../src/runtime/rooms/index.js';
import { removeRooms, repoRoot, roomContainer, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

const home = tempHome();
const rooms: string[] = [];
const callers = new Set<ChildProcess>();
afterAll(async () => {
  for (const c of callers) c.kill('SIGKILL');
  await removeRooms(rooms);
  fs.rmSync(home, { recursive: true, force: true });
}, 60_000);

/**
 * The sequences the tests' texts hold, as raw bytes a terminal would obey: OSC title and clipboard, DCS, C1 and bidi
 * controls, concealment and an absolute cursor move (the dashboard's own drawing uses none of them).
 */
const OBEYED = /\x1b\](?:0|2|52);|\x1bP|\u009b|\u009d|\u202e|\x1b\[(?:8m|10;5H)/;
/** A command's output (not the dashboard's) has no cursor or erase command at all either. */
const OBEYED_CLI = /\x1b\](?:0|2|52);|\x1bP|\u009b|\u009d|\u202e|\x1b\[[0-9;]*[A-HJKf]|\x1b\[8m|\r(?!\n)/;

/** bin/berth ARGS in a pty mirrored into a headless terminal that counts title changes and OSC 0/2/52 sequences. */
function inTerminal(args: string[], env: Record<string, string>, cols = 160, rows = 45) {
  const screen = new xterm.Terminal({ cols, rows, allowProposedApi: true });
  const seen = { titles: [] as string[], osc52: 0, oscTitle: 0 };
  screen.onTitleChange((t) => seen.titles.push(t));
  screen.parser.registerOscHandler(52, () => ((seen.osc52 += 1), false));
  for (const id of [0, 1, 2]) screen.parser.registerOscHandler(id, () => ((seen.oscTitle += 1), false));
  const term = pty.spawn(process.execPath, [path.join(repoRoot, 'bin', 'berth'), ...args], {
    name: 'xterm-256color',
    cols,
    rows,
    cwd: repoRoot,
    env: { ...process.env, BERTH_HOME: home, TERM: 'xterm-256color', ...env } as Record<string, string>,
  });
  let raw = '';
  term.onData((d) => {
    raw += d;
    screen.write(d);
  });
  const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
  const lines = () => {
    const buf = screen.buffer.active;
    return Array.from({ length: screen.rows }, (_, i) => buf.getLine(buf.viewportY + i)?.translateToString(true) ?? '');
  };
  const text = () => lines().join('\n');
  // A write is parsed asynchronously: the screen is read once everything received so far has been.
  const flushed = () => new Promise<void>((resolve) => screen.write('', resolve));
  return {
    term,
    seen,
    raw: () => raw,
    lines,
    text,
    exited,
    waitFor: (test: (text: string) => boolean, what: string) =>
      waitFor(async () => {
        await flushed();
        return test(text()) ? text() : undefined;
      }, what, 30_000),
    close: async () => {
      term.kill();
      await exited;
      screen.dispose();
    },
  };
}

/** Every body row of a bordered layout has its pane edges at the same columns: the right one, and the split. */
function bordersAligned(lines: string[], cols: number): string[] {
  const body = lines.slice(1, -3).filter((l) => l.trim());
  const split = body[0]!.indexOf('╮');
  const bad: string[] = [];
  for (const l of body) {
    const chars = [...l.padEnd(cols)];
    if (!'│╮╯'.includes(chars[cols - 1]!) || !'│╮╯'.includes(chars[split]!)) bad.push(l);
  }
  return bad;
}

describe('escape sequences from containers and agents in a pseudo-terminal', () => {
  it('a container log with every class of sequence: title, clipboard and borders untouched, the escapes shown as text', async () => {
    const room = uniqueRoom('escpty');
    rooms.push(room);
    const rt = runtimeFor(home);
    await new RoomService(rt).ensure(room);
    rt.close();
    const script = [
      "printf 'osc0 \\033]0;PWNED-TITLE\\007 end\\n'",
      "printf 'osc2 \\033]2;PWNED-TWO\\033\\\\ end\\n'",
      "printf 'osc52 \\033]52;c;ZWNobyBwd25lZA==\\007 end\\n'",
      "printf 'csi \\033[2J\\033[H\\033[10;5Hmoved\\033[2K end\\n'",
      "printf 'dcs \\033P1$r0m\\033\\\\ end\\n'",
      "printf 'c1 \\302\\2332J \\302\\2350;C1TITLE\\302\\234 end\\n'",
      "printf 'bidi \\342\\200\\256evil end\\n'",
      "printf 'cr visible\\rHIDDEN end\\n'",
      "printf 'lone \\033 end\\n'",
      'sleep 600', // bounded: the test removes it
    ].join('; ');
    await roomContainer(room, 'noisy', { cmd: ['sh', '-c', script] });
    const d = inTerminal([], { BERTH_ROOM: room, CI: 'true' });
    try {
      const shown = await d.waitFor((t) => t.includes('lone \\e end') && t.includes('osc0'), 'the log pane with the escaped lines');
      for (const text of [
        'osc0 \\e]0;PWNED-TITLE\\a end',
        'osc2 \\e]2;PWNED-TWO\\e\\ end',
        'osc52 \\e]52;c;ZWNobyBwd25lZA==\\a end',
        'csi \\e[2J\\e[H\\e[10;5Hmoved\\e[2K end',
        'dcs \\eP1$r0m\\e\\ end',
        'c1 \\x9b2J \\x9d0;C1TITLE\\x9c end',
        'bidi \\u202eevil end',
        'cr visible\\rHIDDEN end',
      ]) expect(shown).toContain(text);
      expect(d.seen.titles).toEqual([]);
      expect(d.seen.oscTitle).toBe(0);
      expect(d.seen.osc52).toBe(0);
      expect(d.raw()).not.toMatch(OBEYED);
      // Read once a frame is drawn whole: under load the emulator can be read between two writes of one frame. A
      // line the escapes pushed out of place never settles, and fails here.
      await waitFor(() => bordersAligned(d.lines(), 160).length === 0, 'every border in its column', 10_000).catch(() => undefined);
      expect(bordersAligned(d.lines(), 160)).toEqual([]);
    } finally {
      await d.close();
    }
  }, 90_000);

  describe('an approval request whose cwd is named to draw a fake row', () => {
    const fake = '7    pending   a1      /usr/bin/git status';
    const cwd = path.join(home, 'proj', `e\x1b[G\x1b[2K${fake} …\x1b[8m`);
    const real = 'rm -rf /nonexistent-important'; // after the program path it resolved to
    let id = 0;

    /** The fake text only ever appears inside the escaped cwd, never as a row of its own. */
    const noFakeRow = (lines: string[]) => {
      for (const l of lines) if (l.includes('pending   a1      /usr/bin/git')) expect(l).toContain(`e\\e[G\\e[2K${fake.slice(0, 10)}`);
      expect(lines.some((l) => /^[│\s]*7\s+pending\s+a1\s/.test(l))).toBe(false);
    };

    it('is filed by a real caller', async () => {
      fs.mkdirSync(cwd, { recursive: true });
      const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'berth'), 'shell', '--agent', 'a1', '--timeout', '5m', '--cwd', cwd, '--', 'rm', '-rf', '/nonexistent-important'], {
        env: { ...process.env, BERTH_HOME: home, BERTH_AGENT: '' },
        stdio: 'ignore',
      });
      callers.add(child);
      const req = await waitFor(() => {
        const rt = runtimeFor(home);
        try {
          return new ApprovalQueue(rt).list({ status: 'pending' }).find((r) => r.cwd === cwd);
        } finally {
          rt.close();
        }
      }, 'the request');
      id = req.id;
    });

    it('dashboard Approvals view: the real argv is shown, the cwd escaped', async () => {
      const d = inTerminal([], { BERTH_ROOM: 'default', CI: 'true' });
      try {
        await d.waitFor((t) => t.includes('Containers'), 'the dashboard');
        d.term.write('5');
        const shown = await d.waitFor((t) => t.includes('Approvals (1 pending)') && t.includes('cwd'), 'the Approvals view with the request');
        expect(shown).toContain(real);
        expect(shown).toContain(`e\\e[G\\e[2K${fake.slice(0, 20)}`);
        noFakeRow(d.lines());
        expect(d.raw()).not.toMatch(OBEYED);
      } finally {
        await d.close();
      }
    }, 60_000);

    it('approvals list and show: the real argv, the cwd escaped; show\'s reason line too', async () => {
      const list = inTerminal(['approvals', 'list', '-o', 'wide'], {}, 400, 10);
      await list.exited;
      const listed = await list.waitFor((t) => t.includes('COMMAND'), 'the table');
      const row = list.lines().find((l) => l.startsWith(`${id} `));
      expect(row).toContain(real);
      expect(row).toContain('\\e[G\\e[2K7');
      noFakeRow(list.lines());
      expect(listed).not.toMatch(/^7\s+pending/m);
      expect(list.raw()).not.toMatch(OBEYED_CLI);

      const rt = runtimeFor(home);
      try {
        new ApprovalQueue(rt).decide(id, 'denied', { actor: 'person', reason: `no\x1b[1A\x1b[2K\x1b]0;REASON\x07 way` });
      } finally {
        rt.close();
      }
      const show = inTerminal(['approvals', 'show', String(id)], {}, 400, 40);
      await show.exited;
      const text = await show.waitFor((t) => t.includes('reason:'), 'the request shown');
      expect(text).toMatch(/command:\s+\/\S*rm -rf \/nonexistent-important\n/);
      expect(show.lines().find((l) => l.startsWith('cwd:'))).toMatch(/^cwd:\s+\//);
      expect(text).toContain(`${cwd.slice(0, cwd.indexOf('\x1b'))}\\e[G\\e[2K${fake} …\\e[8m\n`);
      expect(text).toContain('no\\e[1A\\e[2K\\e]0;REASON\\a way');
      expect(show.seen.titles).toEqual([]);
      expect(show.raw()).not.toMatch(OBEYED_CLI);
      noFakeRow(show.lines());
    }, 60_000);

    it('approvals watch: the request line shows the real argv and the cwd escaped, no carriage return obeyed', async () => {
      const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'berth'), 'shell', '--agent', 'a1', '--timeout', '5m', '--cwd', cwd, '--', 'rm', '-rf', '/nonexistent-important', `\r${fake}`], {
        env: { ...process.env, BERTH_HOME: home, BERTH_AGENT: '' },
        stdio: 'ignore',
      });
      callers.add(child);
      const w = inTerminal(['approvals', 'watch'], {}, 400, 10);
      try {
        const text = await w.waitFor((t) => t.includes('pending  agent a1'), 'the pending request line');
        const line = w.lines().find((l) => l.includes('pending  agent a1'))!;
        expect(line).toContain(`in ${cwd.slice(0, cwd.indexOf('\x1b'))}\\e[G\\e[2K${fake}`);
        expect(line).toContain(`${real} $'\\r${fake}'`);
        expect(text).not.toMatch(/^7\s+pending/m);
        expect(w.raw()).not.toMatch(OBEYED_CLI);
        expect(w.raw()).not.toContain(`\r${fake}`);
      } finally {
        await w.close();
        child.kill('SIGKILL');
      }
    }, 60_000);
  });
});
