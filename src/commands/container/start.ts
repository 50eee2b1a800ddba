// berth container start CONTAINER... [--timeout D]
import type { CommandModule } from 'yargs';
import { ContainerService } from '../../runtime/containers/index.js';
import { parseDuration } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { eachContainer } from './each.js';

export const containerStartCommand: CommandModule<GlobalArgs, Args<{ containers: string[]; timeout?: string }>> = {
  command: 'start <containers..>',
  describe: 'Start a stopped container (under its agent\'s limits)',
  builder: (y) =>
    y
      .positional('containers', { type: 'string', array: true, demandOption: true, describe: 'Names, ids or id prefixes' })
      .option('timeout', { type: 'string', describe: 'How long to wait when the agent\'s limits queue the start (default 10m); exit code 7' }) as never,
  handler: async ({ ctx, room, containers, timeout }) => {
    const roomName = await ctx.rt.room(room);
    await eachContainer(ctx, containers, async (container) => {
      const timeoutMs = timeout !== undefined ? parseDuration(timeout) : undefined;
      const c = await new ContainerService(ctx.rt).start(roomName, container, { timeoutMs, signal: ctx.signal, onQueued: (why) => ctx.out.note(why) });
      ctx.out.done(`started ${c.name} (${c.state})`, c, c.id);
    });
  },
};
