// berth approvals approve|deny ID [--reason TEXT]: a person's decision, refused for agents and without a terminal.
import type { CommandModule } from 'yargs';
import { ApprovalQueue, commandLine } from '../../runtime/host-commands/index.js';
import { assertPerson } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { parseRequestId } from './shared.js';

interface DecideArgs {
  id: string;
  reason?: string;
}

function decideCommand(verb: 'approve' | 'deny'): CommandModule<GlobalArgs, Args<DecideArgs>> {
  const status = verb === 'approve' ? 'approved' : 'denied';
  return {
    command: `${verb} <id>`,
    describe: verb === 'approve' ? 'Approve a pending request: its caller runs the command' : 'Deny a pending request: its caller exits with code 6',
    builder: (y) =>
      y
        .positional('id', { type: 'string', demandOption: true, describe: 'Request id (berth approvals list)' })
        .option('reason', { type: 'string', describe: verb === 'deny' ? 'Why, shown to the caller' : 'A note for the audit log' }) as never,
    handler: async (argv) => {
      const { ctx } = argv;
      assertPerson(ctx.rt, Boolean(ctx.io.stdin?.isTTY), 'deciding an approval', { action: `approval.${verb}`, target: `approval/${argv.id}` });
      const id = parseRequestId(argv.id);
      const req = new ApprovalQueue(ctx.rt).decide(id, status, { actor: ctx.rt.actor, ...(argv.reason ? { reason: argv.reason } : {}) });
      ctx.out.done(`${status} request ${req.id} (agent ${req.agent}, in ${req.cwd}): ${commandLine(req)}`, req, String(req.id));
    },
  };
}

export const approvalsApproveCommand = decideCommand('approve');
export const approvalsDenyCommand = decideCommand('deny');
