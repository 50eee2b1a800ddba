// A command that is not in the container exits 127 from `run` and `exec` alike, as a shell's does: Docker reports it
// as a failed start (run) or as exit 126 with the runtime's message in the output (exec).
import { BerthError } from '../../runtime/core/index.js';

const NOT_FOUND = /exec: "([^"]*)": (executable file not found in \$PATH|stat [^:]*: no such file or directory)|exec: "?([^":]*)"?: no such file or directory/;

/** Exit code 127 with the runtime's reason. */
export class CommandNotFoundError extends BerthError {
  constructor(message: string) {
    super(message, 'failure');
    (this as { exitCode: number }).exitCode = 127;
  }
}

/** The engine's words for a missing command, if `text` holds them: `exec: "x": executable file not found in $PATH`. */
export function commandNotFound(text: string): string | undefined {
  return NOT_FOUND.exec(text)?.[0];
}

/** A job's start failure as 127 when its command is not there; any other error as it is. */
export function startFailure(err: unknown): unknown {
  const reason = err instanceof Error ? commandNotFound(err.message) : undefined;
  return reason ? new CommandNotFoundError(`command not found in the container: ${reason}`) : err;
}

/** Watches an exec's output for the runtime's "not found" message (exec exits 126 with it). */
export function notFoundWatcher(): { see: (text: string) => void; exitCode: (code: number) => number } {
  let found = false;
  let tail = '';
  return {
    see: (text) => {
      tail = (tail + text).slice(-4096);
      if (!found && /OCI runtime exec failed/.test(tail) && commandNotFound(tail)) found = true;
    },
    exitCode: (code) => (code === 126 && found ? 127 : code),
  };
}
