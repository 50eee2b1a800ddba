// berth container status CONTAINER: state, uptime, restarts, exit code, OOM-killed, last error.
import type { CommandModule } from 'yargs';
import { ContainerService } from '../../runtime/containers/index.js';
import { formatDuration } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const containerStatusCommand: CommandModule<GlobalArgs, Args<{ container: string }>> = {
  command: 'status <container>',
  describe: 'Show state, uptime, restart count, exit code, OOM-killed and last error',
  builder: (y) => y.positional('container', { type: 'string', demandOption: true, describe: 'Name, id or id prefix' }) as never,
  handler: async ({ ctx, room, container }) => {
    const s = await new ContainerService(ctx.rt).status(await ctx.rt.room(room), container, ctx.signal);
    ctx.out.item(
      s,
      (v) => [
        ['name', v.name],
        ['state', v.state],
        ['uptime', v.uptimeMs !== undefined ? formatDuration(v.uptimeMs) : '-'],
        ['started', v.startedAt ?? '-'],
        ['finished', v.finishedAt ?? '-'],
        ['restarts', String(v.restartCount)],
        ['exit code', v.exitCode === null ? '-' : String(v.exitCode)],
        ['oom killed', v.oomKilled ? 'yes' : 'no'],
        ['error', v.error || '-'],
        ...(v.health ? ([['health', v.health]] as [string, string][]) : []),
      ],
      (v) => v.id,
    );
  },
};
