// berth run IMAGE -- CMD...: a temporary container; streams its output, exits with its exit code, always removed.
import type { Readable } from 'node:stream';
import type { CommandModule } from 'yargs';
import { whileEngineAnswers } from '../runtime/engine/index.js';
import { CommandExitError, parseDuration } from '../runtime/core/index.js';
import { runJob } from '../runtime/containers/index.js';
import type { Args, GlobalArgs } from './context.js';
import { startFailure } from './container/command-not-found.js';
import { outputWriter, pullProgress } from './container/shared.js';
import { runOptionsBuilder, toRunOptions, type RunFlags } from './container/run.js';

export const runCommand: CommandModule<GlobalArgs, Args<Omit<RunFlags, 'detach'> & { timeout?: string; interactive: boolean }>> = {
  command: 'run <image> [command..]',
  describe: 'Run one command in a temporary container: output streamed, its exit code returned, the container removed',
  builder: (y) =>
    runOptionsBuilder(y)
      .option('timeout', { type: 'string', describe: 'Kill and remove it after this long (30, 30s, 5m); also bounds a wait in the agent\'s queue; exit code 7' })
      .option('interactive', { alias: 'i', type: 'boolean', default: false, describe: 'Feed berth\'s stdin to the command (EOF closes it)' }) as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const timeoutMs = argv.timeout !== undefined ? parseDuration(argv.timeout) : undefined;
    const room = await ctx.rt.room(argv.room);
    const options = { ...toRunOptions(argv as never, 1), timeoutMs, ...(argv.interactive && ctx.io.stdin ? { stdin: ctx.io.stdin as NodeJS.ReadableStream as Readable } : {}) };
    // Attached until the job ends: a hung engine ends it (exit 5) instead of leaving it waiting.
    const result = await whileEngineAnswers(ctx.rt, ctx.signal, (signal) =>
      runJob(ctx.rt, room, options, { signal, onPull: pullProgress(ctx), onOutput: outputWriter(ctx), onQueued: (why) => ctx.out.note(why) }),
    ).catch((err: unknown) => {
      throw startFailure(err);
    });
    if (result.exitCode !== 0) throw new CommandExitError(result.exitCode);
  },
};
