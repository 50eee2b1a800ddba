// berth approvals show ID: everything about one request, the command exactly as it will be spawned.
import type { CommandModule } from 'yargs';
import { ApprovalQueue } from '../../runtime/host-commands/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { parseRequestId, requestPairs } from './shared.js';

export const approvalsShowCommand: CommandModule<GlobalArgs, Args<{ id: string }>> = {
  command: ['show <id>', 'get <id>'],
  describe: 'Show one request: command, cwd, environment, caller, decision, exit code',
  builder: (y) => y.positional('id', { type: 'string', demandOption: true, describe: 'Request id' }) as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const queue = new ApprovalQueue(ctx.rt);
    const id = parseRequestId(argv.id);
    queue.settle();
    ctx.out.item(queue.get(id), requestPairs, (r) => String(r.id));
  },
};
