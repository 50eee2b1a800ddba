// berth service logs NAME [--follow --tail --since --timestamps]: the service's containers merged, each line prefixed;
// a follow picks up the containers a later deploy starts.
import type { CommandModule } from 'yargs';
import { serviceLogBatches } from '../../runtime/services/index.js';
import { parseTail } from '../../runtime/containers/index.js';
import type { Args, GlobalArgs } from '../context.js';

interface LogsArgs {
  name: string;
  follow: boolean;
  tail?: string;
  since?: string;
  timestamps: boolean;
}

export const serviceLogsCommand: CommandModule<GlobalArgs, Args<LogsArgs>> = {
  command: 'logs <name>',
  describe: "Print a service's logs, its containers merged (each line prefixed with the container)",
  builder: (y) =>
    y
      .positional('name', { type: 'string', demandOption: true })
      .option('follow', { alias: 'f', type: 'boolean', default: false, describe: 'Keep printing new lines, containers of later revisions too, until Ctrl+C' })
      .option('tail', { type: 'string', describe: 'Only the last N lines of each container ("all" for everything)' })
      .option('since', { type: 'string', describe: 'Only lines since a duration (10m), RFC 3339 time or unix timestamp' })
      .option('timestamps', { alias: 't', type: 'boolean', default: false, describe: 'Prefix each line with its time' }) as never,
  handler: async ({ ctx, room, name, follow, tail, since, timestamps }) => {
    const batches = serviceLogBatches(ctx.rt, await ctx.rt.room(room), name, { follow, tail: parseTail(tail), since, timestamps, signal: ctx.signal });
    for await (const batch of batches) {
      let out = '';
      let err = '';
      for (const l of batch) {
        const text = `${l.container} | ${timestamps && l.time ? `${l.time} ` : ''}${l.text}\n`;
        if (l.stream === 'stderr') err += text;
        else out += text;
      }
      if (out) ctx.io.stdout.write(out);
      if (err) ctx.io.stderr.write(err);
    }
  },
};
