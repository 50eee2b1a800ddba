// berth approvals list [-a] [--status S] [--agent A] [--limit N]
import type { CommandModule } from 'yargs';
import { APPROVAL_STATUSES, ApprovalQueue, type ApprovalStatus } from '../../runtime/host-commands/index.js';
import { UsageError, parseWholeNumber, validateIdentity } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { approvalColumns } from './shared.js';

interface ListArgs {
  all: boolean;
  status?: ApprovalStatus;
  agent?: string;
  limit?: string;
}

export const approvalsListCommand: CommandModule<GlobalArgs, Args<ListArgs>> = {
  command: ['list', 'ls'],
  describe: 'List pending requests (-a: all, newest last)',
  builder: (y) =>
    y
      .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'Every request, decided ones too' })
      .option('status', { type: 'string', describe: `Only requests in this state: ${APPROVAL_STATUSES.join(', ')}` })
      .option('agent', { type: 'string', describe: 'Only this agent\'s requests' })
      .option('limit', { type: 'string', describe: 'At most this many, the newest (default 100 with -a)' }) as never,
  handler: async (argv) => {
    const { ctx } = argv;
    if (argv.status !== undefined && !APPROVAL_STATUSES.includes(argv.status)) {
      throw new UsageError(`invalid --status "${argv.status}": use one of ${APPROVAL_STATUSES.join(', ')}`);
    }
    const limit = argv.limit !== undefined ? parseWholeNumber('--limit', argv.limit, 1) : argv.all || argv.status ? 100 : undefined;
    const rows = new ApprovalQueue(ctx.rt).list({
      status: argv.status ?? (argv.all ? undefined : 'pending'),
      ...(argv.agent ? { agent: validateIdentity(argv.agent, '--agent') } : {}),
      ...(limit ? { limit } : {}),
    });
    ctx.out.list(rows, approvalColumns, { id: (r) => String(r.id) });
  },
};
