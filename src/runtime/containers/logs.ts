// Container logs as async iterables of lines: stdout and stderr kept apart (non-TTY streams demultiplexed from
// Docker's 8-byte frame headers), follow ending when the container exits, stopped by an AbortSignal.
import { StringDecoder } from 'node:string_decoder';
import { ContainerService } from './containers.js';
import { UsageError, type Runtime, compareText } from '../core/index.js';

export type LogStreamName = 'stdout' | 'stderr';

export interface LogLine {
  stream: LogStreamName;
  text: string;
  /** RFC 3339 time Docker recorded for the line; with `timestamps`, and always when following. */
  time?: string;
}

export interface LogOptions {
  /** Keep streaming new lines until the container exits or the signal aborts. */
  follow?: boolean;
  /** Only the last N lines of what is already logged; 'all' (default) for everything. */
  tail?: number | 'all';
  /** Only lines since: a duration ("10m", "2h", "30s"), an RFC 3339 time or a unix timestamp. */
  since?: string;
  /**
   * Continue a log already read up to a line (after the engine went away and came back): lines from that line's
   * time on, less the `seen` lines stamped with exactly that time that the reader already has. Overrides tail/since.
   */
  after?: { time: string; seen: number };
  /** Ask Docker for each line's time (returned in `time`, never mixed into `text`). */
  timestamps?: boolean;
  signal?: AbortSignal;
}

/** Parses --tail: a non-negative integer or "all". */
export function parseTail(value: string | number | undefined): number | 'all' {
  if (value === undefined || value === 'all') return 'all';
  const n = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`invalid --tail "${value}": use a number of lines or "all"`);
  return n;
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Turns --since into the unix seconds the Engine API wants; a bad value is a UsageError. */
export function parseSince(value: string, now = Date.now()): number {
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const duration = DURATION.exec(trimmed);
  if (duration) return (now - Number(duration[1]) * UNIT_MS[duration[2]!]!) / 1000;
  const time = Date.parse(trimmed);
  if (Number.isFinite(time)) return time / 1000;
  throw new UsageError(`invalid --since "${value}": use a duration (10m, 2h), an RFC 3339 time or a unix timestamp`);
}

/**
 * Splits Docker's log byte stream into lines. Non-TTY streams are multiplexed: each frame is an 8-byte header
 * (stream type, 3 zero bytes, big-endian payload length) then the payload. Frames and UTF-8 characters may be cut
 * across chunks, and a long line may span frames, so partial state is kept per stream.
 */
export class LogDecoder {
  private header = Buffer.alloc(8);
  private headerFill = 0;
  private frameStream: LogStreamName = 'stdout';
  private frameLeft = 0;
  private readonly partial: Record<LogStreamName, string> = { stdout: '', stderr: '' };
  private readonly decoders: Record<LogStreamName, StringDecoder> = {
    stdout: new StringDecoder('utf8'),
    stderr: new StringDecoder('utf8'),
  };

  constructor(
    private readonly multiplexed: boolean,
    private readonly timestamps: boolean,
  ) {}

  /** Lines completed by this chunk, in order. */
  push(chunk: Buffer): LogLine[] {
    const out: LogLine[] = [];
    if (!this.multiplexed) {
      this.payload('stdout', chunk, 0, chunk.length, out);
      return out;
    }
    let pos = 0;
    const len = chunk.length;
    while (pos < len) {
      if (this.frameLeft === 0) {
        // Fast path: a whole header in this chunk.
        if (this.headerFill === 0 && len - pos >= 8) {
          this.frameStream = chunk[pos] === 2 ? 'stderr' : 'stdout';
          this.frameLeft = chunk.readUInt32BE(pos + 4);
          pos += 8;
        } else {
          const take = Math.min(8 - this.headerFill, len - pos);
          chunk.copy(this.header, this.headerFill, pos, pos + take);
          this.headerFill += take;
          pos += take;
          if (this.headerFill < 8) break;
          this.headerFill = 0;
          this.frameStream = this.header[0] === 2 ? 'stderr' : 'stdout';
          this.frameLeft = this.header.readUInt32BE(4);
        }
        continue;
      }
      const end = Math.min(len, pos + this.frameLeft);
      this.payload(this.frameStream, chunk, pos, end, out);
      this.frameLeft -= end - pos;
      pos = end;
    }
    return out;
  }

