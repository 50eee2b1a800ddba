// The audit log's file: appends that stay whole under concurrent writers (one O_APPEND write per line), rotation by
// size under an exclusive lock file (actions.jsonl → .1 → .2 ...), reading oldest first, and following live.
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

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

/** A lock left by a process that died mid-rotation is taken over after this long. */
const STALE_LOCK_MS = 10_000;

/**
 * Appends one line (it must end with \n) in a single write: Linux applies O_APPEND writes to a regular file whole,
 * so lines from several processes never interleave. A writer that opened the file just before a rotation writes into
 * what became .1: still in the log, in order.
 */
export function appendLine(file: string, line: string, limits: AuditFileLimits): void {
  const fd = fs.openSync(file, 'a', 0o600);
  let size: number;
  try {
    fs.writeSync(fd, line);
    size = fs.fstatSync(fd).size;
  } finally {
    fs.closeSync(fd);
  }
  if (size >= limits.maxBytes) rotate(file, limits);
}

/** One rotation at a time across processes (O_EXCL lock file); a loser of the race leaves it to the winner. */
function rotate(file: string, limits: AuditFileLimits): void {
  const lock = `${file}.lock`;
  let fd: number;
  try {
    fd = fs.openSync(lock, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return;
    const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age < STALE_LOCK_MS) return;
    fs.rmSync(lock, { force: true });
    try {
      fd = fs.openSync(lock, 'wx');
    } catch {
      return;
    }
  }
  try {
    // Someone may have rotated between our write and the lock: only the live file's own size counts.
    if ((fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0) < limits.maxBytes) return;
    fs.rmSync(`${file}.${limits.maxFiles}`, { force: true });
    for (let i = limits.maxFiles - 1; i >= 1; i--) {
      if (fs.existsSync(`${file}.${i}`)) fs.renameSync(`${file}.${i}`, `${file}.${i + 1}`);
    }
    fs.renameSync(file, `${file}.1`);
  } finally {
    fs.closeSync(fd);
    fs.rmSync(lock, { force: true });
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
  const lines: string[] = [];
  for (const f of auditFiles(file)) {
    let text: string;
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch {
      continue; // rotated away meanwhile
    }
    const end = text.lastIndexOf('\n');
    for (const line of text.slice(0, end + 1).split('\n')) if (line) lines.push(line);
  }
  return lines;
}

/** How long a follower keeps reading a file after it was rotated away (a writer can be descheduled mid-append). */
const LATE_WRITER_MS = 2000;

/** The log's files oldest first with their inodes: how a follower finds the file that came after its own. */
function chain(file: string): { name: string; ino: number }[] {
  const out: { name: string; ino: number }[] = [];
  for (const name of auditFiles(file)) {
    const st = fs.statSync(name, { throwIfNoEntry: false });
    if (st) out.push({ name, ino: st.ino });
  }
  return out;
}

/**
 * Yields whole lines appended after the call (or from the start with fromStart), across rotations: when the live
 * file changed, the follower reads on in the file that came after its own (found by inode), so several rotations
 * between two polls lose nothing. Polls, so it works on any filesystem.
 */
export async function* followLines(file: string, opts: { signal?: AbortSignal; fromStart?: boolean; intervalMs?: number } = {}): AsyncGenerator<string> {
  const interval = opts.intervalMs ?? 200;
  type Reader = { fd: number; ino: number; offset: number; partial: string; decoder: StringDecoder };
  let cur: Reader | undefined;
  /** Files the follower moved past, read again each tick for a while: a writer that opened one just before it was
   * rotated may still append to it. */
  const behind: { reader: Reader; until: number }[] = [];
  const open = (name: string, expectIno: number | undefined, atEnd: boolean): Reader | undefined => {
    let fd: number;
    try {
      fd = fs.openSync(name, 'r');
    } catch {
      return undefined;
    }
    const st = fs.fstatSync(fd);
    if (expectIno !== undefined && st.ino !== expectIno) {
      fs.closeSync(fd); // renamed meanwhile: the caller looks again
      return undefined;
    }
    return { fd, ino: st.ino, offset: atEnd ? st.size : 0, partial: '', decoder: new StringDecoder('utf8') };
  };
  const drain = function* (r: Reader | undefined): Generator<string> {
    if (!r) return;
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const n = fs.readSync(r.fd, buf, 0, buf.length, r.offset);
      if (n <= 0) break;
      r.offset += n;
      r.partial += r.decoder.write(buf.subarray(0, n));
      const end = r.partial.lastIndexOf('\n');
      if (end < 0) continue;
      const whole = r.partial.slice(0, end);
      r.partial = r.partial.slice(end + 1);
      for (const line of whole.split('\n')) if (line) yield line;
    }
  };
  if (opts.fromStart) {
    const first = chain(file)[0];
    if (first) cur = open(first.name, first.ino, false);
  } else cur = open(file, undefined, true);
  try {
    while (!opts.signal?.aborted) {
      for (const b of [...behind]) {
        yield* drain(b.reader);
        if (Date.now() > b.until) {
          fs.closeSync(b.reader.fd);
          behind.splice(behind.indexOf(b), 1);
        }
      }
      yield* drain(cur);
      const st = fs.statSync(file, { throwIfNoEntry: false });
      if (st && st.ino !== cur?.ino) {
        // Not at the live file: move to the one after ours (or the oldest left, if ours is gone).
        const files = chain(file);
        const at = cur ? files.findIndex((f) => f.ino === cur!.ino) : -1;
        // Ours missing from the list mid-rotation (a name briefly absent): look again; deleted (past maxFiles): the oldest.
        const gone = !cur || fs.fstatSync(cur.fd).nlink === 0;
        const next = at >= 0 ? files[at + 1] : gone ? files[0] : undefined;
        if (next) {
          const opened = open(next.name, next.ino, false);
          if (opened) {
            if (cur) {
              yield* drain(cur);
              behind.push({ reader: cur, until: Date.now() + LATE_WRITER_MS });
            }
            cur = opened;
          }
          continue;
        }
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, interval);
        opts.signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
    }
  } finally {
    if (cur) fs.closeSync(cur.fd);
    for (const b of behind) fs.closeSync(b.reader.fd);
  }
}
