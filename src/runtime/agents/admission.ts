// Admission of container starts under an agent's limits (max running, CPU quota), atomic across berth processes:
// a short lock per agent (core locks.ts) decides, tickets hold the queue order (first come, first served) and the
// starts still in flight, so no two processes can both take the last slot. A ticket records its holder (core
// holder.ts); a dead holder's start in flight keeps its slot until the engine shows what became of it.
import { type AgentLimits, BerthError, CancelledError, HEARTBEAT_MS, LABEL, type Holder, currentHolder, formatDelay, holderAlive, plural, type Runtime, type Database, sleep, withLock } from '../core/index.js';

export class LimitError extends BerthError {
  constructor(message: string) {
    super(message, 'denied');
  }
}

export class AdmissionTimeoutError extends BerthError {
  constructor(message: string) {
    super(message, 'timeout');
  }
}

export interface AdmissionRequest {
  agent: string;
  /** The new container's CPU limit (0 when it has none). */
  nanoCpus: number;
  /** Docker name of the container being started, so a start in flight is not counted twice. */
  container: string;
  limits: AgentLimits;
  /** How long a queued start may wait (queue mode); default 10 minutes. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Docker names of running containers this start replaces (a deploy's old revision): not counted against it. */
  replacing?: string[];
  /** Called once when the start has to wait (queue mode), with the line that says why. */
  onQueued?: (why: string) => void;
}

export interface Admission {
  /** Drops the ticket once the container runs (or failed to start): Docker counts it from then on. */
  release(): void;
}

export interface AgentUsage {
  running: number;
  nanoCpus: number;
  /** Running containers with no CPU limit of their own (counted at the agent's per-container share). */
  unlimited: number;
}

/**
 * A start in flight whose holder died (killed between admission and release) may still be filled by the engine: the
 * create or start it sent goes on without it. Its slot stays taken until the engine shows the container running
 * (counted by the engine from then on) or this long after the holder's last heartbeat.
 */
const ORPHAN_SETTLE_MS = 30_000;
const POLL_MS = 150;
export const DEFAULT_QUEUE_TIMEOUT_MS = 10 * 60_000;

/** The per-container CPU share a container without its own --cpus gets (and is counted at). */
export function cpuShare(limits: AgentLimits): number {
  if (!limits.cpus) return 0;
  return Math.round((limits.cpus * 1e9) / (limits.maxRunning && limits.maxRunning > 0 ? limits.maxRunning : 1));
}

