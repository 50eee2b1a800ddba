// berth records update ID --status S: set an outcome (succeeded, failed, cancelled, archived) on a finished run.
import type { CommandModule } from 'yargs';
import { OUTCOME_STATUSES, RecordService, parseRecordId } from '../../runtime/records/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const recordsUpdateCommand: CommandModule<GlobalArgs, Args<{ id: string; status: string }>> = {
  command: 'update <id>',
  describe: 'Set the status of a record whose container has stopped (berth keeps the other statuses in line with Docker)',
  builder: (y) =>
    y
      .positional('id', { type: 'string', demandOption: true, describe: 'Record id' })
      .option('status', { type: 'string', demandOption: true, describe: `One of ${OUTCOME_STATUSES.join(', ')}` }) as never,
  handler: async ({ ctx, id, status }) => {
    const r = await new RecordService(ctx.rt).update(parseRecordId(id), { status: String(status) }, ctx.signal);
    ctx.out.done(`record ${r.id}: status ${r.status}`, r, String(r.id));
  },
};
