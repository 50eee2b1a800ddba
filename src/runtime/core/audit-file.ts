// The audit log's file: appends that stay whole under concurrent writers (one O_APPEND write per line), rotation by
// size under an exclusive lock file (actions.jsonl → .1 → .2 ...), reading oldest first, and following live.
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { tryLockFile } from './lock-file.js';

export interface AuditFileLimits {
  /** Rotate once the live file reaches this many bytes. */
  maxBytes: number;
  /** Rotated files kept (actions.jsonl.1 ... .N); older ones are removed. */
  maxFiles: number;
}

export const DEFAULT_AUDIT_LIMITS: AuditFileLimits = { maxBytes: 10 * 1024 * 1024, maxFiles: 5 };

/** BERTH_AUDIT_MAX_BYTES / BERTH_AUDIT_MAX_FILES, else the defaults (appends are synchronous: no config read). */
export function auditLimitsFromEnv(env: NodeJS.ProcessEnv): AuditFileLimits {
  const num = (v: string | undefined, min: number) => (v && /^\d+$/.test(v) && Number(v) >= min ? Number(v) : undefined);
  return {
    maxBytes: num(env.BERTH_AUDIT_MAX_BYTES, 1024) ?? DEFAULT_AUDIT_LIMITS.maxBytes,
    maxFiles: num(env.BERTH_AUDIT_MAX_FILES, 1) ?? DEFAULT_AUDIT_LIMITS.maxFiles,
  };
}

/**
 * Appends one line (it must end with \n) in a single write: Linux applies O_APPEND writes to a regular file whole,
 * so lines from several processes never interleave. A writer that opened the file just before a rotation writes into
 * what became .1: still in the log, in order.
 * The log never keeps a torn line: a write the disk cut short is rolled back (the file truncated to where it
 * was, unless another writer appended after it). A torn tail left by a crash mid-write is not patched here (another
 * writer's line in progress looks the same from outside: its size grows page by page): the next line is glued to
 * it, and the reader splits the glued entry off and names the damaged part (splitEntries). Throws when the line
 * was not written whole.
 */
export function appendLine(file: string, line: string, limits: AuditFileLimits): void {
  const fd = fs.openSync(file, 'a', 0o600);
  let size: number;
  try {
    const before = fs.fstatSync(fd).size;
    const data = Buffer.from(line);
    const written = fs.writeSync(fd, data);
    size = fs.fstatSync(fd).size;
    if (written < data.length) {
      // A full disk took part of the line: take it back. Only when ours is the last write in the file (a
      // writer after us also hit the full disk, or wrote whole lines we must not cut).
      if (size - written >= before) {
        try {
          fs.ftruncateSync(fd, size - written);
        } catch {
          // the next append starts on a fresh line instead
        }
      }
      throw Object.assign(new Error(`ENOSPC: no space left on device, write '${file}'`), { code: 'ENOSPC', path: file });
    }
  } finally {
    fs.closeSync(fd);
  }
  if (size >= limits.maxBytes) rotate(file, limits);
}

/** One rotation at a time across processes (lock-file.ts); a loser of the race leaves it to the winner. */
function rotate(file: string, limits: AuditFileLimits): void {
  const release = tryLockFile(`${file}.lock`);
  if (!release) return;
  try {
    // Someone may have rotated between our write and the lock: only the live file's own size counts.
    if ((fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0) < limits.maxBytes) return;
    fs.rmSync(`${file}.${limits.maxFiles}`, { force: true });
    for (let i = limits.maxFiles - 1; i >= 1; i--) {
      if (fs.existsSync(`${file}.${i}`)) fs.renameSync(`${file}.${i}`, `${file}.${i + 1}`);
    }
    fs.renameSync(file, `${file}.1`);
  } finally {
    release();
  }
}

/** The log's files, oldest first: actions.jsonl.N ... .1, actions.jsonl. */
export function auditFiles(file: string): string[] {
  const rotated: string[] = [];
  for (let i = 1; fs.existsSync(`${file}.${i}`); i++) rotated.push(`${file}.${i}`);
  return [...rotated.reverse(), ...(fs.existsSync(file) ? [file] : [])];
}

/** Every whole line of the log, oldest first; a line still being written (no newline yet) is left for later. */
export function readLines(file: string): string[] {
  return readNumberedLines(file).map((l) => l.text);
}

export interface NumberedLine {
  /** The file it is in (actions.jsonl or a rotated actions.jsonl.N). */
  file: string;
  /** 1-based line number in that file. */
  line: number;
  text: string;
}

/**
 * A line as entries: every line berth writes starts with `{"time":`, so a torn tail with the next entry glued to it
 * is split there. Returns the entry texts and whether a damaged part was found.
 */
