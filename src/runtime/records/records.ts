// Container records (SQLite): tracked containers with integer ids, params, env (secret values masked), metadata and
// labels, kept after the container is gone. Docker stays the source of truth: a record's status and exit code are
// reconciled with the engine before every read, and followed from the events stream while a berth process watches.
import type Docker from 'dockerode';
import { BerthError, ConflictError, NotFoundError, UsageError, LABEL, type Runtime, validateIdentity, validateRoomName, validateSeconds, validateTag } from '../core/index.js';
import { engineJsonLines, type EngineEvent } from '../engine/index.js';

/** Statuses berth sets from what Docker says of the container (plus oom-killed, and removed once it is gone). */
export const TRACKED_STATUSES = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'oom-killed', 'dead', 'removed'] as const;
/** Outcomes a person or agent may set on a finished container's record (`records update --status`). */
export const OUTCOME_STATUSES = ['succeeded', 'failed', 'cancelled', 'archived'] as const;
export const RECORD_STATUSES = [...TRACKED_STATUSES, ...OUTCOME_STATUSES] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];

const LIVE_STATES = new Set(['running', 'paused', 'restarting']);

export interface ContainerRecord {
  id: number;
  /** The Docker container id. */
  containerId: string | null;
  room: string;
  /** The container's room-local name. */
  name: string;
  image: string;
  agent: string;
  /** `code@version` for plugin runs, null for `container run --record`. */
  release: string | null;
  status: RecordStatus;
  exitCode: number | null;
  oomKilled: boolean;
  /** What berth last saw of the container in Docker (removed once it is gone). */
  containerState: string | null;
  params: Record<string, unknown>;
  /** KEY -> value, secret-looking values masked before they were stored. */
  env: Record<string, string>;
  metadata: Record<string, string>;
  labels: string[];
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface NewRecord {
  containerId: string;
  room: string;
  name: string;
  image: string;
  agent: string;
  release?: string;
  params?: Record<string, unknown>;
  env?: Record<string, string>;
  metadata?: Record<string, string>;
  labels?: string[];
}

export interface RecordQuery {
  status?: string[];
  room?: string;
  /** `code` (any version) or `code@version`. */
  plugin?: string;
  /** Every label given must be present. */
  labels?: string[];
  agent?: string;
  limit?: number;
  /** 1-based page of `limit` records (newest first); records added meanwhile shift later pages: use cursor for that. */
  page?: number;
  /** From a previous page's nextCursor: continues after its last record, unaffected by records added meanwhile. */
  cursor?: string;
}

export interface RecordPage {
  items: ContainerRecord[];
  /** Every record matching the filters (all pages), counted with this page. */
  total: number;
  limit: number | null;
  page: number | null;
  nextCursor: string | null;
}

export const DEFAULT_RECORD_LIMIT = 50;

interface RecordRow {
  id: number;
  container_id: string | null;
  room: string;
  name: string;
  image: string;
  agent: string;
  release: string | null;
  status: string;
  exit_code: number | null;
  oom_killed: number;
  container_state: string | null;
  params: string;
  env: string;
  metadata: string;
  labels: string;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

function parseJson<T>(text: string | null, fallback: T, shape: (v: unknown) => boolean): T {
  try {
    const value = JSON.parse(text ?? '') as unknown;
    return shape(value) ? (value as T) : fallback;
  } catch {
    return fallback;
  }
}

const isObject = (v: unknown) => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

function toRecord(row: RecordRow): ContainerRecord {
  return {
    id: row.id,
    containerId: row.container_id,
    room: row.room,
    name: row.name,
    image: row.image,
    agent: row.agent,
    release: row.release,
    status: row.status as RecordStatus,
    exitCode: row.exit_code,
    oomKilled: Boolean(row.oom_killed),
    containerState: row.container_state,
    params: parseJson(row.params, {}, isObject),
    env: parseJson(row.env, {}, isObject),
    metadata: parseJson(row.metadata, {}, isObject),
    // Migration 0 defaulted labels to '{}'; records always write a list.
    labels: parseJson(row.labels, [], Array.isArray),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}

/** Parses a record id as typed on the command line. */
export function parseRecordId(text: string | number): number {
  const n = Number(text);
  if (!/^\d+$/.test(String(text).trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`invalid record id "${String(text).slice(0, 40)}": use the integer id that berth records list shows`);
  }
  return n;
}

const RELEASE_FILTER = /^[a-z0-9][a-z0-9._-]*(@[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/;

export function validateStatus(status: string, flag = '--status'): RecordStatus {
  if (!(RECORD_STATUSES as readonly string[]).includes(status)) {
    throw new UsageError(`invalid ${flag} "${status.slice(0, 40)}": use one of ${RECORD_STATUSES.join(', ')}`);
  }
  return status as RecordStatus;
}

/** What Docker's list says about a container: its state and, once exited, the code in "Exited (N) ...". */
interface Observed {
  state: string;
  exitCode: number | null;
}

function observe(info: Docker.ContainerInfo | undefined): Observed {
  if (!info) return { state: 'removed', exitCode: null };
  const code = /^Exited \((-?\d+)\)/.exec(info.Status ?? '');
  return { state: info.State, exitCode: code ? Number(code[1]) : null };
}

function encodeCursor(id: number): string {
  return Buffer.from(JSON.stringify({ before: id })).toString('base64url');
}

function decodeCursor(cursor: string): number {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { before?: unknown };
    if (value && Number.isSafeInteger(value.before) && (value.before as number) > 0) return value.before as number;
  } catch {
    // fall through
  }
  throw new UsageError(`invalid --cursor "${cursor.slice(0, 40)}": pass the next_cursor of a previous page`);
}

export class RecordService {
  constructor(private readonly rt: Runtime) {}

  /** Stores a record for a container that exists (called between create and start, so a failed start can drop it);
   * the create path audits it once the container started. */
  create(input: NewRecord): ContainerRecord {
    const now = new Date().toISOString();
    const labels = [...new Set((input.labels ?? []).map((l) => validateTag(l, '--label')))];
    const result = this.rt
      .db()
      .prepare(
        `INSERT INTO container_records (container_id, room, name, image, agent, release, status, container_state, params, env, metadata, labels, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 'created', 'created', ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        input.containerId,
        input.room,
        input.name,
        input.image,
        input.agent,
        input.release ?? null,
        JSON.stringify(this.rt.mask.deep(input.params ?? {})),
        JSON.stringify(this.rt.mask.deep(input.env ?? {})),
        JSON.stringify(this.rt.mask.deep(input.metadata ?? {})),
        JSON.stringify(labels),
        now,
        now,
      );
    return this.read(Number(result.lastInsertRowid))!;
  }

  /** A record as stored, without asking Docker (the events follower and tests read this way). */
  read(id: number): ContainerRecord | undefined {
    const row = this.rt.db().prepare('SELECT * FROM container_records WHERE id = ?').get(id) as RecordRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** Drops a record whose container never started (the create path's undo); not audited as a user delete. */
  discard(id: number): void {
    this.rt.db().prepare('DELETE FROM container_records WHERE id = ?').run(id);
  }

  async get(id: number, signal?: AbortSignal): Promise<ContainerRecord> {
    const record = this.read(id);
    if (!record) throw new NotFoundError(`record ${id} not found`);
    await this.reconcile({ ids: [id], signal });
    return this.read(id)!;
  }

  /** One page of records, newest first, with the total matching the filters; reconciled with Docker first. */
  async list(q: RecordQuery = {}, signal?: AbortSignal, opts: { reconcile?: boolean } = {}): Promise<RecordPage> {
    const where = this.filters(q);
    if (q.limit !== undefined && (!Number.isInteger(q.limit) || q.limit < 1)) throw new UsageError(`invalid --limit "${q.limit}": use a whole number, 1 or more`);
    if (q.page !== undefined && (!Number.isInteger(q.page) || q.page < 1)) throw new UsageError(`invalid --page "${q.page}": use a whole number, 1 or more`);
    if (q.page !== undefined && q.cursor !== undefined) throw new UsageError('give --page or --cursor, not both');
    const before = q.cursor !== undefined ? decodeCursor(q.cursor) : undefined;
    // A caller that follows events (the dashboard) reconciles as they come and reads without asking Docker.
    if (opts.reconcile !== false) await this.reconcile({ signal });
    return this.select(where, q.limit ?? DEFAULT_RECORD_LIMIT, q.page, before);
  }

  /** Every page of a listing, fetched in order by cursor (what `--all` does); total as counted on the first page. */
  async listAll(q: Omit<RecordQuery, 'page' | 'cursor'> = {}, signal?: AbortSignal): Promise<RecordPage> {
    const first = await this.list({ ...q, limit: q.limit ?? 500 }, signal);
    const items = [...first.items];
    let cursor = first.nextCursor;
    const where = this.filters(q);
    while (cursor) {
      const next = this.select(where, first.limit!, undefined, decodeCursor(cursor));
      items.push(...next.items);
      cursor = next.nextCursor;
    }
    return { items, total: first.total, limit: null, page: null, nextCursor: null };
  }

  private filters(q: RecordQuery): { sql: string; args: unknown[] } {
    const clauses: string[] = [];
    const args: unknown[] = [];
    const statuses = [...new Set((q.status ?? []).map((s) => validateStatus(s)))];
    if (statuses.length) {
      clauses.push(`status IN (${statuses.map(() => '?').join(', ')})`);
      args.push(...statuses);
    }
    if (q.room !== undefined) {
      clauses.push('room = ?');
      args.push(validateRoomName(q.room));
    }
    if (q.plugin !== undefined) {
      if (!RELEASE_FILTER.test(q.plugin)) throw new UsageError(`invalid --plugin "${q.plugin.slice(0, 60)}": use a plugin code or code@version`);
      if (q.plugin.includes('@')) {
        clauses.push('release = ?');
        args.push(q.plugin);
      } else {
        clauses.push("substr(release, 1, length(?) + 1) = ? || '@'");
        args.push(q.plugin, q.plugin);
      }
    }
    for (const label of new Set((q.labels ?? []).map((l) => validateTag(l, '--label')))) {
      clauses.push('EXISTS (SELECT 1 FROM json_each(container_records.labels) WHERE json_each.value = ?)');
      args.push(label);
    }
    if (q.agent !== undefined) {
      clauses.push('agent = ?');
      args.push(validateIdentity(q.agent, '--agent'));
    }
    return { sql: clauses.length ? clauses.join(' AND ') : '1', args };
  }

  private select(where: { sql: string; args: unknown[] }, limit: number, page: number | undefined, before: number | undefined): RecordPage {
    const db = this.rt.db();
    // Count and page in one read transaction, so the total describes the same records the page was cut from.
    return db.transaction(() => {
      const total = (db.prepare(`SELECT COUNT(*) AS n FROM container_records WHERE ${where.sql}`).get(...where.args) as { n: number }).n;
      const rows = db
        .prepare(
          `SELECT * FROM container_records WHERE ${where.sql}${before !== undefined ? ' AND id < ?' : ''} ORDER BY id DESC LIMIT ? OFFSET ?`,
        )
        .all(...where.args, ...(before !== undefined ? [before] : []), limit + 1, page ? (page - 1) * limit : 0) as RecordRow[];
      const more = rows.length > limit;
      const items = rows.slice(0, limit).map(toRecord);
      return { items, total, limit, page: page ?? null, nextCursor: more ? encodeCursor(items[items.length - 1]!.id) : null };
    })();
  }

  /**
   * Brings records in line with Docker: one container listing for all of them, an inspect only for those whose
   * container changed since berth last looked (for the exit code and OOM kill). Records whose container is gone
   * become removed, keeping their last exit code.
   */
  async reconcile(opts: { ids?: number[]; containerIds?: string[]; signal?: AbortSignal } = {}): Promise<number[]> {
    const db = this.rt.db();
    let rows: RecordRow[];
    if (opts.ids) rows = opts.ids.map((id) => db.prepare('SELECT * FROM container_records WHERE id = ?').get(id) as RecordRow | undefined).filter((r): r is RecordRow => Boolean(r));
    else if (opts.containerIds) rows = opts.containerIds.flatMap((c) => db.prepare('SELECT * FROM container_records WHERE container_id = ?').all(c) as RecordRow[]);
    else rows = db.prepare("SELECT * FROM container_records WHERE container_id IS NOT NULL AND container_state IS NOT 'removed'").all() as RecordRow[];
    rows = rows.filter((r) => r.container_id && r.container_state !== 'removed');
    if (!rows.length) return [];
    const engine = await this.rt.engine();
    // Named records or containers (a get, an event) are inspected: Docker's list can lag a die event for a moment.
    // Reconciling them all lists every berth container once and inspects only those that changed.
    let byId: Map<string, Docker.ContainerInfo> | undefined;
    if (!opts.containerIds && !opts.ids) {
      const infos = await engine.call('list containers', (d) =>
        d.listContainers({ all: true, filters: { label: [LABEL.room] }, abortSignal: opts.signal } as object),
      );
      byId = new Map(infos.map((i) => [i.Id, i]));
    }
    const changed: number[] = [];
    for (const row of rows) {
      if (byId) {
        const seen = observe(byId.get(row.container_id!));
        if (seen.state === row.container_state && (seen.exitCode === null || seen.exitCode === row.exit_code)) continue;
      }
      let exitCode = row.exit_code;
      let oomKilled = Boolean(row.oom_killed);
      let finishedAt = row.finished_at;
      let state: string;
      try {
        const info = await engine.call(`inspect container ${row.container_id!.slice(0, 12)}`, (d) => d.getContainer(row.container_id!).inspect());
        state = info.State.Status;
        const live = LIVE_STATES.has(state) || state === 'created';
        exitCode = live ? null : info.State.ExitCode;
        oomKilled = !live && Boolean(info.State.OOMKilled);
        finishedAt = !live && info.State.FinishedAt && !info.State.FinishedAt.startsWith('0001-') ? info.State.FinishedAt : null;
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
        state = 'removed';
      }
      if (!byId && state === row.container_state && exitCode === row.exit_code && oomKilled === Boolean(row.oom_killed)) continue;
      const status: RecordStatus = state === 'removed' ? 'removed' : state === 'exited' && oomKilled ? 'oom-killed' : (validateStatus(state) as RecordStatus);
      db.prepare(
        'UPDATE container_records SET status = ?, container_state = ?, exit_code = ?, oom_killed = ?, finished_at = ?, updated_at = ? WHERE id = ?',
      ).run(status, state, exitCode, oomKilled ? 1 : 0, finishedAt, new Date().toISOString(), row.id);
      changed.push(row.id);
    }
    return changed;
  }

  /** Sets an outcome status on a finished container's record; statuses berth tracks from Docker are refused. */
  async update(id: number, patch: { status: string }, signal?: AbortSignal): Promise<ContainerRecord> {
    // Only the outcomes are accepted here, so only they are offered; a status berth tracks itself is named as such.
    if (!(OUTCOME_STATUSES as readonly string[]).includes(patch.status)) {
      if ((RECORD_STATUSES as readonly string[]).includes(patch.status)) {
        throw new UsageError(`status "${patch.status}" is set by berth from the container itself: give one of ${OUTCOME_STATUSES.join(', ')}`);
      }
      throw new UsageError(`invalid --status "${patch.status.slice(0, 40)}": use one of ${OUTCOME_STATUSES.join(', ')}`);
    }
    const status = patch.status as RecordStatus;
    const record = await this.get(id, signal);
    if (record.containerState && LIVE_STATES.has(record.containerState)) {
      throw new ConflictError(`record ${id}: container ${record.name} is ${record.containerState}; an outcome is set once it has stopped`);
    }
    return this.rt.audit.record(
      { actor: this.rt.actor, action: 'record.update', target: `record/${id}`, details: { status, was: record.status } },
      async () => {
        this.rt.db().prepare('UPDATE container_records SET status = ?, updated_at = ? WHERE id = ?').run(status, new Date().toISOString(), id);
        return this.read(id)!;
      },
    );
  }

  /** Stops and removes the record's container (when it is still there), then deletes the record. */
  async delete(id: number, opts: { time?: number; force?: boolean; signal?: AbortSignal } = {}): Promise<ContainerRecord & { containerRemoved: boolean }> {
    if (opts.time !== undefined) validateSeconds('--time', opts.time);
    const record = await this.get(id, opts.signal);
    return this.rt.audit.record(
      { actor: this.rt.actor, action: 'record.delete', target: `record/${id}`, details: { container: record.containerId, name: `${record.room}/${record.name}` } },
      async () => {
        let containerRemoved = false;
        if (record.containerId && record.containerState !== 'removed') {
          const engine = await this.rt.engine();
          const c = engine.docker.getContainer(record.containerId);
          try {
            if (record.containerState && LIVE_STATES.has(record.containerState)) {
              if (opts.force) await engine.call(`kill container ${record.name}`, () => c.kill({ signal: 'SIGKILL' }));
              else await engine.call(`stop container ${record.name}`, () => c.stop(opts.time !== undefined ? { t: opts.time } : {}));
            }
          } catch (err) {
            // Already stopped (304 or 409 not running) or gone: removal below settles it.
            if (!(err instanceof BerthError) && (err as { statusCode?: number })?.statusCode !== 304) throw err;
          }
          try {
            await engine.call(`remove container ${record.name}`, () => c.remove({ force: true, v: true }));
            containerRemoved = true;
          } catch (err) {
            if (!(err instanceof NotFoundError)) throw err;
          }
        }
        this.rt.db().prepare('DELETE FROM container_records WHERE id = ?').run(id);
        return { ...record, containerRemoved };
      },
    );
  }

  /** Ids of records whose container is live and runs this release (plugin remove and --force refuse those). */
  async liveForRelease(release: string, signal?: AbortSignal): Promise<number[]> {
    const rows = this.rt.db().prepare('SELECT id FROM container_records WHERE release = ?').all(release) as { id: number }[];
    if (!rows.length) return [];
    await this.reconcile({ ids: rows.map((r) => r.id), signal });
    return (this.rt.db().prepare("SELECT id FROM container_records WHERE release = ? AND container_state IN ('running', 'paused', 'restarting', 'created')").all(release) as { id: number }[]).map((r) => r.id);
  }
}

/**
 * Follows Docker's container events and reconciles the record of every container that starts, exits, is OOM-killed,
 * paused or removed, until the signal aborts. Events are read from just before each full reconcile (Docker replays
 * them from `since`), so nothing falls between; the stream is reopened after the engine drops it. onChange hears
 * which records changed after each event, possibly none (a container started whose record its creator has already
 * brought up to date: a view re-reads then).
 */
export async function followRecords(rt: Runtime, signal: AbortSignal, onChange?: (ids: number[]) => void): Promise<void> {
  const records = new RecordService(rt);
  let delay = 500;
  while (!signal.aborted) {
    try {
      const engine = await rt.engine();
      const since = Math.floor(Date.now() / 1000) - 1;
      const caughtUp = await records.reconcile({ signal });
      if (caughtUp.length) onChange?.(caughtUp);
      const filters = { type: ['container'], label: [LABEL.room], event: ['create', 'start', 'restart', 'die', 'oom', 'kill', 'pause', 'unpause', 'destroy'] };
      const events = engineJsonLines<EngineEvent>(
        engine,
        'events',
        (d) => d.getEvents({ since, filters, abortSignal: signal } as object) as Promise<NodeJS.ReadableStream>,
        signal,
      );
      delay = 500;
      for await (const event of events) {
        onChange?.(await records.reconcile({ containerIds: [event.Actor.ID], signal }));
      }
    } catch {
      // The engine went away or the stream broke: wait, then reconcile and subscribe again.
    }
    if (signal.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delay);
      signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
    delay = Math.min(delay * 2, 10_000);
  }
}

/**
 * Create-path hooks that track a container as a record: beforeStart stores the record once the container exists
 * (so its id is known and nothing is stored for a container that was never made), started() reads its state back,
 * undo() drops the record when the start failed (createFromSpec has removed the container then).
 */
/** What a record keeps of the spec a container is created from (containers' RunSpec, a plugin run's spec). */
export interface RecordedSpec {
  room: string;
  name: string;
  image: string;
  agent: string;
  env: Record<string, string>;
  tags: string[];
}

export function recordWhileCreating(
  rt: Runtime,
  spec: RecordedSpec,
  extra: Pick<NewRecord, 'release' | 'params' | 'metadata' | 'labels'> & { env?: Record<string, string> } = {},
): { beforeStart: (c: Docker.Container) => Promise<void>; started: () => Promise<number | undefined>; undo: () => void } {
  const records = new RecordService(rt);
  let id: number | undefined;
  return {
    beforeStart: async (c) => {
      id = records.create({
        containerId: c.id,
        room: spec.room,
        name: spec.name,
        image: spec.image,
        agent: spec.agent,
        release: extra.release,
        params: extra.params,
        env: extra.env ?? spec.env,
        metadata: extra.metadata,
        labels: extra.labels ?? spec.tags,
      }).id;
    },
    started: async () => {
      if (id === undefined) return undefined;
      await records.reconcile({ ids: [id] });
      const r = records.read(id)!;
      rt.audit.append({
        actor: rt.actor,
        action: 'record.create',
        target: `record/${id}`,
        result: 'ok',
        details: { room: r.room, name: r.name, container: r.containerId, release: r.release ?? undefined, labels: r.labels },
      });
      return id;
    },
    undo: () => {
      if (id !== undefined) records.discard(id);
    },
  };
}

const pairsOf = (o: Record<string, unknown>) =>
  Object.entries(o)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ') || '-';

/** A record as label/value lines: `records get` and the dashboard's Records view show the same. */
export function recordFields(r: ContainerRecord): [string, string][] {
  return [
    ['id', String(r.id)],
    ['status', r.status],
    ['exit code', r.exitCode === null ? '-' : `${r.exitCode}${r.oomKilled ? ' (OOM killed)' : ''}`],
    ['container', r.containerId ?? '-'],
    ['container state', r.containerState ?? '-'],
    ['name', r.name],
    ['room', r.room],
    ['image', r.image],
    ['release', r.release ?? '-'],
    ['agent', r.agent],
    ['params', JSON.stringify(r.params)],
    ['env', pairsOf(r.env)],
    ['metadata', pairsOf(r.metadata)],
    ['labels', r.labels.join(', ') || '-'],
    ['created', r.createdAt],
    ['updated', r.updatedAt],
    ['finished', r.finishedAt ?? '-'],
  ];
}
