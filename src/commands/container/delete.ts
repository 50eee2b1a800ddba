// berth container delete CONTAINER... [--force]
import type { CommandModule } from 'yargs';
import { ContainerService } from '../../runtime/containers/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { eachContainer } from './each.js';

export const containerDeleteCommand: CommandModule<GlobalArgs, Args<{ containers: string[]; force: boolean }>> = {
  command: ['delete <containers..>', 'rm <containers..>'],
  describe: 'Remove a container and its anonymous volumes; refuses a running one unless --force',
  builder: (y) =>
    y
      .positional('containers', { type: 'string', array: true, demandOption: true, describe: 'Names, ids or id prefixes' })
      .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Kill it first if it is running' }) as never,
  handler: async ({ ctx, room, containers, force }) => {
    const roomName = await ctx.rt.room(room);
    await eachContainer(ctx, containers, async (container) => {
      const r = await new ContainerService(ctx.rt).delete(roomName, container, { force });
      ctx.out.done(`deleted ${r.name} (${r.id.slice(0, 12)})`, r, r.id);
    });
  },
};
