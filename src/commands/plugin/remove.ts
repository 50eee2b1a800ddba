// berth plugin remove CODE@VERSION: unregister a release, its files and its image; refused while a record runs it.
import type { CommandModule } from 'yargs';
import { PluginService } from '../../runtime/plugins/index.js';
import { plural } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const pluginRemoveCommand: CommandModule<GlobalArgs, Args<{ release: string }>> = {
  command: ['remove <release>', 'rm <release>'],
  describe: 'Remove a plugin release and its image (records of its runs are kept); refused while one is running',
  builder: (y) => y.positional('release', { type: 'string', demandOption: true, describe: 'code@version' }) as never,
  handler: async ({ ctx, release }) => {
    const r = await new PluginService(ctx.rt).remove(release, { signal: ctx.signal });
    ctx.out.done(`removed ${r.release}${r.imageRemoved ? ` and image ${r.image}` : ''}`, r, r.release);
    if (r.imageKept) {
      const { image, usedBy } = r.imageKept;
      const who = usedBy.length ? `${plural(usedBy.length, 'container')} still use${usedBy.length === 1 ? 's' : ''} it (${usedBy.slice(0, 3).join(', ')}${usedBy.length > 3 ? ', …' : ''})` : 'containers still use it';
      ctx.out.note(`kept image ${image}: ${who}; delete them (berth records delete, or berth container delete), then berth image delete ${image}`);
    }
  },
};
