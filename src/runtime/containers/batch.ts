// Batch operations over many containers (create, delete, exec) with bounded concurrency: every item ends with a
// result or an error, including the ones never started because the batch was cancelled.
import fs from 'node:fs';
import path from 'node:path';
import type { RunOptions } from './container-create.js';
import { resolveLogLimits } from './log-limits.js';
import { ContainerService } from './containers.js';
import { BerthError, UsageError, type Runtime } from '../core/index.js';
import { execCommand } from './exec.js';

export interface BatchItem<T> {
  /** What the item was: a container name, ref, or "#3" for an unnamed create item. */
  item: string;
  ok: boolean;
  result?: T;
  error?: string;
}

export interface BatchOptions {
  /** How many items run at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  /** Called as each item finishes, for progress. */
  onItem?: (item: BatchItem<unknown>, done: number, total: number) => void;
}

/** Runs fn over items with at most `concurrency` in flight; never rejects: each item is a result or an error. */
export async function runBounded<I, R>(
  items: readonly I[],
  label: (item: I, index: number) => string,
  fn: (item: I, index: number) => Promise<R>,
  opts: BatchOptions = {},
): Promise<BatchItem<R>[]> {
  const concurrency = opts.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`invalid --concurrency "${concurrency}": use a whole number, 1 or more`);
  const results: BatchItem<R>[] = new Array(items.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      const item = items[index]!;
      if (opts.signal?.aborted) {
        results[index] = { item: label(item, index), ok: false, error: 'cancelled: not started' };
      } else {
        try {
          results[index] = { item: label(item, index), ok: true, result: await fn(item, index) };
        } catch (err) {
          results[index] = { item: label(item, index), ok: false, error: ((err as Error)?.message ?? String(err)).split('\n')[0] };
        }
      }
      opts.onItem?.(results[index]!, ++done, items.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** Reads a batch file: JSON or YAML (by extension, else tried as YAML, which also reads JSON), a list or {items: [...]}. */
export async function readBatchFile(file: string): Promise<unknown[]> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read --file "${file}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let data: unknown;
  try {
    if (path.extname(file).toLowerCase() === '.json') data = JSON.parse(text);
    else {
      // yaml ships CommonJS for node: bundled, its exports may sit under default.
      const yaml = (await import('yaml')) as typeof import('yaml') & { default?: typeof import('yaml') };
      data = (yaml.parse ?? yaml.default!.parse)(text);
    }
  } catch (err) {
    // A YAML parser's first line ends "at line N, column M:" before a snippet of the file: the line ends at the position.
    throw new UsageError(`cannot parse --file "${file}": ${((err as Error).message ?? '').split('\n')[0]!.replace(/:\s*$/, '')}`);
  }
  const items = Array.isArray(data) ? data : (data as { items?: unknown })?.items;
  if (!Array.isArray(items)) throw new UsageError(`--file "${file}" must hold a list, or an object with an "items" list`);
  return items;
}

const CREATE_FIELDS: Record<string, keyof RunOptions> = {
  image: 'image',
  command: 'command',
  env: 'env',
  env_file: 'envFile',
  envFile: 'envFile',
  name: 'name',
  tags: 'tags',
  tag: 'tags',
  cpus: 'cpus',
  memory: 'memory',
  pids: 'pids',
  ports: 'ports',
  port: 'ports',
  mount_path: 'mountPath',
  mountPath: 'mountPath',
  mount_subpath: 'mountSubpath',
  mountSubpath: 'mountSubpath',
  agent: 'agent',
  role: 'role',
  log_max_size: 'logMaxSize',
  logMaxSize: 'logMaxSize',
  log_max_files: 'logMaxFiles',
  logMaxFiles: 'logMaxFiles',
};

/** Turns one batch-file entry into RunOptions; unknown fields are an error for that item, not silently ignored. */
export function toCreateItem(entry: unknown): RunOptions {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new UsageError('each item must be an object with at least "image"');
  const opts: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) {
    const field = CREATE_FIELDS[key];
    if (!field) throw new UsageError(`unknown field "${key}" (use ${[...new Set(Object.values(CREATE_FIELDS))].join(', ')})`);
    opts[field] = value;
  }
  if (typeof opts.command === 'string') opts.command = ['sh', '-c', opts.command];
  for (const list of ['tags', 'ports'] as const) if (typeof opts[list] === 'string') opts[list] = [opts[list]];
  if (opts.env && typeof opts.env === 'object' && !Array.isArray(opts.env)) {
    opts.env = Object.fromEntries(Object.entries(opts.env).map(([k, v]) => [k, String(v)]));
  }
  if (typeof opts.image !== 'string') throw new UsageError('"image" is required');
  return opts as unknown as RunOptions;
}

