// Pull/push progress as people see it: the CLI's per-layer bars redrawn in place on a terminal (progressPrinter with
// an isTTY stderr), its plain lines when piped, and the dashboard's one pull line (pullLine).
import { describe, expect, it } from 'vitest';
import { pullLine } from '../../src/app/images-store.js';
import type { CliContext } from '../../src/commands/context.js';
import { progressBar, progressPrinter } from '../../src/commands/image/progress.js';
import { Output } from '../../src/commands/output.js';
import type { ProgressEvent } from '../../src/runtime/images/index.js';
import { waitFor } from '../support/helpers.js';

const KiB = 1024;

/** A CLI context whose stderr is a terminal (or a pipe); each write is kept apart. */
function context(isTTY: boolean, format: 'table' | 'json' = 'table') {
  const writes: string[] = [];
  const sink = { write: (t: string) => void writes.push(t), isTTY };
  const ctx = { out: new Output(sink, sink, { format, quiet: false }), io: { stdout: sink, stderr: sink } } as unknown as CliContext;
  return { ctx, writes };
}

describe('progressPrinter on a terminal', () => {
  it('draws one line per layer with a bar, then redraws the block in place (cursor up, clear line)', async () => {
    const { ctx, writes } = context(true);
    const printer = progressPrinter(ctx);
    printer.onEvent({ status: 'Pulling from team/app', id: '1' });
    printer.onEvent({ status: 'Pulling fs layer', id: 'aaa' });
    printer.onEvent({ status: 'Pulling fs layer', id: 'bbb' });
    // Events are batched into one draw.
    await waitFor(() => writes.length > 0, 'the first draw');
    expect(writes).toEqual(['\x1b[2K1: Pulling from team/app\n\x1b[2Kaaa: Pulling fs layer\n\x1b[2Kbbb: Pulling fs layer\n']);

    printer.onEvent({ status: 'Downloading', id: 'aaa', current: 512 * KiB, total: 1024 * KiB });
    printer.onEvent({ status: 'Downloading', id: 'bbb', progress: '[==>  ] 3kB/9kB' });
    printer.onEvent({ status: 'Digest: sha256:abc' });
    printer.finish();
    // The block moves up over its 3 lines and redraws them, each layer on its own row; a status without id is a row.
    expect(writes[1]).toBe(
      '\x1b[3A' +
        '\x1b[2K1: Pulling from team/app\n' +
        `\x1b[2Kaaa: Downloading [${'='.repeat(11)}>${' '.repeat(12)}] 512KiB/1.0MiB\n` +
        '\x1b[2Kbbb: Downloading [==>  ] 3kB/9kB\n' +
        '\x1b[2KDigest: sha256:abc\n',
    );
    // After finish nothing redraws over what is printed below the block.
    printer.onEvent({ status: 'Pull complete', id: 'aaa' });
    printer.finish();
    await new Promise((r) => setImmediate(r));
    expect(writes).toHaveLength(2);
  });

  it('progressBar: empty without a total, full at the end, never past full', () => {
    expect(progressBar(undefined, 100)).toBe('');
    expect(progressBar(5, 0)).toBe('');
    expect(progressBar(KiB, KiB)).toBe(`[${'='.repeat(23)}>] 1.0KiB/1.0KiB`);
    expect(progressBar(2 * KiB, KiB)).toBe(`[${'='.repeat(23)}>] 2.0KiB/1.0KiB`);
  });

  it('piped: one plain line per change of a layer\'s status, no escapes; -o json prints nothing', () => {
    const piped = context(false);
    const printer = progressPrinter(piped.ctx);
    for (const e of [
      { status: 'Waiting', id: 'aaa' },
      { status: 'Downloading', id: 'aaa', current: 1, total: 9 },
      { status: 'Downloading', id: 'aaa', current: 5, total: 9 },
      { status: 'Pull complete', id: 'aaa' },
    ] as ProgressEvent[]) printer.onEvent(e);
    printer.finish();
    expect(piped.writes).toEqual(['aaa: Downloading\n', 'aaa: Pull complete\n']);
    const json = context(true, 'json');
    progressPrinter(json.ctx).onEvent({ status: 'Downloading', id: 'aaa' });
    expect(json.writes).toEqual([]);
  });
});

describe('the dashboard\'s pull line', () => {
  it('counts finished layers of all seen and sums the bytes of the layers downloading', () => {
    const layers = new Map<string, ProgressEvent>([
      ['a', { status: 'Downloading', id: 'a', current: 300 * KiB, total: 1024 * KiB }],
      ['b', { status: 'Downloading', id: 'b', current: 100 * KiB, total: 1024 * KiB }],
      ['c', { status: 'Pull complete', id: 'c' }],
      ['d', { status: 'Already exists', id: 'd' }],
      ['e', { status: 'Download complete', id: 'e' }],
      ['f', { status: 'Waiting', id: 'f' }],
    ]);
    expect(pullLine('127.0.0.1:5000/app:1', layers)).toBe('pulling 127.0.0.1:5000/app:1: 3/6 layers, 400KiB/2.0MiB');
    expect(pullLine('app:1', new Map([['a', { status: 'Pulling fs layer', id: 'a' }]]))).toBe('pulling app:1: 0/1 layers');
  });
});
