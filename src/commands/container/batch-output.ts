// How batch commands report: one row per item (table) or {"items": [...], "failed": N} (json), then fail if any failed.
import { batchFailure, type BatchItem, type BatchOptions } from '../../runtime/containers/index.js';
import type { CliContext } from '../context.js';
import type { Column } from '../output.js';

export function reportBatch<T>(ctx: CliContext, results: BatchItem<T>[], detail: (result: T) => string): void {
  const columns: Column<BatchItem<T>>[] = [
    { header: 'ITEM', value: (r) => r.item },
    { header: 'RESULT', value: (r) => (r.ok ? 'ok' : 'failed') },
    { header: 'DETAIL', value: (r) => [r.error, r.result !== undefined ? detail(r.result) : ''].filter(Boolean).join(': '), flex: true },
  ];
  ctx.out.list(results, columns, { id: (r) => r.item, extra: { failed: results.filter((r) => !r.ok).length } });
  const failure = batchFailure(results);
  if (failure) throw failure;
}

/** Progress on a terminal ("3/10 done"), nothing when piped or with --output json. */
export function batchProgress(ctx: CliContext): BatchOptions['onItem'] {
  if (!ctx.io.stderr.isTTY || ctx.out.json || ctx.out.options.quiet) return undefined;
  return (_item, done, total) => ctx.io.stderr.write(`\r\x1b[K${done}/${total} done${done === total ? '\n' : ''}`);
}
