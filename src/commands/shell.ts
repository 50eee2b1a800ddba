// berth shell --agent A [--cwd DIR] [--timeout D] [--env K=V] -- CMD... : a host command through the approval queue.
import { StringDecoder } from 'node:string_decoder';
import type { CommandModule } from 'yargs';
import { ApprovalQueue, commandLine, describeDecision, type ApprovalRequest, endApprovedRun, fileShellRequest, startApprovedRun } from '../runtime/host-commands/index.js';
import { BerthError, CancelledError, CommandExitError, UsageError, parseDuration, parseEnvList, validateRoomName } from '../runtime/core/index.js';
import { onFatal, signalExitCode, takeTerminal, type TerminalGuard } from '../runtime/terminal/index.js';
import type { Args, CliContext, GlobalArgs } from './context.js';
import { collect } from './container/shared.js';

interface ShellArgs {
  _: (string | number)[];
  agent?: string;
  cwd?: string;
  timeout?: string;
  env?: string | string[];
  script?: string;
}

export const DEFAULT_SHELL_TIMEOUT = '10m';

export const shellCommand: CommandModule<GlobalArgs, Args<ShellArgs>> = {
  command: 'shell',
  describe: 'Ask a person to run a host command (after --): waits for approval, then runs it in a pty and exits with its code',
  builder: (y) =>
    y
      .usage('$0 shell [--agent A] [--cwd DIR] [--timeout D] [-e K=V]... -- CMD [ARG...]\n$0 shell [--agent A] ... -c SCRIPT\n\nFiles a request in the approval queue and waits; approved, the command runs on this host in a pty and berth exits with its exit code; denied: 6; expired: 7.')
      // Words after -- must reach the command exactly as typed: yargs would turn "1e3" into 1000 and "0x10" into 16.
      .parserConfiguration({ 'parse-positional-numbers': false })
      .option('agent', { type: 'string', describe: 'Who asks (default: BERTH_AGENT, then config defaultAgent)' })
      .option('cwd', { type: 'string', describe: 'Directory to run in (default: the current one)' })
      .option('timeout', { type: 'string', describe: `How long to wait for a decision (default ${DEFAULT_SHELL_TIMEOUT}); expired: exit code 7` })
      .option('env', { alias: 'e', type: 'string', describe: 'KEY=VALUE added to the environment, shown to the person (repeatable)' })
      .option('script', { alias: 'c', type: 'string', describe: 'Script text run by bash --norc --noprofile -c, instead of a command after --' })
      .example('$0 shell --agent builder -- git log -n 3', 'ask to run git log on the host')
      .example("$0 shell --agent builder -c 'make test && make lint'", 'ask to run a script') as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const command = argv._.slice(1).map(String);
    const timeoutMs = parseDuration(argv.timeout ?? DEFAULT_SHELL_TIMEOUT);
    const agent = argv.agent ?? (ctx.rt.env.BERTH_AGENT || (await ctx.rt.setting('defaultAgent')));
    if (argv.script !== undefined && command.length) throw new UsageError('give either a command after -- or --script, not both');
    // The room only scopes trusted patterns here (rules can be limited to a room); no room needs to exist.
    const room = argv.room ?? ctx.rt.env.BERTH_ROOM;
    const req = await fileShellRequest(ctx.rt, {
      agent,
      ...(room ? { room: validateRoomName(room) } : {}),
      ...(argv.script !== undefined ? { script: argv.script } : { argv: command }),
      cwd: argv.cwd,
      env: parseEnvList(collect(argv.env)),
      timeoutMs,
      callerEnv: ctx.rt.env,
    });
    const decided = await waitForDecision(ctx, req);
    switch (decided.status) {
      case 'approved':
        break;
      case 'denied':
        throw new BerthError(`request ${req.id} ${describeDecision(decided)}`, 'denied');
      case 'expired':
        throw new BerthError(`request ${req.id} expired: nobody decided within ${argv.timeout ?? DEFAULT_SHELL_TIMEOUT}`, 'timeout');
      case 'cancelled':
        throw new CancelledError(`request ${req.id} ${describeDecision(decided)}`);
      default:
        throw new BerthError(`request ${req.id} is ${decided.status}`);
    }
    if (decided.decidedVia === 'rule') ctx.out.note(`berth: request ${req.id} auto-approved by trusted pattern ${decided.decidedBy}`);
    else ctx.out.note(`berth: request ${req.id} approved by ${decided.decidedBy}`);
    const code = await runApproved(ctx, decided);
    if (code !== 0) throw new CommandExitError(code);
  },
};

