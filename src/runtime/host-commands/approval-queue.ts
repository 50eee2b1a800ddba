// The approval queue for host shell commands: requests in SQLite shared by every berth process, each decided once
// (pending → approved | denied | expired | cancelled), callers that die settled by any reader, and exactly what runs.
import os from 'node:os';
import path from 'node:path';
import { BerthError, ConflictError, NotFoundError, type AuditEntry, type Runtime, type Database, sleep } from '../core/index.js';
import type { ApprovalRequest, ApprovalStatus, DecidedVia, EndReason, PreparedRequest, TrustRuleLike, TrustVerdict } from './approval-types.js';
import { callerState } from './caller-liveness.js';
import { describeDecision, ruleName } from './approval-display.js';

/** Output kept per request for the dashboard; the caller's own stream is never cut. */
export const MAX_OUTPUT_FILE_BYTES = 4 * 1024 * 1024;

/**
 * How long a caller waits for a person's approval to get its audit line before it starts the command anyway: the
 * decider appends it right after its commit (microseconds), so only a decider killed in between makes it wait this long.
 */
export const ANNOUNCE_GRACE_MS = 2000;

interface Row {
  id: number;
  status: ApprovalStatus;
  agent: string;
  room: string | null;
  kind: 'argv' | 'script';
  argv: string | null;
  script: string | null;
  command: string;
  cwd: string;
  env: string;
  env_added: string;
  created_at: number;
  expires_at: number;
  caller_pid: number;
  caller_start: string | null;
  caller_host: string;
  caller_boot: string | null;
  decided_at: number | null;
  decided_by: string | null;
  decided_via: DecidedVia | null;
  reason: string | null;
  rule: string | null;
  started_at: number | null;
  ended_at: number | null;
  exit_code: number | null;
  end_reason: EndReason | null;
  requested_via: string | null;
  announced_at: number | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function fromRow(r: Row): ApprovalRequest {
  return {
    id: r.id,
    status: r.status,
    agent: r.agent,
    room: r.room,
    kind: r.kind,
    argv: r.argv === null ? null : (JSON.parse(r.argv) as string[]),
    script: r.script,
    command: JSON.parse(r.command) as string[],
    cwd: r.cwd,
    env: JSON.parse(r.env) as Record<string, string>,
    envAdded: JSON.parse(r.env_added) as Record<string, string>,
    createdAt: iso(r.created_at)!,
    expiresAt: iso(r.expires_at)!,
    caller: { pid: r.caller_pid, start: r.caller_start, host: r.caller_host, boot: r.caller_boot },
    requestedVia: r.requested_via,
    decidedAt: iso(r.decided_at),
    decidedBy: r.decided_by,
    decidedVia: r.decided_via,
    reason: r.reason,
    rule: r.rule === null ? null : (JSON.parse(r.rule) as TrustRuleLike),
    startedAt: iso(r.started_at),
    endedAt: iso(r.ended_at),
    exitCode: r.exit_code,
    endReason: r.end_reason,
  };
}

export interface ListFilter {
  status?: ApprovalStatus | ApprovalStatus[];
  agent?: string;
  limit?: number;
  /** Only requests with an id above this (watchers). */
  afterId?: number;
}

export class ApprovalQueue {
  constructor(private readonly rt: Runtime) {}

  private get db(): Database {
    return this.rt.db();
  }

  /** BEGIN IMMEDIATE: the write lock is taken before anything is read, so a check and its update cannot interleave. */
  private immediate<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  private row(id: number): Row | undefined {
    return this.db.prepare('SELECT * FROM approval_requests WHERE id = ?').get(id) as Row | undefined;
  }