  /** Whatever is left without a final newline, once the stream has ended. */
  end(): LogLine[] {
    const out: LogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.partial[stream] + this.decoders[stream].end();
      this.partial[stream] = '';
      if (rest) out.push(this.line(stream, rest));
    }
    return out;
  }

  private payload(stream: LogStreamName, chunk: Buffer, start: number, end: number, out: LogLine[]): void {
    if (start >= end) return;
    let text: string;
    // Fast path (the common case for Docker log frames): one whole line, so no UTF-8 character can be cut.
    if (!this.partial[stream] && chunk[end - 1] === 0x0a && !(this.decoders[stream] as unknown as { lastNeed: number }).lastNeed) {
      text = chunk.toString('utf8', start, end);
    } else {
      text = this.partial[stream] + this.decoders[stream].write(chunk.subarray(start, end));
      this.partial[stream] = '';
    }
    let from = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', from)) >= 0) {
      let lineEnd = nl;
      if (lineEnd > from && text.charCodeAt(lineEnd - 1) === 13) lineEnd--; // TTY output ends lines with \r\n
      out.push(this.line(stream, text.slice(from, lineEnd)));
      from = nl + 1;
    }
    if (from < text.length) this.partial[stream] = text.slice(from);
  }

  private line(stream: LogStreamName, text: string): LogLine {
    if (!this.timestamps) return { stream, text };
    const space = text.indexOf(' ');
    // Docker prefixes each line with an RFC 3339 time and one space.
    if (space > 0 && text.charCodeAt(4) === 45 /* - */) return { stream, text: text.slice(space + 1), time: text.slice(0, space) };
    return { stream, text };
  }
}

interface LogTarget {
  id: string;
  name: string;
  tty: boolean;
}

type LogByteStream = NodeJS.ReadableStream & { destroy(): void };

async function resolveTarget(rt: Runtime, room: string, ref: string, signal?: AbortSignal): Promise<LogTarget> {
  const container = await new ContainerService(rt).resolve(room, ref, signal);
  const engine = await rt.engine();
  const info = await engine.call(`inspect container ${container.name}`, (d) => d.getContainer(container.id).inspect());
  return { id: container.id, name: container.name, tty: Boolean(info.Config?.Tty) };
}

async function dialLogs(rt: Runtime, target: LogTarget, query: Record<string, unknown>, signal?: AbortSignal): Promise<LogByteStream> {
  const engine = await rt.engine();
  // Dialled directly so the response is always a stream: dockerode buffers the whole log unless following.
  return engine.call(`logs of ${target.name}`, (d) =>
    new Promise<LogByteStream>((resolve, reject) =>
      d.modem.dial(
        {
          path: `/containers/${target.id}/logs?`,
          method: 'GET',
          isStream: true,
          abortSignal: signal,
          statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
          options: { stdout: true, stderr: true, ...query },
        } as never,
        (err: unknown, data: unknown) => (err ? reject(err) : resolve(data as LogByteStream)),
      ),
    ),
  );
}

/** Docker's RFC 3339 nano time as the "seconds.nanoseconds" the Engine API's `since` takes, without float rounding. */
export function unixNanoString(rfc3339: string): string | undefined {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(rfc3339);
  if (!m) return undefined;
  const seconds = Date.parse(`${m[1]}${m[3]}`) / 1000;
  if (!Number.isFinite(seconds)) return undefined;
  return `${seconds}.${(m[2] ?? '').padEnd(9, '0').slice(0, 9)}`;
}

/** How many of the last lines the catch-up after a follow reads first (see containerLogBatches). */
const CATCH_UP_PROBE = 1000;

/** Orders two Docker RFC 3339 nano times (which drop trailing zeros, so text order is not time order). */
function compareTimes(a: string, b: string): number {
  const x = unixNanoString(a);
  const y = unixNanoString(b);
  if (!x || !y) return compareText(a, b);
  const [xs, xn] = x.split('.') as [string, string];
  const [ys, yn] = y.split('.') as [string, string];
  return Number(xs) - Number(ys) || compareText(xn, yn);
}

/**
 * The lines of `tail` after the `seen`-th line stamped `lastTime`, or undefined when `tail` starts after that point
 * (the gap is longer than the tail, or the tail is empty).
 */
function afterOverlap(tail: LogLine[], lastTime: string, seen: number): LogLine[] | undefined {
  // Starting at or after lastTime, the tail might begin inside that instant's lines: let `since` decide.
  if (!tail.length || compareTimes(tail[0]!.time ?? '', lastTime) >= 0) return undefined;
  let i = 0;
  while (i < tail.length && compareTimes(tail[i]!.time ?? '', lastTime) < 0) i++;
  let skip = seen;
  while (i < tail.length && skip > 0 && tail[i]!.time === lastTime) {
    i++;
    skip--;
  }
  return tail.slice(i);
}

/**
 * The batches of a log read with `since` = lastTime, less the first `seen` lines stamped exactly lastTime (the
 * reader has them already; lines before lastTime cannot come back, since filters them).
 */
async function* skipSeen(batches: AsyncGenerator<LogLine[]>, lastTime: string, seen: number): AsyncGenerator<LogLine[]> {
  let skip = seen;
  let overlap = true;
  for await (const batch of batches) {
    let start = 0;
    if (overlap) {
      while (start < batch.length && batch[start]!.time === lastTime && skip > 0) {
        start++;
        skip--;
      }
      if (start < batch.length) overlap = false;
    }
    if (start < batch.length) yield start ? batch.slice(start) : batch;
  }
}

