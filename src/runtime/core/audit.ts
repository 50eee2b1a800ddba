// The append-only audit log (actions.jsonl): one JSON line per mutating action, secret values masked.
import fs from 'node:fs';
import path from 'node:path';
import { appendLine, DEFAULT_AUDIT_LIMITS, followLines, readLines, type AuditFileLimits } from './audit-file.js';
import { Masker } from './mask.js';

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
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    // One write per line with O_APPEND keeps lines whole when several berth processes append at once.
    appendLine(this.file, `${JSON.stringify(line)}\n`, this.limits);
    return line;
  }

  /** Runs a mutation and records it, success or failure; the error is re-thrown unchanged. */
  async record<T>(
    what: { actor: string; action: string; target: string; details?: Record<string, unknown> },
    run: () => Promise<T>,
  ): Promise<T> {
    try {
      const result = await run();
      this.append({ ...what, result: 'ok' });
      return result;
    } catch (err) {
      this.append({ ...what, result: 'error', error: (err as Error)?.message ?? String(err) });
      throw err;
    }
  }

  /** Every entry, oldest first, rotated files included. */
  read(): AuditEntry[] {
    return readLines(this.file).map((line) => JSON.parse(line) as AuditEntry);
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
