// berth container batch delete [CONTAINER...] [--file F] [--force] [--concurrency N]
import type { CommandModule } from 'yargs';
import { UsageError, parseWholeNumber } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { batchRefs } from './batch-refs.js';

export const batchDeleteCommand: CommandModule<GlobalArgs, Args<{ containers?: string[]; file?: string; force: boolean; concurrency: string }>> = {
  command: 'delete [containers..]',
  describe: 'Delete many containers (names/ids, or a file listing them)',
  builder: (y) =>
    y
      .positional('containers', { type: 'string', array: true, describe: 'Names, ids or id prefixes' })
      .option('file', { type: 'string', describe: 'JSON or YAML list of names/ids (or objects with "name")' })
      .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Also delete running containers' })
      .option('concurrency', { alias: 'c', type: 'string', default: '4', describe: 'Items at once' }) as never,
  handler: async ({ ctx, room, containers, file, force, concurrency }) => {
    const [{ batchDelete, readBatchFile }, { batchProgress, reportBatch }] = await Promise.all([import('../../runtime/containers/index.js'), import('./batch-output.js')]);
    const refs = await batchRefs(containers, file, readBatchFile);
    if (!refs.length) throw new UsageError('name the containers to delete, or give --file');
    const results = await batchDelete(ctx.rt, await ctx.rt.room(room), refs, { force, concurrency: parseWholeNumber('--concurrency', concurrency, 1), signal: ctx.signal, onItem: batchProgress(ctx) });
    reportBatch(ctx, results, (r) => `deleted ${r.id.slice(0, 12)}`);
  },
};
