// berth container start CONTAINER
import type { CommandModule } from 'yargs';
import { ContainerService } from '../../runtime/containers.js';
import type { Args, GlobalArgs } from '../context.js';

export const containerStartCommand: CommandModule<GlobalArgs, Args<{ container: string }>> = {
  command: 'start <container>',
  describe: 'Start a stopped container',
  builder: (y) => y.positional('container', { type: 'string', demandOption: true, describe: 'Name, id or id prefix' }) as never,
  handler: async ({ ctx, room, container }) => {
    const c = await new ContainerService(ctx.rt).start(await ctx.rt.room(room), container);
    ctx.out.done(`started ${c.name} (${c.state})`, c, c.id);
  },
};
