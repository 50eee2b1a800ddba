// berth service rollback NAME [--to REVISION]: deploy the previous spec again, with the same no-downtime update.
import type { CommandModule } from 'yargs';
import { DeployService } from '../../runtime/services/index.js';
import { parseWholeNumber } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { deployProgress, reportDeployFailure } from '../deploy.js';

export const serviceRollbackCommand: CommandModule<GlobalArgs, Args<{ name: string; to?: string }>> = {
  command: 'rollback <name>',
  describe: 'Return a service to its previous spec (or --to a kept revision) as a new revision',
  builder: (y) =>
    y
      .positional('name', { type: 'string', demandOption: true })
      .option('to', { type: 'string', describe: 'Revision to return to (default: the one before the active revision)' }) as never,
  handler: async ({ ctx, room, name, to }) => {
    const r = await ctx.rt.room(room);
    const target = to !== undefined ? parseWholeNumber('--to', to, 1) : undefined;
    let result;
    try {
      result = await new DeployService(ctx.rt).rollback(r, name, { to: target }, { signal: ctx.signal, onEvent: deployProgress(ctx) });
    } catch (err) {
      reportDeployFailure(ctx, err);
    }
    ctx.out.done(`rolled service ${name} back to the spec of revision ${result.rollbackOf} as revision ${result.revision} (${result.image})`, result, name);
    if (!ctx.out.json && !ctx.out.options.quiet) for (const line of result.changes ?? []) ctx.out.line(`  ${line}`);
  },
};
