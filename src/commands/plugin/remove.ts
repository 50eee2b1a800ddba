// berth plugin remove CODE@VERSION: unregister a release, its files and its image; refused while a record runs it.
import type { CommandModule } from 'yargs';
import { PluginService } from '../../runtime/plugins/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const pluginRemoveCommand: CommandModule<GlobalArgs, Args<{ release: string }>> = {
  command: ['remove <release>', 'rm <release>'],
  describe: 'Remove a plugin release and its image (records of its runs are kept); refused while one is running',
  builder: (y) => y.positional('release', { type: 'string', demandOption: true, describe: 'code@version' }) as never,
  handler: async ({ ctx, release }) => {
    const r = await new PluginService(ctx.rt).remove(release, { signal: ctx.signal });
    ctx.out.done(`removed ${r.release}${r.imageRemoved ? ` and image ${r.image}` : ''}`, r, r.release);
  },
};
