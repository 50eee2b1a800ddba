// berth health: engine reachable, versions, swarm state, uptime, data dir; non-zero exit when the engine is down.
import type { CommandModule } from 'yargs';
import { EngineUnreachableError, formatBytes, formatDuration } from '../runtime/core/index.js';
import { checkHealth } from '../runtime/engine/index.js';
import type { Args, GlobalArgs } from './context.js';

export const healthCommand: CommandModule<GlobalArgs, Args> = {
  command: 'health',
  describe: 'Check the engine: reachable, versions, swarm state, uptime',
  handler: async ({ ctx }) => {
    const report = await checkHealth(ctx.rt);
    if (ctx.out.json) ctx.out.jsonLine(report, 2);
    else {
      ctx.out.item(report, (r) => [
        ['engine', r.engine.reachable ? 'reachable' : `unreachable: ${r.engine.error}`],
        ['endpoint', `${r.engine.endpoint} (${r.engine.source})`],
        ...(r.engine.reachable
          ? ([
              ['version', `${r.engine.version} (API ${r.engine.apiVersion}, ${r.engine.os})`],
              ['swarm', r.swarm],
              ['uptime', r.engineStarted ? formatDuration(Date.now() - Date.parse(r.engineStarted)) : 'unknown'],
              ['containers', `${r.containers?.running} running of ${r.containers?.total}`],
              ['data root', r.dataRoot ? `${r.dataRoot.path}: ${formatBytes(r.dataRoot.freeBytes)} free of ${formatBytes(r.dataRoot.totalBytes)} (${r.dataRoot.usedPercent}% used)` : 'unknown (remote engine)'],
            ] as [string, string][])
          : []),
        ['berth', r.berth.version],
        ['data dir', r.berth.dataDir],
        ['config dir', r.berth.configDir],
      ]);
    }
    if (report.dataRoot?.warning) ctx.out.note(`berth: warning: ${report.dataRoot.warning}`);
    if (!report.engine.reachable) {
      // The report went to stdout; the error line and exit code say the engine is down.
      throw new EngineUnreachableError(report.engine.endpoint, report.engine.error ?? 'unknown error');
    }
  },
};
