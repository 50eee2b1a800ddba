// berth container stop CONTAINER [--time S] [--force]
import type { CommandModule } from 'yargs';
import { ContainerService } from '../../runtime/containers/index.js';
import { parseWholeNumber } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const containerStopCommand: CommandModule<GlobalArgs, Args<{ container: string; time?: string; force: boolean }>> = {
  command: 'stop <container>',
  describe: 'Stop a container: SIGTERM, then SIGKILL after the grace time',
  builder: (y) =>
    y
      .positional('container', { type: 'string', demandOption: true, describe: 'Name, id or id prefix' })
      .option('time', { alias: 't', type: 'string', describe: 'Seconds to wait before killing (default 10)' })
      .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Kill at once (SIGKILL)' }) as never,
  handler: async ({ ctx, room, container, time, force }) => {
    const c = await new ContainerService(ctx.rt).stop(await ctx.rt.room(room), container, { time: time !== undefined ? parseWholeNumber('--time', time) : undefined, force });
    ctx.out.done(`${force ? 'killed' : 'stopped'} ${c.name} (${c.status})`, c, c.id);
  },
};
