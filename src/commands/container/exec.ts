// berth container exec CONTAINER [--tty] [-i] [--user U] [--workdir D] [--env K=V] [--timeout T] [--stream] [-- CMD...]
import type { CommandModule } from 'yargs';
import { BerthError, CommandExitError, UsageError, parseDuration, parseEnvList } from '../../runtime/core/index.js';
import type { ExecResult } from '../../runtime/containers/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { notFoundWatcher } from './command-not-found.js';
import { collect, outputWriter, trailingCommand } from './shared.js';

interface ExecArgs {
  container: string;
  cmd?: (string | number)[];
  _: (string | number)[];
  tty: boolean;
  interactive: boolean;
  user?: string;
  workdir?: string;
  env?: string | string[];
  timeout?: string;
  stream: boolean;
}

export const containerExecCommand: CommandModule<GlobalArgs, Args<ExecArgs>> = {
  command: 'exec <container> [cmd..]',
  describe: 'Run a command in a running container (put it after --); with --tty an interactive terminal, Ctrl+] detaches',
  builder: (y) =>
    y
      .positional('container', { type: 'string', demandOption: true, describe: 'Name, id or unique id prefix' })
      .positional('cmd', { type: 'string', array: true, describe: 'Command and arguments (default with --tty/-i: the container\'s shell)' })
      .option('tty', { alias: 't', type: 'boolean', default: false, describe: 'Interactive terminal: raw keys, resize, Ctrl+] detaches' })
      .option('interactive', { alias: 'i', type: 'boolean', default: false, describe: 'Forward stdin to the command' })
      .option('user', { alias: 'u', type: 'string', describe: 'User (name or uid[:gid])' })
      .option('workdir', { alias: 'w', type: 'string', describe: 'Working directory in the container' })
      .option('env', { alias: 'e', type: 'string', describe: 'KEY=VALUE (repeatable)' })
      .option('timeout', { type: 'string', describe: 'Kill the command after this long (30, 500ms, 5m): exit code 7' })
      .option('stream', { type: 'boolean', default: false, describe: 'Print output as it comes instead of at the end' }) as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const envList = collect(argv.env);
    const env = envList.length ? parseEnvList(envList) : undefined;
    const timeout = argv.timeout !== undefined ? parseDuration(argv.timeout) : undefined;
    // Words after -- land in argv._ behind the group and verb (container exec).
    const cmd = trailingCommand({ _: argv._, command: argv.cmd }, 2);
    const stdin = ctx.io.stdin;
    const interactiveTerminal = argv.tty && Boolean(stdin?.isTTY);
    // Only the kind of exec that runs is loaded (a terminal session, or a demultiplexed exec), meanwhile the room.
    const loading = interactiveTerminal ? import('../../runtime/terminal/index.js') : import('../../runtime/containers/index.js');
    const room = await ctx.rt.room(argv.room);

    if (interactiveTerminal) {
      if (timeout !== undefined) throw new UsageError('--timeout works without --tty only');
      const out = process.stdout;
      const { ContainerTerminalSession, runInteractive } = (await loading) as typeof import('../../runtime/terminal/index.js');
      const session = await ContainerTerminalSession.create(ctx.rt, argv.container, {
        room,
        command: cmd,
        user: argv.user,
        workdir: argv.workdir,
        env,
        cols: out.isTTY ? out.columns : undefined,
        rows: out.isTTY ? out.rows : undefined,
      });
      const result = await runInteractive(session, { stdin: stdin as NodeJS.ReadStream, stdout: out });
      if (result.detached) {
        ctx.out.note(`berth: detached from ${session.command.join(' ')} in ${session.container.name}; it keeps running in the container`);
        return;
      }
      if (result.exitCode !== 0) throw new CommandExitError(result.exitCode);
      return;
    }

    // -i, or --tty with stdin not a terminal (a pipe): stdin is forwarded, output comes back demultiplexed.
    const forwardStdin = argv.interactive || argv.tty;
    if (!cmd.length && !forwardStdin) throw new UsageError('give a command after --, e.g. berth container exec web -- ls /; or use --tty for a shell');
    const streaming = argv.stream || forwardStdin;
    const json = ctx.out.json;
    const write = streaming && !json ? outputWriter(ctx) : undefined;
    const notFound = notFoundWatcher();
    const printer = write && ((stream: 'stdout' | 'stderr', chunk: Buffer) => (notFound.see(chunk.toString('utf8')), write(stream, chunk)));
    const { execCommand } = (await loading) as typeof import('../../runtime/containers/index.js');
    const result: ExecResult = await execCommand(ctx.rt, room, argv.container, cmd.length ? cmd : ['/bin/sh'], {
      env,
      user: argv.user,
      workdir: argv.workdir,
      timeout,
      signal: ctx.signal,
      stdin: forwardStdin && stdin ? (stdin as NodeJS.ReadStream) : undefined,
      onOutput: printer,
      collect: !printer,
    });
    if (json) ctx.out.jsonLine({ stdout: result.stdout, stderr: result.stderr, exit_code: result.exitCode, ...(result.timedOut ? { timed_out: true } : {}) }, 2);
    else if (!printer) {
      if (result.stdout) ctx.io.stdout.write(result.stdout);
      if (result.stderr) ctx.io.stderr.write(result.stderr);
    }
    if (result.timedOut) throw new BerthError(`the command timed out after ${argv.timeout}${/^\d+(\.\d+)?$/.test(argv.timeout!) ? 's' : ''} and was killed`, 'timeout');
    if (!printer) notFound.see(`${result.stdout ?? ''}${result.stderr ?? ''}`);
    if (result.exitCode !== 0) throw new CommandExitError(notFound.exitCode(result.exitCode));
  },
};
