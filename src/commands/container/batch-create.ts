// berth container batch create --file F [--concurrency N]
import type { CommandModule } from 'yargs';
import { parseWholeNumber } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { logLimitOptions } from '../flag-groups.js';

export const batchCreateCommand: CommandModule<GlobalArgs, Args<{ file: string; concurrency: string; logMaxSize?: string; logMaxFiles?: string }>> = {
  command: 'create',
  describe: 'Create and start containers from a JSON/YAML file (a list of run options: image, name, env, ...)',
  builder: (y) =>
    y
      .option('file', { type: 'string', demandOption: true, describe: 'JSON or YAML list (or {items: [...]})' })
      .option('concurrency', { alias: 'c', type: 'string', default: '4', describe: 'Items at once' })
      .options(logLimitOptions({ maxSize: 'Largest log file of each container (default 10m; an item\'s log_max_size wins)', maxFiles: 'Log files kept per container (default 3; an item\'s log_max_files wins)' })) as never,
  handler: async ({ ctx, room, file, concurrency, logMaxSize, logMaxFiles }) => {
    const [{ batchCreate, readBatchFile }, { batchProgress, reportBatch }] = await Promise.all([import('../../runtime/containers/index.js'), import('./batch-output.js')]);
    const entries = await readBatchFile(file);
    const results = await batchCreate(ctx.rt, await ctx.rt.room(room), entries, { concurrency: parseWholeNumber('--concurrency', concurrency, 1), logs: { logMaxSize, logMaxFiles }, signal: ctx.signal, onItem: batchProgress(ctx) });
    reportBatch(ctx, results, (r) => `${r.name} ${r.id.slice(0, 12)} ${r.state}`);
  },
};
