// What the file-transfer commands share: progress on a terminal, binary stdout, --file LOCAL[:REMOTE] parsing.
import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { formatBytes, UsageError } from '../../runtime/core/index.js';
import type { CliContext } from '../context.js';

/** A throttled one-line progress on stderr, only on a terminal and never with --output json or -q. */
export function transferProgress(ctx: CliContext, verb: string): { update: (bytes: number, total?: number) => void; done: () => void } {
  if (!ctx.io.stderr.isTTY || ctx.out.json || ctx.out.options.quiet) return { update: () => {}, done: () => {} };
  let last = 0;
  let shown = false;
  return {
    update: (bytes, total) => {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      shown = true;
      const pct = total ? ` (${Math.min(100, Math.floor((bytes / total) * 100))}%)` : '';
      ctx.io.stderr.write(`\r\x1b[K${verb} ${formatBytes(bytes)}${total ? ` of ${formatBytes(total)}` : ''}${pct}`);
    },
    done: () => {
      if (shown) ctx.io.stderr.write('\r\x1b[K');
    },
  };
}

/** stdout as a byte stream: the process's own when it is one, else (tests) a UTF-8 adapter over the sink. */
export function binaryStdout(ctx: CliContext): Writable {
  const out = ctx.io.stdout as unknown;
  if (out instanceof Writable) return out;
  const sink = ctx.io.stdout;
  const decoder = new StringDecoder('utf8');
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      const text = decoder.write(chunk);
      if (text) sink.write(text);
      cb();
    },
    final(cb) {
      const rest = decoder.end();
      if (rest) sink.write(rest);
      cb();
    },
  });
}

/** `LOCAL[:REMOTE]`: the last colon splits, so a local path may hold colons when REMOTE is given. */
export function parseFileSpec(spec: string): { local: string; remote?: string } {
  if (!spec) throw new UsageError('invalid --file "": use LOCAL[:REMOTE]');
  const colon = spec.lastIndexOf(':');
  if (colon <= 0) return { local: spec };
  const remote = spec.slice(colon + 1);
  if (!remote) throw new UsageError(`invalid --file "${spec}": nothing after ":" (use LOCAL or LOCAL:REMOTE)`);
  return { local: spec.slice(0, colon), remote };
}