export function splitEntries(text: string): { entries: string[]; damaged: boolean } {
  const parts: string[] = [];
  let rest = text;
  for (;;) {
    const at = rest.lastIndexOf('{"time":"');
    if (at <= 0) break;
    parts.unshift(rest.slice(at));
    rest = rest.slice(0, at);
  }
  parts.unshift(rest);
  const entries: string[] = [];
  let damaged = false;
  for (const p of parts) {
    try {
      JSON.parse(p);
      entries.push(p);
    } catch {
      damaged = true;
    }
  }
  return { entries, damaged };
}

/** readLines with where each line is, so a reader can name a damaged one. */
export function readNumberedLines(file: string): NumberedLine[] {
  const lines: NumberedLine[] = [];
  for (const f of auditFiles(file)) {
    let text: string;
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch {
      continue; // rotated away meanwhile
    }
    const end = text.lastIndexOf('\n');
    text
      .slice(0, end + 1)
      .split('\n')
      .forEach((line, i) => line && lines.push({ file: f, line: i + 1, text: line }));
  }
  return lines;
}

export interface FollowOptions {
  signal?: AbortSignal;
  /** Begin with the whole log as it is (the first batch) instead of at its end. */
  fromStart?: boolean;
  intervalMs?: number;
}

/**
 * Yields, per poll, the whole lines appended since the last poll, across rotations. Without fromStart it starts at
 * the end of every file (what is there is history); with fromStart the first batch, yielded even when empty, is the
 * whole log as the first poll read it, and later batches go on from exactly where that read stopped. So history
 * and live lines from one follower neither lose nor repeat a line written while the history was read (reading the
 * history first and then starting a follower lost what came in between).
 * Each poll reads every file of the log, oldest first, on from where it last read that file. Files are known by
 * inode and birth time (a rename keeps both; a deleted file's inode reused by a new one does not fool it), so
 * several rotations between two polls, or a writer appending to a file just after it was rotated, lose nothing and
 * repeat nothing. Polls, so it works on any filesystem.
 */
export async function* followLineBatches(file: string, opts: FollowOptions = {}): AsyncGenerator<string[]> {
  const interval = opts.intervalMs ?? 200;
  type Reader = { offset: number; partial: string; decoder: StringDecoder; seen: number };
  const readers = new Map<string, Reader>();
  const buf = Buffer.alloc(64 * 1024);
  let poll = 0;
  const identity = (st: fs.Stats) => `${st.ino}:${st.birthtimeMs}`;
  /** The new whole lines of one file, whatever it is called now. */
  const read = function* (name: string): Generator<string> {
    let fd: number;
    try {
      fd = fs.openSync(name, 'r');
    } catch {
      return; // renamed or removed since the listing: the next poll finds it under its new name
    }
    try {
      const key = identity(fs.fstatSync(fd));
      let r = readers.get(key);
      if (!r) readers.set(key, (r = { offset: 0, partial: '', decoder: new StringDecoder('utf8'), seen: poll }));
      r.seen = poll;
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, r.offset);
        if (n <= 0) break;
        r.offset += n;
        r.partial += r.decoder.write(buf.subarray(0, n));
        const end = r.partial.lastIndexOf('\n');
        if (end < 0) continue;
        const whole = r.partial.slice(0, end);
        r.partial = r.partial.slice(end + 1);
        for (const line of whole.split('\n')) if (line) yield line;
      }
    } finally {
      fs.closeSync(fd);
    }
  };
  if (!opts.fromStart) {
    // What is there now is history: start at the end of every file.
    for (const name of auditFiles(file)) {
      const st = fs.statSync(name, { throwIfNoEntry: false });
      if (st) readers.set(identity(st), { offset: st.size, partial: '', decoder: new StringDecoder('utf8'), seen: 0 });
    }
  }
  while (!opts.signal?.aborted) {
    poll++;
    const batch: string[] = [];
    for (const name of auditFiles(file)) for (const line of read(name)) batch.push(line);
    if (batch.length || (poll === 1 && opts.fromStart)) yield batch;
    // Files not seen for a while have left the log (past maxFiles).
    for (const [key, r] of readers) if (poll - r.seen > 100) readers.delete(key);
    await new Promise<void>((resolve) => {
      // The listener goes with the timer: one per poll left on a long follow's signal would pile up.
      const done = () => (clearTimeout(t), opts.signal?.removeEventListener('abort', done), resolve());
      const t = setTimeout(done, interval);
      opts.signal?.addEventListener('abort', done, { once: true });
    });
  }
}

/** followLineBatches one line at a time. */
export async function* followLines(file: string, opts: FollowOptions = {}): AsyncGenerator<string> {
  for await (const batch of followLineBatches(file, opts)) yield* batch;
}
