// berth image list: the room's images (pulled, built or tagged in it), or every image on the engine with --all.
import type { CommandModule } from 'yargs';
import { listImages } from '../../runtime/images/index.js';
import { shortId } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { imageColumns, imageRows } from './shared.js';

export const imageListCommand: CommandModule<GlobalArgs, Args<{ all: boolean; trunc: boolean }>> = {
  command: ['list', 'ls'],
  describe: 'List the room\'s images (name, id, size, created, containers using it; -o wide adds digest, rooms, labels)',
  builder: (y) =>
    y
      .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'Every image on the engine, not only the room\'s' })
      .option('trunc', { type: 'boolean', default: true, describe: 'Ids of 12 characters with -q, as docker prints them; --no-trunc for whole ids' }) as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const room = await ctx.rt.room(argv.room);
    const images = await listImages(ctx.rt, { room, all: argv.all, requireRoom: true, signal: ctx.signal });
    if (ctx.out.options.quiet) {
      for (const id of new Set(images.map((i) => (argv.trunc ? shortId(i.id) : i.id)))) ctx.out.line(id);
      return;
    }
    if (ctx.out.json) return ctx.out.jsonLine({ items: images, room, all: argv.all }, 2);
    ctx.out.list(imageRows(images), imageColumns, { id: (r) => r.image.id });
  },
};
