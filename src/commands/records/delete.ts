// berth records delete ID [--time S | --force]: stop and remove the record's container, then delete the record.
import type { CommandModule } from 'yargs';
import { RecordService, parseRecordId } from '../../runtime/records/index.js';
import { shortId, parseWholeNumber } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const recordsDeleteCommand: CommandModule<GlobalArgs, Args<{ id: string; time?: string; force: boolean }>> = {
  command: ['delete <id>', 'rm <id>'],
  describe: 'Stop and remove the record\'s container (when it is still there), then delete the record',
  builder: (y) =>
    y
      .positional('id', { type: 'string', demandOption: true, describe: 'Record id' })
      .option('time', { alias: 't', type: 'string', describe: 'Seconds to wait for a graceful stop before killing (default 10)' })
      .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Kill the container at once instead of stopping it' }) as never,
  handler: async ({ ctx, id, time, force }) => {
    const r = await new RecordService(ctx.rt).delete(parseRecordId(id), {
      time: time !== undefined ? parseWholeNumber('--time', time, 0) : undefined,
      force,
      signal: ctx.signal,
    });
    const what = r.containerRemoved && r.containerId ? ` and its container ${r.name} (${shortId(r.containerId)})` : '';
    ctx.out.done(`deleted record ${r.id}${what}`, { id: r.id, containerId: r.containerId, containerRemoved: r.containerRemoved }, String(r.id));
  },
};
