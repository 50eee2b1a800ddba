// berth image inspect REF: config, labels, layers and history of one image.
import type { CommandModule } from 'yargs';
import { formatAge, formatBytes } from '../../runtime/core/index.js';
import { inspectImage } from '../../runtime/images/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const imageInspectCommand: CommandModule<GlobalArgs, Args<{ ref: string }>> = {
  command: ['inspect <ref>', 'get <ref>'],
  describe: 'Show one image: names, digest, config, labels, layers and history',
  builder: (y) => y.positional('ref', { type: 'string', demandOption: true, describe: 'Image name or id' }) as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const room = await ctx.rt.room(argv.room);
    const d = await inspectImage(ctx.rt, { room, ref: argv.ref });
    if (ctx.out.json || ctx.out.options.quiet) return ctx.out.item(d, () => [], (v) => v.id);
    ctx.out.item(d, (v) => [
      ['id', v.id],
      ['names', v.tags.join(', ') || '<none>'],
      ['digests', v.digests.join(', ') || '-'],
      ['size', formatBytes(v.size)],
      ['created', `${v.created} (${formatAge(v.created)})`],
      ['platform', `${v.os}/${v.architecture}`],
      ['entrypoint', v.entrypoint.join(' ') || '-'],
      ['cmd', v.cmd.join(' ') || '-'],
      ['workdir', v.workdir || '-'],
      ['ports', v.exposedPorts.join(', ') || '-'],
      ['rooms', v.rooms.join(', ') || '-'],
      ['used by', v.usedBy.join(', ') || '-'],
      ['labels', Object.entries(v.labels).map(([k, val]) => `${k}=${val}`).join(', ') || '-'],
      ['layers', String(v.layers.length)],
    ]);
    ctx.out.line();
    ctx.out.line('HISTORY');
    for (const h of d.history) {
      const step = h.createdBy.replace(/^\/bin\/sh -c #\(nop\) +/, '').replace(/\s+/g, ' ').trim();
      ctx.out.line(`${formatAge(h.created).padEnd(12)} ${formatBytes(h.size).padStart(8)}  ${step.slice(0, 110)}`);
    }
  },
};
