// berth secret: the secret command group (values from stdin or a hidden prompt, never from a flag).
import type { CommandModule } from 'yargs';
import type { Args, GlobalArgs } from './context.js';
import { secretDeleteCommand } from './secret/delete.js';
import { secretListCommand } from './secret/list.js';
import { secretSetCommand } from './secret/set.js';

export const secretCommand: CommandModule<GlobalArgs, Args> = {
  command: 'secret',
  describe: 'Secrets for services (--env-secret): set from stdin or a prompt, list names and dates, delete',
  builder: (y) =>
    y
      .command(secretSetCommand)
      .command(secretListCommand)
      .command(secretDeleteCommand)
      .demandCommand(1, 'name a secret command: set, list or delete') as never,
  handler: () => {},
};
