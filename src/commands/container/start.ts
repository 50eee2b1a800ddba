// berth container start CONTAINER [--timeout D]
import type { CommandModule } from 'yargs';
import { ContainerService } from '../../runtime/containers/index.js';
import { parseDuration } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const containerStartCommand: CommandModule<GlobalArgs, Args<{ container: string; timeout?: string }>> = {
  command: 'start <container>',
  describe: 'Start a stopped container (under its agent\'s limits)',
  builder: (y) =>
    y
      .positional('container', { type: 'string', demandOption: true, describe: 'Name, id or id prefix' })
      .option('timeout', { type: 'string', describe: 'How long to wait when the agent\'s limits queue the start (default 10m); exit code 7' }) as never,
  handler: async ({ ctx, room, container, timeout }) => {
    const timeoutMs = timeout !== undefined ? parseDuration(timeout) : undefined;
    const c = await new ContainerService(ctx.rt).start(await ctx.rt.room(room), container, { timeoutMs, signal: ctx.signal, onQueued: (why) => ctx.out.note(why) });
    ctx.out.done(`started ${c.name} (${c.state})`, c, c.id);
  },
};
