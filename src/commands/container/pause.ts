// berth container pause CONTAINER
import type { CommandModule } from 'yargs';
import { ContainerService } from '../../runtime/containers/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const containerPauseCommand: CommandModule<GlobalArgs, Args<{ container: string }>> = {
  command: 'pause <container>',
  describe: 'Freeze every process of a running container',
  builder: (y) => y.positional('container', { type: 'string', demandOption: true, describe: 'Name, id or id prefix' }) as never,
  handler: async ({ ctx, room, container }) => {
    const c = await new ContainerService(ctx.rt).pause(await ctx.rt.room(room), container);
    ctx.out.done(`paused ${c.name}`, c, c.id);
  },
};
