// berth container restart CONTAINER [--time S]
import type { CommandModule } from 'yargs';
import { ContainerService } from '../../runtime/containers/index.js';
import { parseWholeNumber } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const containerRestartCommand: CommandModule<GlobalArgs, Args<{ container: string; time?: string }>> = {
  command: 'restart <container>',
  describe: 'Restart a container (stop with a grace time, then start)',
  builder: (y) =>
    y
      .positional('container', { type: 'string', demandOption: true, describe: 'Name, id or id prefix' })
      .option('time', { alias: 't', type: 'string', describe: 'Seconds to wait before killing (default 10)' }) as never,
  handler: async ({ ctx, room, container, time }) => {
    const c = await new ContainerService(ctx.rt).restart(await ctx.rt.room(room), container, { time: time !== undefined ? parseWholeNumber('--time', time) : undefined });
    ctx.out.done(`restarted ${c.name} (${c.state})`, c, c.id);
  },
};
