// Terminal ownership: enter raw/alternate-screen modes and restore them exactly once on every exit path.
import { spawnSync } from 'node:child_process';

export const ESC = {
  altScreenOn: '\x1b[?1049h',
  altScreenOff: '\x1b[?1049l',
  cursorHide: '\x1b[?25l',
  cursorShow: '\x1b[?25h',
  bracketedPasteOff: '\x1b[?2004l',
  mouseOff: '\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l',
  resetAttributes: '\x1b[0m',
} as const;

export interface TerminalStreams {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
}

export interface TerminalGuard {
  /** Restores the terminal; safe to call more than once and from signal handlers. */
  restore(): void;
  readonly restored: boolean;
}

/**
 * Takes the terminal (optionally the alternate screen, hidden cursor, raw input) and registers restoration on
 * exit, SIGTERM, SIGHUP and uncaught errors. The caller must still call restore() in its own finally.
 */
export function takeTerminal(
  streams: TerminalStreams,
  opts: { altScreen?: boolean; hideCursor?: boolean; raw?: boolean; rawOutput?: boolean } = {},
): TerminalGuard {
  const { stdin, stdout } = streams;
  const wasRaw = Boolean(stdin.isTTY && stdin.isRaw);
  let restored = false;
  if (opts.altScreen) stdout.write(ESC.altScreenOn);
  if (opts.hideCursor) stdout.write(ESC.cursorHide);
  if (opts.raw && stdin.isTTY) stdin.setRawMode(true);
  // Leaving raw mode restores the termios saved before it, output processing included.
  if (opts.raw && opts.rawOutput && !wasRaw) setOutputProcessing(stdin, false);

  const restore = () => {
    if (restored) return;
    restored = true;
    process.off('exit', restore);
    if (stdin.isTTY) {
      try {
        stdin.setRawMode(wasRaw);
      } catch {
        // the tty may already be gone (SIGHUP); nothing left to restore
      }
    }
    try {
      stdout.write(ESC.resetAttributes + ESC.bracketedPasteOff + ESC.mouseOff + ESC.cursorShow + (opts.altScreen ? ESC.altScreenOff : ''));
    } catch {
      // same: a closed terminal needs no restoring
    }
  };
  process.on('exit', restore);
  return {
    restore,
    get restored() {
      return restored;
    },
  };
}

/**
 * Calls `handler` once, for the first of SIGTERM, SIGHUP or an uncaught error, until disposed; returns the
 * disposer. Handlers restore the terminal and then exit with the conventional code (128 + signal number). With
 * `exclusive`, once it fires no other signal listener runs, so the handler's own exit is the one that happens.
 */
export function onFatal(
  handler: (reason: { signal?: NodeJS.Signals; error?: unknown }) => void,
  opts: { exclusive?: boolean } = {},
): () => void {
  // The first reason wins. What follows is usually caused by it — on a hung-up terminal every write fails with EIO —
  // and handling each again (writing again, failing again) would loop forever without ever reaching the exit.
  let fired = false;
  const fire = (reason: { signal?: NodeJS.Signals; error?: unknown }) => {
    if (fired) return;
    fired = true;
    // Exclusive: the handler alone decides when the process exits (it may have async cleanup, like hanging up a
    // remote shell). Other listeners would exit first: cli.ts exits on a second signal, and when-exit (under conf)
    // re-raises the signal it caught, which is that second signal. Ours stay registered and swallow the rest.
    if (opts.exclusive) {
      for (const name of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
        for (const listener of process.listeners(name)) if (listener !== onTerm && listener !== onHup && listener !== onInt) process.off(name, listener);
      }
      process.on('SIGINT', onInt);
    }
    handler(reason);
  };
  const onInt = () => {};
  const onTerm = () => fire({ signal: 'SIGTERM' });
  const onHup = () => fire({ signal: 'SIGHUP' });
  const onError = (error: unknown) => fire({ error });
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    process.off('SIGHUP', onHup);
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  };
}

export const signalExitCode: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/**
 * Turns the terminal's output processing (OPOST: "\n" becomes "\r\n") off or on. Node's raw mode keeps it on,
 * which is right for Ink but wrong for bytes relayed from another terminal: a full-screen program in a container
 * moves the cursor down with a bare "\n" and must not get a carriage return added. Node has no API for it, so
 * stty does it on our tty; where that is impossible, output keeps its processing.
 */
export function setOutputProcessing(stdin: NodeJS.ReadStream, on: boolean): void {
  const fd = (stdin as { fd?: unknown }).fd;
  if (!stdin.isTTY || typeof fd !== 'number') return;
  spawnSync('stty', [on ? 'opost' : '-opost'], { stdio: [fd, 'ignore', 'ignore'] });
}
