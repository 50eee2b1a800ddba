// berth container batch exec [CONTAINER...] [--file F] [--timeout T] [--concurrency N] -- CMD...
import type { CommandModule } from 'yargs';
import { UsageError, parseDuration, parseWholeNumber } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { batchRefs } from './batch-refs.js';

export const batchExecCommand: CommandModule<GlobalArgs, Args<{ containers?: string[]; file?: string; timeout?: string; concurrency: string }>> = {
  command: 'exec [containers..]',
  describe: 'Run one command in many running containers (names before --, the command after)',
  builder: (y) =>
    y
      .positional('containers', { type: 'string', array: true, describe: 'Names, ids or id prefixes' })
      .option('file', { type: 'string', describe: 'JSON or YAML list of names/ids' })
      .option('timeout', { type: 'string', describe: 'Kill each exec after this long (30, 30s, 5m)' })
      .option('concurrency', { alias: 'c', type: 'string', default: '4', describe: 'Items at once' }) as never,
  handler: async (argv) => {
    const [{ batchExec, readBatchFile }, { batchProgress, reportBatch }] = await Promise.all([import('../../runtime/containers/index.js'), import('./batch-output.js')]);
    const { ctx } = argv;
    // Words after `--` land in argv._ behind the command path (container batch exec).
    const cmd = argv._.slice(3).map(String);
    if (!cmd.length) throw new UsageError('give the command after --: berth container batch exec a b -- CMD...');
    const refs = await batchRefs(argv.containers, argv.file, readBatchFile);
    if (!refs.length) throw new UsageError('name the containers to run in, or give --file');
    const timeoutMs = argv.timeout !== undefined ? parseDuration(argv.timeout) : undefined;
    const results = await batchExec(ctx.rt, await ctx.rt.room(argv.room), refs, cmd, {
      timeoutMs,
      concurrency: parseWholeNumber('--concurrency', argv.concurrency, 1),
      signal: ctx.signal,
      onItem: batchProgress(ctx),
    });
    reportBatch(ctx, results, (r) => `exit ${r.exitCode}${r.stdout.trim() ? `: ${r.stdout.trim().split('\n').pop()}` : ''}`);
  },
};
