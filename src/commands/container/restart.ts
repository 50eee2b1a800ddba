// berth container restart CONTAINER... [--time S]
import type { CommandModule } from 'yargs';
import { ContainerService } from '../../runtime/containers/index.js';
import { parseWholeNumber } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { eachContainer } from './each.js';

export const containerRestartCommand: CommandModule<GlobalArgs, Args<{ containers: string[]; time?: string }>> = {
  command: 'restart <containers..>',
  describe: 'Restart a container (stop with a grace time, then start)',
  builder: (y) =>
    y
      .positional('containers', { type: 'string', array: true, demandOption: true, describe: 'Names, ids or id prefixes' })
      .option('time', { alias: 't', type: 'string', describe: 'Seconds to wait before killing (default 10)' }) as never,
  handler: async ({ ctx, room, containers, time }) => {
    const roomName = await ctx.rt.room(room);
    const seconds = time !== undefined ? parseWholeNumber('--time', time) : undefined;
    await eachContainer(ctx, containers, async (container) => {
      const c = await new ContainerService(ctx.rt).restart(roomName, container, { time: seconds });
      ctx.out.done(`restarted ${c.name} (${c.state})`, c, c.id);
    });
  },
};
