// berth container run IMAGE [-- CMD...]: create and start a container in the room; attached until it exits unless -d.
import type { CommandModule } from 'yargs';
import { type RunOptions, ContainerService } from '../../runtime/containers/index.js';
import { CancelledError, CommandExitError, parseDuration } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { collect, outputWriter, pullProgress, trailingCommand } from './shared.js';
import { logLimitOptions, resourceOptions } from '../flag-groups.js';

export interface RunFlags {
  image: string;
  command?: (string | number)[];
  /** Repeatable: yargs gives a string once, an array when repeated (not `array: true`, which would swallow the next positional). */
  env?: string | string[];
  envFile?: string;
  name?: string;
  tag?: string | string[];
  cpus?: string;
  memory?: string;
  pids?: string;
  port?: string | string[];
  mountPath?: string;
  mountSubpath?: string;
  agent?: string;
  role?: string;
  logMaxSize?: string;
  logMaxFiles?: string;
  detach: boolean;
  record?: boolean;
}

/** The flags `container run`, `berth run` and batch files share. */
export function runOptionsBuilder<T>(y: import('yargs').Argv<T>) {
  return y
    .positional('image', { type: 'string', demandOption: true, describe: 'Image reference (pulled when missing)' })
    .positional('command', { type: 'string', describe: 'Command to run instead of the image default (after --)' })
    .option('env', { alias: 'e', type: 'string', describe: 'KEY=VALUE (repeatable)' })
    .option('env-file', { type: 'string', describe: 'File of KEY=VALUE lines' })
    .option('name', { type: 'string', describe: 'Name in the room (default: generated)' })
    .option('tag', { type: 'string', describe: 'Tag for filtering (repeatable)' })
    .options(resourceOptions({ cpus: 'CPU limit, e.g. 0.5 or 2', memory: 'Memory limit, e.g. 512m or 1g', pids: 'Process count limit' }))
    .option('port', { alias: 'p', type: 'string', describe: 'Publish [address:]host:container[/tcp|udp] (repeatable); loopback unless an address is given' })
    .option('mount-path', { type: 'string', describe: 'Mount the room storage at this path in the container' })
    .option('mount-subpath', { type: 'string', describe: 'Mount only this directory of the room storage (Engine API 1.45+: docs/hostile-containers.md)' })
    .option('agent', { type: 'string', describe: 'Who starts it (default: BERTH_AGENT, then config defaultAgent); its limits and workspace apply' })
    .option('role', { type: 'string', describe: 'The agent\'s role (default: BERTH_ROLE)' })
    .options(logLimitOptions());
}

export function toRunOptions(argv: Args<RunFlags> & { _: (string | number)[] }, depth: number): RunOptions {
  return {
    image: argv.image,
    command: trailingCommand(argv, depth),
    env: collect(argv.env),
    envFile: argv.envFile,
    name: argv.name,
    tags: collect(argv.tag),
    cpus: argv.cpus,
    memory: argv.memory,
    pids: argv.pids,
    ports: collect(argv.port),
    mountPath: argv.mountPath,
    mountSubpath: argv.mountSubpath,
    agent: argv.agent,
    role: argv.role,
    logMaxSize: argv.logMaxSize,
    logMaxFiles: argv.logMaxFiles,
  };
}

export const containerRunCommand: CommandModule<GlobalArgs, Args<RunFlags>> = {
  command: 'run <image> [command..]',
  describe: 'Run a container in the room; stays attached to its output until it exits unless --detach (or -o json)',
  builder: (y) =>
    runOptionsBuilder(y)
      .option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'Print the id and return at once (Ctrl+C while attached also leaves it running)' })
      .option('timeout', { type: 'string', describe: 'How long to wait when the agent\'s limits queue the start (default 10m); exit code 7' })
      .option('record', { type: 'boolean', default: false, describe: 'Track it as a container record (berth records), its tags as the record\'s labels' }) as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const room = await ctx.rt.room(argv.room);
    const admissionTimeoutMs = (argv as { timeout?: string }).timeout !== undefined ? parseDuration((argv as { timeout?: string }).timeout!) : undefined;
    const c = await new ContainerService(ctx.rt).run(room, { ...toRunOptions(argv as never, 2), record: argv.record }, {
      signal: ctx.signal,
      onPull: pullProgress(ctx),
      admissionTimeoutMs,
      onQueued: (why) => ctx.out.note(why),
    });
    if (c.record !== undefined && !ctx.out.json && !ctx.out.options.quiet) ctx.out.note(`record ${c.record}`);
    if (argv.detach || ctx.out.json) {
      ctx.out.done(c.id, c, c.id);
      return;
    }
    // Like docker run: stream output until the container exits and return its exit code; the container is kept.
    const [{ whileEngineAnswers }, { followUntilExit }] = await Promise.all([import('../../runtime/engine/index.js'), import('../../runtime/containers/index.js')]);
    let code: number;
    try {
      // Attached for as long as the container runs: a hung engine ends it (exit 5) instead of leaving it waiting.
      code = await whileEngineAnswers(ctx.rt, ctx.signal, (signal) => followUntilExit(ctx.rt, c.id, { signal, onOutput: outputWriter(ctx) }));
    } catch (err) {
      if (ctx.signal.aborted) throw new CancelledError(`detached from ${c.name}; it keeps running (berth container stop ${c.name})`);
      throw err;
    }
    // This process saw the exit: the record says so at once, not only at the next records command.
    if (c.record !== undefined) await new (await import('../../runtime/records/index.js')).RecordService(ctx.rt).reconcile({ ids: [c.record] });
    if (code !== 0) throw new CommandExitError(code, `container ${c.name}`);
  },
};
