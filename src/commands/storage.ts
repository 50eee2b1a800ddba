// berth storage: room storage and agent workspaces on the host, no container needed.
import type { CommandModule } from 'yargs';
import type { Args, GlobalArgs } from './context.js';
import { storageCpCommand } from './storage/cp.js';
import { storageLsCommand } from './storage/ls.js';
import { storageRmCommand } from './storage/rm.js';

export const storageCommand: CommandModule<GlobalArgs, Args> = {
  command: 'storage',
  describe: 'Room storage and agent workspaces (storage paths start with ":"; --agent A for the agent\'s workspace)',
  builder: (y) =>
    y
      .option('agent', { alias: 'A', type: 'string', describe: "The agent's workspace (<data>/workspaces/<room>/<agent>) instead of the room storage" })
      .command(storageLsCommand)
      .command(storageCpCommand)
      .command(storageRmCommand)
      .demandCommand(1, 'name a storage command: ls, cp or rm') as never,
  handler: () => {},
};