/** Reads one log response to its end, yielding a batch per chunk. */
async function* readBatches(stream: LogByteStream, decoder: LogDecoder, signal?: AbortSignal): AsyncGenerator<LogLine[]> {
  const onAbort = () => stream.destroy();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of stream) {
      const lines = decoder.push(chunk as Buffer);
      if (lines.length) yield lines;
    }
    const rest = decoder.end();
    if (rest.length) yield rest;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stream.destroy();
  }
}

/**
 * A container's log as batches of lines, one batch per chunk read from the engine: the cheap way to move a flood
 * of lines (the CLI writes each batch with one write per stream; the dashboard buffers batches).
 *
 * Following asks Docker for timestamps even when the caller did not (lines then carry `time`): dockerd can end a
 * follow early when the container exits while the reader is behind (seen with 20.10: a slow reader of a fast
 * `seq 1000000` lost its last lines), so when the stream ends berth reads again from the last time it saw and
 * skips the lines it already has.
 */
export async function* containerLogBatches(rt: Runtime, room: string, ref: string, opts: LogOptions = {}): AsyncGenerator<LogLine[]> {
  // Logs are output berth prints (container logs, service logs, the dashboard's log pane): masked like every other
  // surface (stored secret values, secret names, credential shapes), one line at a time.
  for await (const batch of rawLogBatches(rt, room, ref, opts)) yield batch.map((line) => maskLine(rt, line));
}

function maskLine(rt: Runtime, line: LogLine): LogLine {
  const text = rt.mask.text(line.text);
  return text === line.text ? line : { ...line, text };
}

/** The engine's log lines as written, in batches (follow, catch-up after a follow ends). */
async function* rawLogBatches(rt: Runtime, room: string, ref: string, opts: LogOptions = {}): AsyncGenerator<LogLine[]> {
  const tail = parseTail(opts.tail);
  const since = opts.since !== undefined ? parseSince(opts.since) : undefined;
  const signal = opts.signal;
  const target = await resolveTarget(rt, room, ref, signal);
  const timestamps = Boolean(opts.timestamps || opts.follow || opts.after);
  const query: Record<string, unknown> = { follow: Boolean(opts.follow), timestamps, tail: tail === 'all' ? 'all' : String(tail) };
  if (since !== undefined) query.since = String(since);
  const resumeFrom = opts.after ? unixNanoString(opts.after.time) : undefined;
  if (resumeFrom) Object.assign(query, { since: resumeFrom, tail: 'all' });
  let lastTime: string | undefined = resumeFrom ? opts.after!.time : undefined;
  let seenAtLastTime = resumeFrom ? opts.after!.seen : 0;
  try {
    const stream = await dialLogs(rt, target, query, signal);
    const first = readBatches(stream, new LogDecoder(!target.tty, timestamps), signal);
    for await (const batch of resumeFrom ? skipSeen(first, lastTime!, seenAtLastTime) : first) {
      if (opts.follow) {
        for (const line of batch) {
          if (line.time === lastTime) seenAtLastTime++;
          else {
            lastTime = line.time;
            seenAtLastTime = 1;
          }
        }
      }
      yield batch;
    }
    if (!opts.follow || signal?.aborted) return;
    // Catch up on whatever the follow missed (see above); nothing new is written once the container has stopped.
    if (!lastTime) {
      // Nothing seen at all: the non-follow answer is the whole answer.
      const again = await dialLogs(rt, target, { ...query, follow: false }, signal);
      yield* readBatches(again, new LogDecoder(!target.tty, timestamps), signal);
      return;
    }
    // First the cheap check: dockerd reads a tail backwards from the file's end, while `since` decodes the whole
    // file. In the usual case (nothing missed) the last lines end exactly where the follow ended.
    const probe: LogLine[] = [];
    const tailStream = await dialLogs(rt, target, { ...query, follow: false, tail: String(CATCH_UP_PROBE) }, signal);
    for await (const batch of readBatches(tailStream, new LogDecoder(!target.tty, timestamps), signal)) probe.push(...batch);
    const missed = afterOverlap(probe, lastTime, seenAtLastTime);
    if (missed) {
      if (missed.length) yield missed;
      return;
    }
    // More than the probe was missed: read everything since the last time seen, skipping what was already yielded.
    const from = unixNanoString(lastTime);
    if (!from) return;
    const again = await dialLogs(rt, target, { ...query, follow: false, since: from, tail: 'all' }, signal);
    yield* skipSeen(readBatches(again, new LogDecoder(!target.tty, timestamps), signal), lastTime, seenAtLastTime);
  } catch (err) {
    if (signal?.aborted) return;
    throw (await rt.engine()).translate(err, 'logs');
  }
}

/** A container's log line by line (see containerLogBatches for the bulk form). */
export async function* containerLogs(rt: Runtime, room: string, ref: string, opts: LogOptions = {}): AsyncGenerator<LogLine> {
  for await (const batch of containerLogBatches(rt, room, ref, opts)) yield* batch;
}
