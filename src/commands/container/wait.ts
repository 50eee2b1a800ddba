// berth container wait CONTAINER [--for running|exited] [--timeout T]: exit code 7 when the timeout passes first.
import type { CommandModule } from 'yargs';
import { ContainerService } from '../../runtime/containers/index.js';
import { parseDuration } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const containerWaitCommand: CommandModule<GlobalArgs, Args<{ container: string; for: 'running' | 'exited'; timeout?: string }>> = {
  command: 'wait <container>',
  describe: 'Wait until a container is running or has exited',
  builder: (y) =>
    y
      .positional('container', { type: 'string', demandOption: true, describe: 'Name, id or id prefix' })
      .option('for', { choices: ['running', 'exited'] as const, default: 'exited' as const, describe: 'The state to wait for' })
      .option('timeout', { type: 'string', describe: 'Give up after this long (30, 30s, 5m); exit code 7' }) as never,
  handler: async (argv) => {
    const { ctx, room, container, timeout } = argv;
    const timeoutMs = timeout !== undefined ? parseDuration(timeout) : undefined;
    const s = await new ContainerService(ctx.rt).wait(await ctx.rt.room(room), container, { for: argv.for, timeoutMs, signal: ctx.signal });
    ctx.out.done(`${s.name} is ${s.state}${s.exitCode !== null && !s.running ? ` (exit code ${s.exitCode})` : ''}`, s, s.id);
  },
};
