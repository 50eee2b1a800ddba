// The process entry: dashboard on a bare TTY, else one command; the only place errors become exit codes.
import { BerthError, ExitCode, exitCodeOf } from './runtime/errors.js';

function printError(err: unknown, debug: boolean): void {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`berth: ${message.split('\n')[0]}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  else if (!(err instanceof BerthError)) process.stderr.write('(run with --debug for details)\n');
}

export async function run(args: string[]): Promise<number> {
  const debug = args.includes('--debug');
  const wantsDashboard = args.length === 0 && process.stdin.isTTY && process.stdout.isTTY;
  if (wantsDashboard) {
    // Ink draws only the last frame, and chalk drops colours, when they think they run in CI (CI, CI_*); on a real
    // terminal the user asked for the dashboard, so hide those variables while the dashboard chunk loads (both read
    // the environment once, at import) and put them back after.
    const ciVars = Object.entries(process.env).filter(([k]) => k === 'CI' || k === 'CONTINUOUS_INTEGRATION' || k.startsWith('CI_'));
    for (const [k] of ciVars) delete process.env[k];
    const { runDashboard } = await import('./app/run-dashboard.js').finally(() => {
      for (const [k, v] of ciVars) process.env[k] = v;
    });
    try {
      return await runDashboard();
    } catch (err) {
      printError(err, debug);
      return exitCodeOf(err);
    }
  }
  const { main } = await import('./commands/main.js');
  const controller = new AbortController();
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(signal === 'SIGINT' ? ExitCode.cancelled : 143);
    interrupted = true;
    controller.abort(new BerthError(`interrupted by ${signal}`, 'cancelled'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await main(args.length ? args : ['--help'], { signal: controller.signal });
    return interrupted ? ExitCode.cancelled : ExitCode.ok;
  } catch (err) {
    if (interrupted) {
      printError(new BerthError('cancelled', 'cancelled'), debug);
      return ExitCode.cancelled;
    }
    printError(err, debug);
    return exitCodeOf(err);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
