// berth trust: trusted patterns, the allow and deny rules that let a host command skip the approval queue.
import type { CommandModule } from 'yargs';
import type { Args, GlobalArgs } from './context.js';
import { trustAddCommand } from './trust/add.js';
import { trustCheckCommand } from './trust/check.js';
import { trustListCommand } from './trust/list.js';
import { trustRemoveCommand } from './trust/remove.js';

export const trustCommand: CommandModule<GlobalArgs, Args> = {
  command: 'trust',
  describe: 'Trusted patterns: rules over parsed host commands that auto-approve (or refuse) a berth shell request',
  builder: (y) =>
    y
      .command(trustListCommand)
      .command(trustAddCommand)
      .command(trustRemoveCommand)
      .command(trustCheckCommand)
      .demandCommand(1, 'name a trust command: list, add, remove or check') as never,
  handler: () => {},
};