/** What an agent's running containers use of its limits, from the engine (the source of truth). */
export async function agentUsage(rt: Runtime, agent: string, signal?: AbortSignal, exclude?: ReadonlySet<string>): Promise<AgentUsage & { names: Set<string> }> {
  const engine = await rt.engine();
  const all = await engine.call('list containers', (d) =>
    d.listContainers({ filters: { label: [`${LABEL.agent}=${agent}`], status: ['running', 'paused', 'restarting'] }, abortSignal: signal } as object),
  );
  const list = exclude?.size ? all.filter((c) => !c.Names.some((n) => exclude.has(n.replace(/^\//, '')))) : all;
  const infos = await Promise.all(
    list.map((c) => engine.call('inspect container', (d) => d.getContainer(c.Id).inspect()).catch(() => undefined)),
  );
  let nanoCpus = 0;
  let unlimited = 0;
  for (const info of infos) {
    const n = info?.HostConfig?.NanoCpus ?? 0;
    if (n > 0) nanoCpus += n;
    else unlimited++;
  }
  return { running: list.length, nanoCpus, unlimited, names: new Set(list.flatMap((c) => c.Names.map((n) => n.replace(/^\//, '')))) };
}

interface Ticket extends Holder {
  id: number;
  agent: string;
  state: 'waiting' | 'admitted';
  nano_cpus: number;
  container: string;
  created_at: number;
  heartbeat_at: number;
}

function describeLimit(limits: AgentLimits, usage: AgentUsage, inFlight: Ticket[], req: AdmissionRequest): string | undefined {
  const running = usage.running + inFlight.length;
  if (limits.maxRunning !== undefined && running + 1 > limits.maxRunning) {
    return `agent ${req.agent}: max running ${limits.maxRunning} reached (${running} running${inFlight.length ? `, ${inFlight.length} starting` : ''})`;
  }
  if (limits.cpus) {
    const share = cpuShare(limits);
    const used = usage.nanoCpus + usage.unlimited * share + inFlight.reduce((s, t) => s + t.nano_cpus, 0);
    const quota = Math.round(limits.cpus * 1e9);
    if (used + req.nanoCpus > quota) {
      return `agent ${req.agent}: CPU quota ${limits.cpus} would be exceeded (${fmtCpus(used)} in use by ${running} running, this container asks ${fmtCpus(req.nanoCpus)})`;
    }
  }
  return undefined;
}


function fmtCpus(nano: number): string {
  return String(Math.round(nano / 1e7) / 100);
}

/**
 * Waits (queue) or refuses (reject) until the agent's limits allow one more running container, then holds a ticket
 * for it until release(). Agents without maxRunning or cpus limits are admitted at once without touching SQLite.
 */
export async function admit(rt: Runtime, req: AdmissionRequest): Promise<Admission> {
  const { limits } = req;
  if (limits.maxRunning === undefined && !limits.cpus) return { release: () => {} };
  if (limits.cpus && req.nanoCpus > Math.round(limits.cpus * 1e9)) {
    // Waiting cannot help a container that asks more than the whole quota.
    throw new LimitError(`agent ${req.agent}: CPU quota ${limits.cpus}; this container asks ${fmtCpus(req.nanoCpus)} on its own`);
  }
  const db = rt.db();
  const queue = limits.onLimit === 'queue';
  const now = Date.now();
  const me = currentHolder();
  const id = Number(
    db
      .prepare('INSERT INTO agent_admissions (agent, pid, start, boot, host, state, nano_cpus, container, created_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(req.agent, me.pid, me.start, me.boot, me.host, 'waiting', req.nanoCpus, req.container, now, now).lastInsertRowid,
  );
  const beat = () => db.prepare('UPDATE agent_admissions SET heartbeat_at = ? WHERE id = ?').run(Date.now(), id);
  const drop = () => db.prepare('DELETE FROM agent_admissions WHERE id = ?').run(id);
  const deadline = now + (req.timeoutMs ?? DEFAULT_QUEUE_TIMEOUT_MS);
  let told = false;
  try {
    for (;;) {
      if (req.signal?.aborted) throw new CancelledError('cancelled while waiting for the agent\'s limits');
      const verdict = await withLock(db, `admission:${req.agent}`, { signal: req.signal }, async () => {
        const { tickets, orphans } = liveTickets(db, req.agent);
        const head = tickets.find((t) => t.state === 'waiting');
        // First come, first served: in queue mode only the oldest waiting start may take a free slot.
        if (queue && head && head.id !== id) {
          return { wait: `agent ${req.agent}: ${plural(tickets.filter((t) => t.state === 'waiting' && t.id < id).length, 'earlier start')} ahead in the queue` };
        }
        // No signal on these short engine calls: a long queue wait would pile one abort listener per poll on it.
        const usage = await agentUsage(rt, req.agent, undefined, req.replacing ? new Set(req.replacing) : undefined);
        const settled = orphans.filter((t) => usage.names.has(t.container) || Date.now() - t.heartbeat_at > ORPHAN_SETTLE_MS);
        for (const t of settled) db.prepare('DELETE FROM agent_admissions WHERE id = ?').run(t.id);
        // A start in flight whose container already runs is counted by the engine, not twice.
        const inFlight = [...tickets, ...orphans.filter((t) => !settled.includes(t))].filter((t) => t.state === 'admitted' && !usage.names.has(t.container));
        const over = describeLimit(limits, usage, inFlight, req);
        if (!over) {
          db.prepare("UPDATE agent_admissions SET state = 'admitted', heartbeat_at = ? WHERE id = ?").run(Date.now(), id);
          return { admitted: true as const };
        }
        return { wait: over };
      });
      if ('admitted' in verdict) {
        // The holder's heartbeat while its start is in flight: another host's berth judges it by this.
        const heartbeat = setInterval(() => {
          try {
            beat();
          } catch {
            // the database was closed under a start in flight
          }
        }, HEARTBEAT_MS);
        heartbeat.unref();
        return {
          release: () => {
            clearInterval(heartbeat);
            drop();
          },
        };
      }
      if (!queue) throw new LimitError(verdict.wait);
      if (!told) {
        told = true;
        req.onQueued?.(`${verdict.wait}; waiting up to ${formatDelay(deadline - now)}`);
      }
      if (Date.now() >= deadline) throw new AdmissionTimeoutError(`timed out after ${formatDelay(deadline - now)} in agent ${req.agent}'s queue (${verdict.wait})`);
      beat();
      await sleep(POLL_MS, req.signal);
    }
  } catch (err) {
    drop();
    throw err;
  }
}

/**
 * The agent's tickets in order. A waiting ticket whose holder is gone is dropped; an admitted one (a start in flight)
 * whose holder is gone is an orphan, settled by the caller against what the engine shows.
 */
function liveTickets(db: Database, agent: string): { tickets: Ticket[]; orphans: Ticket[] } {
  const rows = db.prepare('SELECT * FROM agent_admissions WHERE agent = ? ORDER BY id').all(agent) as Ticket[];
  const now = Date.now();
  const tickets: Ticket[] = [];
  const orphans: Ticket[] = [];
  for (const t of rows) {
    const alive = holderAlive(t, t.heartbeat_at, now);
    if (t.state === 'admitted' && !alive) orphans.push(t);
    else if (!alive) db.prepare('DELETE FROM agent_admissions WHERE id = ?').run(t.id);
    else tickets.push(t);
  }
  return { tickets, orphans };
}

/** Starts waiting in an agent's queue right now (for agent list). */
export function queuedStarts(rt: Runtime, agent: string): number {
  const row = rt.db().prepare("SELECT COUNT(*) AS n FROM agent_admissions WHERE agent = ? AND state = 'waiting'").get(agent) as { n: number };
  return row.n;
}
