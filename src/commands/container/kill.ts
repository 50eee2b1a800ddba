// berth container kill CONTAINER [--signal SIG]
import type { CommandModule } from 'yargs';
import { ContainerService } from '../../runtime/containers/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const containerKillCommand: CommandModule<GlobalArgs, Args<{ container: string; signal: string }>> = {
  command: 'kill <container>',
  describe: 'Send a signal to the main process (default SIGKILL)',
  builder: (y) =>
    y
      .positional('container', { type: 'string', demandOption: true, describe: 'Name, id or id prefix' })
      .option('signal', { alias: 's', type: 'string', default: 'SIGKILL', describe: 'Signal name or number' }) as never,
  handler: async ({ ctx, room, container, signal }) => {
    const c = await new ContainerService(ctx.rt).kill(await ctx.rt.room(room), container, { signal });
    ctx.out.done(`sent ${signal} to ${c.name} (${c.state})`, c, c.id);
  },
};