export interface CreatedItem {
  id: string;
  name: string;
  state: string;
}

export async function batchCreate(
  rt: Runtime,
  room: string,
  entries: unknown[],
  opts: BatchOptions & { logs?: { logMaxSize?: string; logMaxFiles?: string } } = {},
): Promise<BatchItem<CreatedItem>[]> {
  if (opts.logs) await resolveLogLimits(rt, opts.logs); // a bad flag is one usage error, not one per item
  const service = new ContainerService(rt);
  const label = (entry: unknown, i: number) => {
    const name = (entry as { name?: unknown })?.name;
    return typeof name === 'string' ? name : `#${i + 1}`;
  };
  const results = await runBounded(
    entries,
    label,
    async (entry) => {
      // Flags give every item's log limits; an item's own log_max_size / log_max_files win.
      const c = await service.run(room, { ...opts.logs, ...toCreateItem(entry) }, { signal: opts.signal });
      return { id: c.id, name: c.name, state: c.state };
    },
    masked(rt, opts),
  );
  return maskReport(rt, results);
}

/** A batch report is output: every item's error and result is masked (progress callbacks get masked items too). */
function maskReport<T>(rt: Runtime, results: BatchItem<T>[]): BatchItem<T>[] {
  return results.map((r) => rt.mask.deep(r));
}

function masked(rt: Runtime, opts: BatchOptions): BatchOptions {
  const onItem = opts.onItem;
  return onItem ? { ...opts, onItem: (item, done, total) => onItem(rt.mask.deep(item), done, total) } : opts;
}

export async function batchDelete(
  rt: Runtime,
  room: string,
  refs: string[],
  opts: BatchOptions & { force?: boolean } = {},
): Promise<BatchItem<{ id: string; name: string }>[]> {
  const service = new ContainerService(rt);
  return maskReport(rt, await runBounded(refs, (ref) => ref, (ref) => service.delete(room, ref, { force: opts.force }), masked(rt, opts)));
}

export interface ExecItem {
  id: string;
  name: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs one command in many containers; a non-zero exit or a timeout makes that item failed, with its output kept. */
export async function batchExec(
  rt: Runtime,
  room: string,
  refs: string[],
  cmd: string[],
  opts: BatchOptions & { timeoutMs?: number } = {},
): Promise<BatchItem<ExecItem>[]> {
  if (!cmd.length) throw new UsageError('give a command to run: berth container batch exec NAME... -- CMD...');
  const results = await runBounded(
    refs,
    (ref) => ref,
    async (ref) => {
      const r = await execCommand(rt, room, ref, cmd, { timeout: opts.timeoutMs, signal: opts.signal });
      return { id: r.container.id, name: r.container.name, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, timedOut: r.timedOut };
    },
    masked(rt, opts),
  );
  return maskReport(rt, results).map((r) =>
    r.ok && (r.result!.exitCode !== 0 || r.result!.timedOut)
      ? { ...r, ok: false, error: r.result!.timedOut ? 'timed out' : `exited with code ${r.result!.exitCode}` }
      : r,
  );
}

/** The error a batch ends with when any item failed (after every item has been reported). */
export function batchFailure(results: BatchItem<unknown>[]): BerthError | undefined {
  const failed = results.filter((r) => !r.ok).length;
  return failed ? new BerthError(`${failed} of ${results.length} item${results.length === 1 ? '' : 's'} failed`, 'failure') : undefined;
}