  /**
   * Files a request. The trust verdict, when given, decides it on the spot: allow → approved by the rule, deny →
   * denied by the rule, ask → pending for a person. Env additions always go to a person (rules see only the command).
   */
  file(prepared: PreparedRequest, verdict?: TrustVerdict): ApprovalRequest {
    const now = Date.now();
    let decision: { status: ApprovalStatus; reason: string; rule: TrustRuleLike | null } = { status: 'pending', reason: verdict?.reason ?? '', rule: null };
    if (verdict?.decision === 'deny') decision = { status: 'denied', reason: verdict.reason, rule: verdict.rule ?? null };
    else if (verdict?.decision === 'allow' && Object.keys(prepared.envAdded).length === 0) decision = { status: 'approved', reason: verdict.reason, rule: verdict.rule ?? null };
    else if (verdict?.decision === 'allow') decision = { status: 'pending', reason: `${verdict.reason}; but the request adds environment variables, which no rule can see`, rule: null };
    const decided = decision.status !== 'pending';
    const id = this.immediate(() => {
      const info = this.db
        .prepare(
          `INSERT INTO approval_requests (status, agent, room, kind, argv, script, command, cwd, env, env_added, created_at, expires_at,
             caller_pid, caller_start, caller_host, caller_boot, decided_at, decided_by, decided_via, reason, rule, requested_via)
           VALUES (@status, @agent, @room, @kind, @argv, @script, @command, @cwd, @env, @env_added, @created_at, @expires_at,
             @caller_pid, @caller_start, @caller_host, @caller_boot, @decided_at, @decided_by, @decided_via, @reason, @rule, @requested_via)`,
        )
        .run({
          status: decision.status,
          agent: prepared.agent,
          room: prepared.room,
          kind: prepared.kind,
          argv: prepared.argv ? JSON.stringify(prepared.argv) : null,
          script: prepared.script,
          command: JSON.stringify(prepared.command),
          cwd: prepared.cwd,
          env: JSON.stringify(prepared.env),
          env_added: JSON.stringify(prepared.envAdded),
          created_at: now,
          expires_at: now + prepared.timeoutMs,
          caller_pid: prepared.caller.pid,
          caller_start: prepared.caller.start,
          caller_host: prepared.caller.host,
          caller_boot: prepared.caller.boot,
          requested_via: prepared.requestedVia,
          decided_at: decided ? now : null,
          decided_by: decided ? ruleName(decision.rule) : null,
          decided_via: decided ? 'rule' : null,
          reason: decision.reason || null,
          rule: decision.rule ? JSON.stringify(decision.rule) : null,
        });
      return Number(info.lastInsertRowid);
    });
    const req = this.get(id);
    this.rt.audit.append({
      actor: prepared.agent,
      action: 'approval.request',
      target: `approval/${id}`,
      result: 'ok',
      details: { command: req.command, cwd: req.cwd, env: req.envAdded, room: req.room, expires: req.expiresAt, pid: req.caller.pid },
    });
    if (decided) this.auditDecision(req);
    return req;
  }

  get(id: number): ApprovalRequest {
    const row = this.row(id);
    if (!row) throw new NotFoundError(`approval request ${id} not found`);
    return fromRow(row);
  }

  /** Settles what it can first (expired, dead callers), so what it returns is current. */
  list(filter: ListFilter = {}): ApprovalRequest[] {
    this.settle();
    const where: string[] = [];
    const params: unknown[] = [];
    const statuses = filter.status === undefined ? [] : Array.isArray(filter.status) ? filter.status : [filter.status];
    if (statuses.length) {
      where.push(`status IN (${statuses.map(() => '?').join(',')})`);
      params.push(...statuses);
    }
    if (filter.agent) {
      where.push('agent = ?');
      params.push(filter.agent);
    }
    if (filter.afterId !== undefined) {
      where.push('id > ?');
      params.push(filter.afterId);
    }
    const sql = `SELECT * FROM approval_requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC ${filter.limit ? `LIMIT ${Math.floor(filter.limit)}` : ''}`;
    return (this.db.prepare(sql).all(...params) as Row[]).map(fromRow).reverse();
  }

  pendingCount(): number {
    this.settle();
    return (this.db.prepare(`SELECT count(*) AS n FROM approval_requests WHERE status = 'pending'`).get() as { n: number }).n;
  }

