// Reading the audit log for `berth audit` and the dashboard: filters by room, agent, action and time, and a live follow.
import path from 'node:path';
import { type AuditEntry, followLineBatches, readNumberedLines, splitEntries, UsageError, type Runtime, validateRoomName } from '../core/index.js';
import { parseSince, parseTail } from '../containers/index.js';

export interface AuditQuery {
  room?: string;
  /** Who did it (the entry's actor, or the agent a create named). */
  agent?: string;
  /** `container.run` exactly, `container` (every container.* action) or a prefix with `*` (`container.s*`). */
  action?: string;
  /** A duration (10m), an RFC 3339 time or a unix timestamp. */
  since?: string;
  /** Only the last N matching entries. */
  tail?: string | number;
}

export type AuditFilter = (e: AuditEntry) => boolean;

/** Validates the query (bad input is one UsageError) and returns the predicate. */
export function auditFilter(q: AuditQuery, now = Date.now()): AuditFilter {
  if (q.room !== undefined) validateRoomName(q.room);
  if (q.agent !== undefined && !q.agent.trim()) throw new UsageError('invalid --agent "": give an agent name');
  if (q.action !== undefined && !/^[a-z0-9_.-]+\*?$/i.test(q.action)) throw new UsageError(`invalid --action "${q.action}": use an action such as container.run, a group such as container, or a prefix ending in *`);
  const sinceMs = q.since !== undefined ? parseSince(q.since, now) * 1000 : undefined;
  const action = q.action;
  return (e) => {
    if (q.room !== undefined && e.target !== q.room && !e.target.startsWith(`${q.room}/`) && (e.details as { room?: string } | undefined)?.room !== q.room) return false;
    if (q.agent !== undefined && e.actor !== q.agent && (e.details as { agent?: string } | undefined)?.agent !== q.agent) return false;
    if (action !== undefined) {
      const ok = action.endsWith('*') ? e.action.startsWith(action.slice(0, -1)) : e.action === action || e.action.startsWith(`${action}.`);
      if (!ok) return false;
    }
    if (sinceMs !== undefined && !(Date.parse(e.time) >= sinceMs)) return false;
    return true;
  };
}

function parse(line: string): AuditEntry | undefined {
  try {
    const e = JSON.parse(line) as AuditEntry;
    return e && typeof e.action === 'string' && typeof e.target === 'string' ? e : undefined;
  } catch {
    return undefined; // a hand-edited or foreign line
  }
}

/** A line of the log that is not an entry (torn by a crash or a full disk, or edited by hand). */
export interface DamagedLine {
  /** The file's name (actions.jsonl, actions.jsonl.2). */
  file: string;
  line: number;
  /** `damaged line N in actions.jsonl`: what berth audit prints. */
  message: string;
}

/** The matching entries, oldest first, rotated files included; every damaged line is passed to onDamaged. */
export function queryAudit(rt: Runtime, q: AuditQuery = {}, opts: { onDamaged?: (d: DamagedLine) => void } = {}): AuditEntry[] {
  const filter = auditFilter(q);
  const tail = parseTail(q.tail);
  const entries: AuditEntry[] = [];
  for (const l of readNumberedLines(rt.audit.file)) {
    const whole = parse(l.text);
    // A torn line may have the next entry glued to it: that entry is kept, the torn part named.
    const split = whole ? { entries: [l.text], damaged: false } : splitEntries(l.text);
    const found = split.entries.map(parse).filter((e): e is AuditEntry => Boolean(e));
    if (split.damaged || found.length < split.entries.length || !found.length) {
      const file = path.basename(l.file);
      opts.onDamaged?.({ file, line: l.line, message: `damaged line ${l.line} in ${file}` });
    }
    for (const e of found) if (filter(e)) entries.push(e);
  }
  return tail === 'all' ? entries : tail === 0 ? [] : entries.slice(-tail);
}

/**
 * With history, the matching entries already written (the last q.tail of them), then every matching entry written
 * after, from one follower of the log, so none written meanwhile is lost or repeated; without, only those written
 * from the first read on. Until the signal aborts.
 */
export async function* followAudit(rt: Runtime, q: AuditQuery = {}, opts: { signal?: AbortSignal; intervalMs?: number; history?: boolean } = {}): AsyncGenerator<AuditEntry> {
  const filter = auditFilter(q);
  const tail = parseTail(q.tail);
  const matching = (lines: string[]) => lines.map(parse).filter((e): e is AuditEntry => Boolean(e) && filter(e!));
  let first = Boolean(opts.history);
  for await (const batch of followLineBatches(rt.audit.file, { signal: opts.signal, intervalMs: opts.intervalMs, fromStart: opts.history })) {
    const entries = matching(batch);
    // The first batch of a follower from the start is the history: only it is cut to the tail.
    yield* first && tail !== 'all' ? (tail === 0 ? [] : entries.slice(-tail)) : entries;
    first = false;
  }
}
