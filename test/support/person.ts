// A person at a terminal, for the acts only a person may do (add an allow rule, remove a rule, set an agent's
// limits, decide an approval): the built binary in a real pty, and what runtime calls pass for one.
import fs from 'node:fs';
import path from 'node:path';
import * as pty from 'node-pty';
import { type PersonCheck } from '../../src/runtime/core/index.js';
import { repoRoot } from './helpers.js';

/** For runtime calls in a test's own set-up: the test stands in for the person at the terminal. */
export const PERSON: PersonCheck = { stdinIsTTY: true };

export interface PtyResult {
  code: number;
  /** Everything printed (stdout and stderr), with \r\n turned into \n and colours removed. */
  output: string;
}

/** bin/berth ARGS in a pty (stdin a terminal), BERTH_AGENT unset unless `env` sets it; resolves when it exits. */
export function berthAsPerson(home: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<PtyResult> {
  const full = { ...process.env, BERTH_HOME: home, BERTH_ROLE: '', TERM: 'xterm-256color', ...env } as Record<string, string>;
  if (!env.BERTH_AGENT) delete full.BERTH_AGENT;
  // Wide, so a table row is never wrapped by the terminal.
  const term = pty.spawn(process.execPath, [path.join(repoRoot, 'bin', 'berth'), ...args], { name: 'xterm-256color', cols: 250, rows: 50, cwd: repoRoot, env: full });
  // Held open so every byte berth wrote is read before the exit is reported (node-pty drops the tail on Linux).
  const slave = fs.openSync((term as pty.IPty & { ptsName: string }).ptsName, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
  let output = '';
  term.onData((d) => (output += d));
  return new Promise((resolve) =>
    term.onExit(({ exitCode }) => {
      fs.closeSync(slave);
      resolve({ code: exitCode, output: output.replace(/\r\n/g, '\n').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '') });
    }),
  );
}
