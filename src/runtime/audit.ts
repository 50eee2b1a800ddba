// The append-only audit log (actions.jsonl): one JSON line per mutating action, secret values masked.
import fs from 'node:fs';
import path from 'node:path';
import { appendLine, DEFAULT_AUDIT_LIMITS, followLines, readLines, type AuditFileLimits } from './audit-file.js';

export interface AuditEntry {
  time: string;
  actor: string;
  action: string;
  target: string;
  result: 'ok' | 'error';
  error?: string;
  details?: Record<string, unknown>;
}

const SECRET_KEY = /secret|password|passwd|token|credential|api[_-]?key|private[_-]?key|auth/i;
export const MASK = '***';

/** Masks values whose key looks secret, including KEY=VALUE strings (env lists), at any depth. */
export function maskSecrets(value: unknown, key = ''): unknown {
  if (SECRET_KEY.test(key) && value !== undefined && value !== null && typeof value !== 'object') return MASK;
  if (typeof value === 'string') {
    const eq = value.indexOf('=');
    if (eq > 0 && SECRET_KEY.test(value.slice(0, eq))) return `${value.slice(0, eq)}=${MASK}`;
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v, k)]));
  }
  return value;
}

export class AuditLog {
  constructor(
    readonly file: string,
    /** Rotation by size (audit-file.ts); appends, rotation and reads stay whole under concurrent writers. */
    readonly limits: AuditFileLimits = DEFAULT_AUDIT_LIMITS,
  ) {}

  append(entry: Omit<AuditEntry, 'time'> & { time?: string }): AuditEntry {
    const line: AuditEntry = {
      time: entry.time ?? new Date().toISOString(),
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      result: entry.result,
      ...(entry.error ? { error: entry.error } : {}),
      ...(entry.details ? { details: maskSecrets(entry.details) as Record<string, unknown> } : {}),
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
