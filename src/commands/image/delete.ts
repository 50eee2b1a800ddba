// berth image delete REF: drop the room's claim; the engine removes the name (or image) when no other room holds it.
import type { CommandModule } from 'yargs';
import { deleteImage } from '../../runtime/images/index.js';
import { shortId } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const imageDeleteCommand: CommandModule<GlobalArgs, Args<{ ref: string; force: boolean; all: boolean }>> = {
  command: ['delete <ref>', 'rm <ref>'],
  describe: 'Delete an image from the room (refused while a container uses it, unless --force; kept for other rooms that hold it)',
  builder: (y) =>
    y
      .positional('ref', { type: 'string', demandOption: true, describe: 'Image name or id' })
      .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Delete even when containers use it' })
      .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'Any image on the engine, not only the room\'s: removed for every room' }) as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const room = await ctx.rt.room(argv.room);
    const r = await deleteImage(ctx.rt, { room, ref: argv.ref, force: argv.force, all: argv.all });
    const what = r.deleted ? `deleted image ${shortId(r.id)}` : r.untagged.length ? `untagged ${r.untagged.join(', ')}` : `removed ${argv.ref} from room ${room}`;
    const kept = r.keptFor.length ? `; kept for room${r.keptFor.length === 1 ? '' : 's'} ${r.keptFor.join(', ')}` : '';
    ctx.out.done(`${what}${r.deleted && r.untagged.length ? ` (untagged ${r.untagged.join(', ')})` : ''}${kept}`, { ...r, room }, r.id);
  },
};
