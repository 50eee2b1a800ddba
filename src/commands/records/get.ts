// berth records get ID: one record, reconciled with its container first.
import type { CommandModule } from 'yargs';
import { RecordService, parseRecordId, recordFields } from '../../runtime/records/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const recordsGetCommand: CommandModule<GlobalArgs, Args<{ id: string }>> = {
  command: ['get <id>', 'inspect <id>'],
  describe: 'Show a record: status, exit code, container, release, params, env (secrets masked), metadata, labels',
  builder: (y) => y.positional('id', { type: 'string', demandOption: true, describe: 'Record id' }) as never,
  handler: async ({ ctx, id }) => {
    const r = await new RecordService(ctx.rt).get(parseRecordId(id), ctx.signal);
    ctx.out.item(r, recordFields, (v) => String(v.id));
  },
};
