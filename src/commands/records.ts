// berth records: container records (integer ids) of plugin runs and `container run --record`, kept in SQLite.
import type { CommandModule } from 'yargs';
import type { Args, GlobalArgs } from './context.js';
import { recordsDeleteCommand } from './records/delete.js';
import { recordsGetCommand } from './records/get.js';
import { recordsListCommand } from './records/list.js';
import { recordsUpdateCommand } from './records/update.js';

export const recordsCommand: CommandModule<GlobalArgs, Args> = {
  command: ['records', 'record'],
  describe: 'Container records: tracked containers with integer ids, filters, pages and a total; status follows Docker',
  builder: (y) =>
    y
      .command(recordsListCommand)
      .command(recordsGetCommand)
      .command(recordsUpdateCommand)
      .command(recordsDeleteCommand)
      .demandCommand(1, 'name a records command: berth records --help lists them') as never,
  handler: () => {},
};
