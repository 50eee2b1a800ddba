// berth approvals: the approval queue for host shell commands (list, show, approve, deny, watch).
import type { CommandModule } from 'yargs';
import type { Args, GlobalArgs } from './context.js';
import { approvalsApproveCommand, approvalsDenyCommand } from './approvals/decide.js';
import { approvalsListCommand } from './approvals/list.js';
import { approvalsShowCommand } from './approvals/show.js';
import { approvalsWatchCommand } from './approvals/watch.js';

export const approvalsCommand: CommandModule<GlobalArgs, Args> = {
  command: ['approvals', 'approval'],
  describe: 'The approval queue: host commands agents asked to run (berth shell), waiting for a person',
  builder: (y) =>
    y
      .command(approvalsListCommand)
      .command(approvalsShowCommand)
      .command(approvalsApproveCommand)
      .command(approvalsDenyCommand)
      .command(approvalsWatchCommand)
      .demandCommand(1, 'name an approvals command: list, show, approve, deny or watch') as never,
  handler: () => {},
};