  /** A number that changes whenever any connection commits; cheap to poll. */
  version(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /**
   * Settles what no one else will: pending requests past their deadline (expired) or whose caller is gone
   * (cancelled), and approved runs whose caller died (caller-lost / not-run). Every reader calls it; the checks run
   * outside the write lock and each update is guarded, so concurrent settlers never settle one request twice.
   */
  settle(now = Date.now()): ApprovalRequest[] {
    const open = this.db
      .prepare(`SELECT * FROM approval_requests WHERE status = 'pending' OR (status = 'approved' AND ended_at IS NULL)`)
      .all() as Row[];
    const changes: Array<{ id: number; kind: 'expire' | 'cancel' | 'lost' }> = [];
    for (const r of open) {
      if (r.status === 'pending' && r.expires_at <= now) changes.push({ id: r.id, kind: 'expire' });
      else if (r.caller_pid === process.pid && r.caller_host === os.hostname()) continue; // ours: alive by definition
      else if (callerState({ pid: r.caller_pid, start: r.caller_start, host: r.caller_host, boot: r.caller_boot }) === 'dead') {
        changes.push({ id: r.id, kind: r.status === 'pending' ? 'cancel' : 'lost' });
      }
    }
    if (!changes.length) return [];
    const settled = this.immediate(() => {
      const done: number[] = [];
      for (const c of changes) {
        const info =
          c.kind === 'expire'
            ? this.db
                .prepare(`UPDATE approval_requests SET status = 'expired', decided_at = ?, decided_by = 'deadline', decided_via = 'expiry', reason = 'nobody decided before the deadline' WHERE id = ? AND status = 'pending'`)
                .run(now, c.id)
            : c.kind === 'cancel'
              ? this.db
                  .prepare(`UPDATE approval_requests SET status = 'cancelled', decided_at = ?, decided_by = 'caller', decided_via = 'caller', reason = 'the caller (pid ' || caller_pid || ') is gone' WHERE id = ? AND status = 'pending'`)
                  .run(now, c.id)
              : this.db
                  .prepare(`UPDATE approval_requests SET ended_at = ?, end_reason = CASE WHEN started_at IS NULL THEN 'not-run' ELSE 'caller-lost' END WHERE id = ? AND status = 'approved' AND ended_at IS NULL`)
                  .run(now, c.id);
        if (info.changes === 1) done.push(c.id);
      }
      return done;
    });
    const result = settled.map((id) => this.get(id));
    for (const req of result) {
      if (req.endReason) this.auditEnd(req);
      else this.auditDecision(req);
    }
    return result;
  }

  /**
   * A person's decision. Exactly once: the request is settled and updated under one write lock, only while pending.
   * Throws ConflictError when it was decided already (by whom, how), NotFoundError for an unknown id.
   */
  decide(id: number, decision: 'approved' | 'denied', by: { actor: string; reason?: string }, now = Date.now()): ApprovalRequest {
    // A decision whose line cannot be written is not made (exit 8), as no audited action is.
    this.rt.audit.assertWritable({ action: `approval.${decisionVerb(decision)}`, target: `approval/${id}` });
    const outcome = this.immediate(() => {
      const row = this.row(id);
      if (!row) return 'missing' as const;
      if (row.status !== 'pending') return 'decided' as const;
      if (row.expires_at <= now) {
        this.db
          .prepare(`UPDATE approval_requests SET status = 'expired', decided_at = ?, decided_by = 'deadline', decided_via = 'expiry', reason = 'nobody decided before the deadline' WHERE id = ? AND status = 'pending'`)
          .run(now, id);
        return 'settled' as const;
      }
      const info = this.db
        .prepare(`UPDATE approval_requests SET status = ?, decided_at = ?, decided_by = ?, decided_via = 'person', reason = ? WHERE id = ? AND status = 'pending'`)
        .run(decision, now, by.actor, by.reason ?? null, id);
      return info.changes === 1 ? ('ok' as const) : ('decided' as const);
    });
    if (outcome === 'missing') throw new NotFoundError(`approval request ${id} not found`);
    const req = this.get(id);
    if (outcome === 'settled') this.auditDecision(req);
    if (outcome !== 'ok') throw new ConflictError(`approval request ${id} is already ${describeDecision(req)}`);
    // The line follows the commit, as every other one does (a kill before the commit leaves no line for a decision
    // that never took effect), and is then announced: the caller, another process, waits for that before it starts
    // the command (waitForDecision), so its approval.start comes after this line.
    // A disk that filled since the check: the decision stands, unannounced (its caller starts after the grace period),
    // and the person is told its line is missing (exit 9).
    this.rt.audit.appendDone(decisionEntry(req));
    try {
      this.db.prepare('UPDATE approval_requests SET announced_at = ? WHERE id = ?').run(Date.now(), id);
    } catch {
      // The decision stands and has its line; unannounced, its caller starts after ANNOUNCE_GRACE_MS.
    }
    return req;
  }

  /** The caller gives up (Ctrl+C, its own exit): pending → cancelled. False when it was decided first. */
  cancel(id: number, reason: string): boolean {
    const info = this.immediate(() =>
      this.db
        .prepare(`UPDATE approval_requests SET status = 'cancelled', decided_at = ?, decided_by = 'caller', decided_via = 'caller', reason = ? WHERE id = ? AND status = 'pending'`)
        .run(Date.now(), reason, id),
    );
    if (info.changes === 1) this.auditDecision(this.get(id));
    return info.changes === 1;
  }

  /** The caller's own deadline passed: pending → expired. False when it was decided first. */
  expire(id: number): boolean {
    const info = this.immediate(() =>
      this.db
        .prepare(`UPDATE approval_requests SET status = 'expired', decided_at = ?, decided_by = 'deadline', decided_via = 'expiry', reason = 'nobody decided before the deadline' WHERE id = ? AND status = 'pending'`)
        .run(Date.now(), id),
    );
    if (info.changes === 1) this.auditDecision(this.get(id));
    return info.changes === 1;
  }

  /**
   * Waits (polling the shared file) until the request leaves pending; expires it at its deadline. On abort the
   * request is cancelled (unless a decision won the race) and the abort reason is thrown.
   */
  async waitForDecision(id: number, opts: { signal?: AbortSignal; pollMs?: number } = {}): Promise<ApprovalRequest> {
    const pollMs = opts.pollMs ?? 100;
    const expiresAt = Date.parse(this.get(id).expiresAt);
    let lastVersion = -1;
    for (;;) {
      if (opts.signal?.aborted) {
        // A decision that won the race stays as it is; the caller stops either way, so it never runs.
        if (!this.cancel(id, 'the caller was interrupted') && this.get(id).status === 'approved') this.markEnded(id, null, 'not-run');
        throw opts.signal.reason ?? new BerthError('cancelled', 'cancelled');
      }
      const version = this.version();
      const row = version === lastVersion ? undefined : this.row(id);
      if (version !== lastVersion && !row) throw new NotFoundError(`approval request ${id} not found`);
      lastVersion = version;
      if (row && row.status !== 'pending') {
        if (announced(row, Date.now())) return fromRow(row);
        lastVersion = -1; // approved a moment ago, its audit line on its way: look again at the next poll
      } else if (Date.now() >= expiresAt) {
        this.expire(id);
        lastVersion = -1;
        continue;
      }
      await sleep(row && row.status !== 'pending' ? pollMs : Math.min(pollMs, Math.max(1, expiresAt - Date.now())), opts.signal);
    }
  }

  /** Marks an approved request started; only its own caller can, and only once. */
  markStarted(id: number): ApprovalRequest {
    const info = this.immediate(() =>
      this.db
        .prepare(`UPDATE approval_requests SET started_at = ? WHERE id = ? AND status = 'approved' AND started_at IS NULL AND ended_at IS NULL AND caller_pid = ?`)
        .run(Date.now(), id, process.pid),
    );
    const req = this.get(id);
    if (info.changes !== 1) throw new ConflictError(`approval request ${id} cannot start: it is ${describeDecision(req)}${req.startedAt ? ', and already started' : ''}`);
    this.rt.audit.append({ actor: req.agent, action: 'approval.start', target: `approval/${id}`, result: 'ok', details: { command: req.command, cwd: req.cwd, pid: process.pid } });
    return req;
  }

  markEnded(id: number, exitCode: number | null, reason: EndReason): ApprovalRequest {
    this.immediate(() =>
      this.db.prepare(`UPDATE approval_requests SET ended_at = ?, exit_code = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL`).run(Date.now(), exitCode, reason, id),
    );
    const req = this.get(id);
    this.auditEnd(req);
    return req;
  }

  /** Where the caller copies an approved command's output, for the dashboard to follow. */
  outputFile(id: number): string {
    return path.join(this.rt.paths.dataDir, 'approvals', `${id}.out`);
  }

  // Every audit line follows the commit of its change: a SIGKILL between the two loses that line (never the change).
  // Appending first would log decisions that a kill before the commit undid; exactly once needs an outbox table
  // replayed by readers (docs/agents-and-host-commands.md). Not worth a schema change and a second write per change.
  private auditDecision(req: ApprovalRequest): void {
    this.rt.audit.append(decisionEntry(req));
  }

  private auditEnd(req: ApprovalRequest): void {
    this.rt.audit.append({
      actor: req.agent,
      action: 'approval.exit',
      target: `approval/${req.id}`,
      result: req.endReason === 'exited' && req.exitCode === 0 ? 'ok' : 'error',
      ...(req.endReason !== 'exited' ? { error: req.endReason === 'caller-lost' ? 'the caller died while the command ran' : 'the caller died before the command started' } : {}),
      details: { exitCode: req.exitCode, end: req.endReason, command: req.command },
    });
  }
}

/**
 * Whether a decided request's caller may act on it: at once, except for a person's approval, whose audit line must
 * come first (decide sets announced_at after appending it); after ANNOUNCE_GRACE_MS without one, its decider is gone.
 */
function announced(r: Row, now: number): boolean {
  return r.status !== 'approved' || r.decided_via !== 'person' || r.announced_at !== null || now - (r.decided_at ?? 0) >= ANNOUNCE_GRACE_MS;
}

/** The audit line of a request's decision: who (a person, a rule, the deadline or the caller) and what. */
function decisionEntry(req: ApprovalRequest): Omit<AuditEntry, 'time'> {
  return {
    actor: req.decidedVia === 'person' ? (req.decidedBy ?? 'user') : req.decidedVia === 'rule' ? `rule:${req.decidedBy}` : (req.decidedBy ?? 'berth'),
    action: `approval.${decisionVerb(req.status)}`,
    target: `approval/${req.id}`,
    result: 'ok',
    details: {
      status: req.status,
      via: req.decidedVia,
      by: req.decidedBy,
      agent: req.agent,
      command: req.command,
      ...(req.reason ? { reason: req.reason } : {}),
      ...(req.rule ? { rule: req.rule } : {}),
    },
  };
}

function decisionVerb(status: ApprovalStatus): string {
  return { pending: 'request', approved: 'approve', denied: 'deny', expired: 'expire', cancelled: 'cancel' }[status];
}
