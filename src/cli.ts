// The process entry: dashboard on a bare TTY, else one command; the only place errors become exit codes.
import os from 'node:os';
import { isatty } from 'node:tty';
import { PIPE_HELP_WIDTH, readManifestFile } from './commands/manifest.js';
import { BerthError, CommandExitError, ExitCode, exitCodeOf, terminalText, berthVersion } from './runtime/core/index.js';

/** The one place errors are printed: escaped, since a message may repeat input as given (a name, a path, a label). */
function printError(err: unknown, debug: boolean): void {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`berth: ${terminalText(message.split('\n')[0]!)}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${terminalText(err.stack, { newlines: true })}\n`);
  else if (!(err instanceof BerthError)) process.stderr.write('(run with --debug for details)\n');
}

/** `berth`, `berth --room R` or `berth -H HOST`: the dashboard's own options, or undefined for a command line. */
export function dashboardOptions(args: string[]): { host?: string; room?: string } | undefined {
  const options: { host?: string; room?: string } = {};
  for (let i = 0; i < args.length; i++) {
    const m = /^(--room|-r|--host|-H)(?:=(.*))?$/.exec(args[i]!);
    if (!m) return undefined;
    const value = m[2] ?? args[++i];
    if (value === undefined || value.startsWith('-')) return undefined;
    if (m[1] === '--room' || m[1] === '-r') options.room = value;
    else options.host = value;
  }
  return options;
}

export async function run(args: string[]): Promise<number> {
  // What yargs prints for exactly `--version`, without loading it (agents ask this in loops).
  if (args.length === 1 && args[0] === '--version') {
    process.stdout.write(`${berthVersion}\n`);
    return ExitCode.ok;
  }
  const debug = args.includes('--debug');
  // isatty, not process.stdin.isTTY: reading process.stdin makes the stream (~8 ms for a file or pipe). Asked only
  // for a command line the dashboard could take (node:tty loads node:net).
  const asDashboard = dashboardOptions(args);
  const dashboard = asDashboard && isatty(0) && isatty(1) ? asDashboard : undefined;
  // `berth --help` (or no command, off a terminal) at the width of a pipe: the text this build rendered for it.
  if (!dashboard && (args.length === 0 || (args.length === 1 && args[0] === '--help')) && (process.stdout.columns ?? PIPE_HELP_WIDTH) === PIPE_HELP_WIDTH) {
    const help = readManifestFile()?.help;
    if (help !== undefined) {
      process.stdout.write(help);
      return ExitCode.ok;
    }
  }
  const wantsDashboard = dashboard !== undefined;
  if (wantsDashboard) {
    const { runDashboard } = await import('./app/run-dashboard.js');
    try {
      return await runDashboard(dashboard);
    } catch (err) {
      printError(err, debug);
      return exitCodeOf(err);
    }
  }
  // `berth … | head`: a reader that stops early is not an error (docker and coreutils end quietly too).
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? ExitCode.ok);
    throw err;
  });
  const { main } = await import('./commands/main.js');
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  let endedBySignal = false;
  // One convention for an exit by signal, as shells report it: 128 + its number (SIGINT 130, SIGTERM 143).
  const bySignal = (signal: NodeJS.Signals) => 128 + (os.constants.signals[signal] ?? 2);
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) process.exit(bySignal(signal));
    received = signal;
    controller.abort(new BerthError(`interrupted by ${signal}`, 'cancelled'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await main(args.length ? args : ['--help'], { signal: controller.signal, onSignalEnd: () => (endedBySignal = true) });
    return received && !endedBySignal ? bySignal(received) : ExitCode.ok;
  } catch (err) {
    if (received) {
      // "cancelled" is for what never ran: a command that ran and ended (an approved host command, an exec) has
      // said what happened itself.
      if (!(err instanceof CommandExitError)) printError(new BerthError('cancelled', 'cancelled'), debug);
      return bySignal(received);
    }
    printError(err, debug);
    return exitCodeOf(err);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
