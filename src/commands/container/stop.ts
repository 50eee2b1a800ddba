// berth container stop CONTAINER... [--time S] [--force]
import type { CommandModule } from 'yargs';
import { ContainerService } from '../../runtime/containers/index.js';
import { parseWholeNumber } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { eachContainer } from './each.js';

export const containerStopCommand: CommandModule<GlobalArgs, Args<{ containers: string[]; time?: string; force: boolean }>> = {
  command: 'stop <containers..>',
  describe: 'Stop a container: SIGTERM, then SIGKILL after the grace time',
  builder: (y) =>
    y
      .positional('containers', { type: 'string', array: true, demandOption: true, describe: 'Names, ids or id prefixes' })
      .option('time', { alias: 't', type: 'string', describe: 'Seconds to wait before killing (default 10)' })
      .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Kill at once (SIGKILL)' }) as never,
  handler: async ({ ctx, room, containers, time, force }) => {
    const roomName = await ctx.rt.room(room);
    const seconds = time !== undefined ? parseWholeNumber('--time', time) : undefined;
    await eachContainer(ctx, containers, async (container) => {
      const c = await new ContainerService(ctx.rt).stop(roomName, container, { time: seconds, force });
      ctx.out.done(`${force ? 'killed' : 'stopped'} ${c.name} (${c.status})`, c, c.id);
    });
  },
};