async function waitForDecision(ctx: CliContext, req: ApprovalRequest): Promise<ApprovalRequest> {
  if (req.status !== 'pending') return req;
  ctx.out.note(`berth: waiting for approval of request ${req.id}: ${commandLine(req)}`);
  ctx.out.note(`berth: a person decides with: berth approvals approve ${req.id}  (or deny ${req.id}), or in the dashboard`);
  try {
    return await new ApprovalQueue(ctx.rt).waitForDecision(req.id, { signal: ctx.signal });
  } catch (err) {
    if (ctx.signal.aborted) throw new CancelledError(`request ${req.id} cancelled: interrupted while waiting for approval`);
    throw err;
  }
}

/**
 * Runs the approved command. Keys reach it only when a person approved it and the caller is on a terminal (raw);
 * a command a trusted pattern approved gets no input at all: it reads end-of-file, so nothing typed at the caller's
 * terminal steers it (an agent's keys, a pager's `!cmd`). Off a terminal: output only, with plain \n line ends.
 * SIGTERM or SIGHUP to berth (a `timeout`, a closed terminal) ends the command's process groups, then berth exits
 * with 128+signal.
 */
async function runApproved(ctx: CliContext, req: ApprovalRequest): Promise<number> {
  const stdin = ctx.io.stdin as (NodeJS.ReadStream & { isTTY?: boolean }) | undefined;
  const stdout = ctx.io.stdout as CliContext['io']['stdout'] & { rows?: number; on?: NodeJS.WriteStream['on']; off?: NodeJS.WriteStream['off'] };
  const interactive = req.decidedVia === 'person' && Boolean(stdin?.isTTY && stdout.isTTY);
  const run = await startApprovedRun(ctx.rt, req, stdout.isTTY && stdout.columns && stdout.rows ? { cols: stdout.columns, rows: stdout.rows } : {});
  const { session } = run;
  const decoder = new StringDecoder('utf8');
  let terminal: TerminalGuard | undefined;
  const disposeFatal = onFatal(({ signal }) => {
    terminal?.restore();
    void endApprovedRun(run, signal ?? 'SIGHUP').finally(() => process.exit(signal ? (signalExitCode[signal] ?? 1) : 1));
  }, { exclusive: true });
  try {
    if (interactive) {
      terminal = takeTerminal({ stdin: stdin!, stdout: stdout as unknown as NodeJS.WriteStream }, { raw: true, rawOutput: true });
      const offData = session.onData((chunk) => stdout.write(decoder.write(chunk)));
      const onInput = (chunk: Buffer | string) => session.sendInput(typeof chunk === 'string' ? chunk : Buffer.from(chunk));
      const onResize = () => stdout.columns && stdout.rows && session.resize(stdout.columns, stdout.rows);
      stdin!.on('data', onInput);
      stdout.on?.('resize', onResize);
      stdin!.resume();
      try {
        return await run.done;
      } finally {
        offData();
        stdin!.off('data', onInput);
        stdout.off?.('resize', onResize);
        stdin!.pause();
        terminal.restore();
      }
    }
    // No input: the pty's \r\n become \n (a \r at a chunk's end waits for the next chunk), and the command reads
    // end-of-file from its terminal, so one that waits for input ends instead of hanging.
    let heldCr = false;
    const offData = session.onData((chunk) => {
      let text = (heldCr ? '\r' : '') + decoder.write(chunk);
      heldCr = text.endsWith('\r');
      if (heldCr) text = text.slice(0, -1);
      if (text) stdout.write(text.replace(/\r\n/g, '\n'));
    });
    session.sendInput('\x04');
    // Ctrl+C (SIGINT) reaches the command as it would on a terminal; SIGTERM and SIGHUP are passed on as themselves by
    // the fatal handler above (endApprovedRun), never turned into an interrupt first.
    const onAbort = () => {
      if (/\bSIGINT\b/.test(String((ctx.signal.reason as Error | undefined)?.message))) session.interrupt();
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const code = await run.done;
      if (heldCr) stdout.write('\r');
      return code;
    } finally {
      offData();
      ctx.signal.removeEventListener('abort', onAbort);
    }
  } finally {
    disposeFatal();
  }
}
