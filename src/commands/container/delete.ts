// berth container delete CONTAINER [--force]
import type { CommandModule } from 'yargs';
import { ContainerService } from '../../runtime/containers/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const containerDeleteCommand: CommandModule<GlobalArgs, Args<{ container: string; force: boolean }>> = {
  command: ['delete <container>', 'rm <container>'],
  describe: 'Remove a container and its anonymous volumes; refuses a running one unless --force',
  builder: (y) =>
    y
      .positional('container', { type: 'string', demandOption: true, describe: 'Name, id or id prefix' })
      .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Kill it first if it is running' }) as never,
  handler: async ({ ctx, room, container, force }) => {
    const r = await new ContainerService(ctx.rt).delete(await ctx.rt.room(room), container, { force });
    ctx.out.done(`deleted ${r.name} (${r.id.slice(0, 12)})`, r, r.id);
  },
};
