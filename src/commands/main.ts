// The root yargs parser: global options, command groups, and main(argv) which throws instead of exiting.
import yargs, { type Argv, type CommandModule } from 'yargs';
import { UsageError } from '../runtime/errors.js';
import { berthVersion } from '../runtime/health.js';
import { Masker } from '../runtime/mask.js';
import { resolvePaths } from '../runtime/paths.js';
import { Runtime } from '../runtime/runtime.js';
import { agentCommand } from './agent.js';
import { approvalsCommand } from './approvals.js';
import { auditCommand } from './audit.js';
import { buildCommand } from './build.js';
import { completeCommand } from './complete.js';
import { completionCommand } from './completion.js';
import { containerCommand } from './container.js';
import { deployCommand } from './deploy.js';
import type { CliContext, CliIo, GlobalArgs } from './context.js';
import { healthCommand } from './health.js';
import { imageCommand } from './image.js';
import { Output } from './output.js';
import { registryCommand } from './registry.js';
import { proxyCommand } from './proxy.js';
import { roomCommand } from './room.js';
import { runCommand } from './run.js';
import { secretCommand } from './secret.js';
import { serviceCommand } from './service.js';
import { shellCommand } from './shell.js';
import { storageCommand } from './storage.js';
import { trustCommand } from './trust.js';

export const commands: CommandModule<GlobalArgs, any>[] = [healthCommand, roomCommand, containerCommand, runCommand, imageCommand, buildCommand, registryCommand, storageCommand, trustCommand, agentCommand, auditCommand, completionCommand, completeCommand, shellCommand, approvalsCommand, secretCommand, deployCommand, serviceCommand, proxyCommand];


export interface MainOptions {
  io?: CliIo;
  signal?: AbortSignal;
  /** Called with the runtime once it exists, so the caller can close it. */
  onRuntime?: (rt: Runtime) => void;
}

export function buildParser(args: string[], io: CliIo, signal: AbortSignal, onContext: (ctx: CliContext) => void): Argv<GlobalArgs> {
  const width = io.stdout.columns ?? 100;
  let parser = yargs(args)
    .scriptName('berth')
    .usage('$0 [command]\n\nRoom-scoped containers for people and AI agents. Run with no command on a terminal for the dashboard.')
    .option('host', { alias: 'H', type: 'string', describe: 'Docker engine (unix://, tcp://, ssh://); default DOCKER_HOST, docker context, local socket' })
    .option('output', { alias: 'o', choices: ['table', 'wide', 'json'] as const, default: 'table' as const, describe: 'Output format' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Print ids only' })
    .option('room', { alias: 'r', type: 'string', describe: 'Room (default BERTH_ROOM, then config)' })
    .option('debug', { type: 'boolean', default: false, describe: 'Print stack traces on errors' })
    .middleware((argv) => {
      const ctx: CliContext = {
        rt: new Runtime({ host: argv.host as string | undefined, env: io.env ?? process.env }),
        out: new Output(io.stdout, io.stderr, {
          format: argv.output as 'table' | 'wide' | 'json',
          quiet: Boolean(argv.quiet),
          columns: io.stdout.isTTY ? io.stdout.columns : undefined,
        }),
        io,
        signal,
      };
      onContext(ctx);
      (argv as unknown as GlobalArgs).ctx = ctx;
    })
    .version('version', 'Show berth version', berthVersion)
    .help('help')
    .alias('help', 'h')
    .strict()
    .demandCommand(1, 'name a command: berth --help lists them')
    .recommendCommands()
    .exitProcess(false)
    .wrap(Math.min(width, 120))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    }) as unknown as Argv<GlobalArgs>;
  for (const command of commands) parser = parser.command(command);
  return parser;
}

/** Runs one berth command line. Never exits the process: errors are thrown for bin/berth to map to exit codes. */
export async function main(args: string[], options: MainOptions = {}): Promise<void> {
  const io: CliIo = options.io ?? { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
  const signal = options.signal ?? new AbortController().signal;
  let ctx: CliContext | undefined;
  const parser = buildParser(args, io, signal, (c) => {
    ctx = c;
    options.onRuntime?.(c.rt);
  });
  let helpText = '';
  try {
    await parser.parseAsync(args, {}, (_err, _argv, output) => {
      helpText = output;
    });
    if (helpText) io.stdout.write(`${helpText}\n`);
  } catch (err) {
    // Error messages are output too: a value echoed back (a URL, a token) is masked before anyone prints it.
    const env = io.env ?? process.env;
    throw (ctx?.rt.mask ?? new Masker({ dataDir: resolvePaths(env).dataDir, env })).error(err);
  } finally {
    ctx?.rt.close();
  }
}
