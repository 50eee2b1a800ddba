// The append-only audit log (actions.jsonl): one JSON line per mutating action, secret values masked.
import fs from 'node:fs';
import path from 'node:path';
import { appendLine, DEFAULT_AUDIT_LIMITS, followLines, readLines, type AuditFileLimits } from './audit-file.js';
import { Masker } from './mask.js';
import { BerthError } from './errors.js';
import { diskFullMessage, freeBytes, isDiskFull } from './disk.js';

/** Below this much free space an audited action is refused before it starts: its line could not be written. */
export const AUDIT_MIN_FREE_BYTES = 64 * 1024;

export interface AuditEntry {
  time: string;
  actor: string;
  action: string;
  target: string;
  result: 'ok' | 'error';
  error?: string;
  details?: Record<string, unknown>;
  /** Where the request came from when not this machine's CLI: berth serve's principal and source address. */
  origin?: Record<string, string>;
}

// Masking moved to mask.ts (one module for every surface); these stay exported for existing callers.
export { MASK, maskSecrets } from './mask.js';

export class AuditLog {
  /** Masks details and error messages before they are written; the runtime passes its own (with stored secrets). */
  private readonly mask: Masker;
  /** Rotation by size (audit-file.ts); appends, rotation and reads stay whole under concurrent writers. */
  readonly limits: AuditFileLimits;

  /** `mask` masks details and errors before they are written; the runtime passes its own (with stored secrets). */
  constructor(
    readonly file: string,
    options: { mask?: Masker; limits?: AuditFileLimits; origin?: Record<string, string> } = {},
  ) {
    this.mask = options.mask ?? new Masker({ dataDir: path.dirname(file) });
    this.limits = options.limits ?? DEFAULT_AUDIT_LIMITS;
    this.origin = options.origin;
  }

  /** Written into every entry of this log (berth serve: who called, from which address). */
  private readonly origin?: Record<string, string>;

  /** The same log, each entry carrying `origin`. */
  withOrigin(origin: Record<string, string>): AuditLog {
    return new AuditLog(this.file, { mask: this.mask, limits: this.limits, origin });
  }

  append(entry: Omit<AuditEntry, 'time'> & { time?: string }): AuditEntry {
    const line: AuditEntry = {
      time: entry.time ?? new Date().toISOString(),
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      result: entry.result,
      ...(entry.error ? { error: this.mask.text(entry.error) } : {}),
      ...(entry.details ? { details: this.mask.deep(entry.details) } : {}),
      ...(this.origin ? { origin: this.origin } : {}),
    };
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    // One write per line with O_APPEND keeps lines whole when several berth processes append at once.
    appendLine(this.file, `${JSON.stringify(line)}\n`, this.limits);
    return line;
  }

  /**
   * Refuses (exit 8) an action whose audit line could not be written: a system that exists to be audited does not
   * act unrecorded. Checks that the log's directory can be made and written and that its disk has room.
   */
  assertWritable(what: { action: string; target: string }): void {
    const dir = path.dirname(this.file);
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      fs.closeSync(fs.openSync(this.file, 'a', 0o600));
    } catch (err) {
      throw this.unwritable(what, err);
    }
    const free = freeBytes(dir);
    if (free !== undefined && free < AUDIT_MIN_FREE_BYTES) throw this.unwritable(what, Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
  }

  private unwritable(what: { action: string; target: string }, err: unknown): BerthError {
    const why = isDiskFull(err) ? diskFullMessage(this.file) : (err as Error)?.message ?? String(err);
    return new BerthError(`${what.action} ${what.target} refused, nothing was done: the audit log ${this.file} cannot be written (${why})`, 'auditRefused', { cause: err });
  }

  /**
   * Runs a mutation and records it, success or failure; the error is re-thrown unchanged. Refused before it runs
   * when the log cannot be written; when the action ran but its line could not be written, throws exit 9 naming
   * what was done.
   */
  async record<T>(
    what: { actor: string; action: string; target: string; details?: Record<string, unknown> },
    run: () => Promise<T>,
  ): Promise<T> {
    this.assertWritable(what);
    let result: T;
    try {
      result = await run();
    } catch (err) {
      try {
        this.append({ ...what, result: 'error', error: (err as Error)?.message ?? String(err) });
      } catch {
        // the action failed: its own error is the one to report
      }
      throw err;
    }
    this.appendDone({ ...what, result: 'ok' });
    return result;
  }

  /** The line of an action that has been done: when it cannot be written, throws exit 9 naming what was done. */
  appendDone(entry: Omit<AuditEntry, 'time'>): AuditEntry {
    try {
      return this.append(entry);
    } catch (err) {
      const why = isDiskFull(err) ? diskFullMessage(this.file) : (err as Error)?.message ?? String(err);
      throw new BerthError(`${entry.action} ${entry.target} was done, but its audit line could not be written to ${this.file} (${why})`, 'auditLost', { cause: err });
    }
  }

  /** Every entry, oldest first, rotated files included. */
  read(): AuditEntry[] {
    return readLines(this.file).flatMap((line) => {
      try {
        return [JSON.parse(line) as AuditEntry];
      } catch {
        return []; // a damaged line: berth audit names it
      }
    });
  }

  /** Entries appended from now on (across rotations) until the signal aborts. */
  async *follow(opts: { signal?: AbortSignal; intervalMs?: number } = {}): AsyncGenerator<AuditEntry> {
    for await (const line of followLines(this.file, opts)) {
      try {
        yield JSON.parse(line) as AuditEntry;
      } catch {
        // not an entry (a hand-edited line): skipped
      }
    }
  }
}
