// berth container unpause CONTAINER
import type { CommandModule } from 'yargs';
import { ContainerService } from '../../runtime/containers/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const containerUnpauseCommand: CommandModule<GlobalArgs, Args<{ container: string }>> = {
  command: 'unpause <container>',
  describe: 'Resume a paused container',
  builder: (y) => y.positional('container', { type: 'string', demandOption: true, describe: 'Name, id or id prefix' }) as never,
  handler: async ({ ctx, room, container }) => {
    const c = await new ContainerService(ctx.rt).unpause(await ctx.rt.room(room), container);
    ctx.out.done(`unpaused ${c.name} (${c.state})`, c, c.id);
  },
};
