// berth image tag SRC DST: give an image (by name or id) another name; the room holds the new name.
import type { CommandModule } from 'yargs';
import { tagImage } from '../../runtime/images/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const imageTagCommand: CommandModule<GlobalArgs, Args<{ source: string; target: string }>> = {
  command: 'tag <source> <target>',
  describe: 'Tag an image (name or id) with another name',
  builder: (y) =>
    y
      .positional('source', { type: 'string', demandOption: true, describe: 'Image name or id' })
      .positional('target', { type: 'string', demandOption: true, describe: 'New name, e.g. 127.0.0.1:5000/app:2' }) as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const room = await ctx.rt.room(argv.room);
    const tagged = await tagImage(ctx.rt, { room, source: argv.source, target: argv.target });
    ctx.out.done(`tagged ${argv.source} as ${tagged.ref}`, { ...tagged, room }, tagged.id);
  },
};
