// berth container kill CONTAINER... [--signal SIG]
import type { CommandModule } from 'yargs';
import { ContainerService } from '../../runtime/containers/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { eachContainer } from './each.js';

export const containerKillCommand: CommandModule<GlobalArgs, Args<{ containers: string[]; signal: string }>> = {
  command: 'kill <containers..>',
  describe: 'Send a signal to the main process (default SIGKILL)',
  builder: (y) =>
    y
      .positional('containers', { type: 'string', array: true, demandOption: true, describe: 'Names, ids or id prefixes' })
      .option('signal', { alias: 's', type: 'string', default: 'SIGKILL', describe: 'Signal name or number' }) as never,
  handler: async ({ ctx, room, containers, signal }) => {
    const roomName = await ctx.rt.room(room);
    await eachContainer(ctx, containers, async (container) => {
      const c = await new ContainerService(ctx.rt).kill(roomName, container, { signal });
      ctx.out.done(`sent ${signal} to ${c.name} (${c.state})`, c, c.id);
    });
  },
};
