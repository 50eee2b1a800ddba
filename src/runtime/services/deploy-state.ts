// What the state store keeps about services: the active revision, the last specs (for rollback), each deploy's
// progress (so a rerun after berth was killed can converge), and one lock per service.
import { ConflictError, describeHolder, tryLock, type Database } from '../core/index.js';
import type { DeploySpec } from './deploy-spec.js';

export type RevisionStatus = 'deploying' | 'active' | 'failed' | 'superseded' | 'interrupted';
export type DeployPhase = 'starting' | 'health' | 'switched' | 'draining' | 'done' | 'failed';

export interface ServiceRow {
  room: string;
  name: string;
  mode: 'engine' | 'swarm';
  activeRevision: number | null;
  lastRevision: number;
  createdAt: string;
  updatedAt: string;
}

export interface RevisionRow {
  room: string;
  name: string;
  revision: number;
  spec: DeploySpec;
  status: RevisionStatus;
  phase: DeployPhase;
  message: string | null;
  actor: string;
  rollbackOf: number | null;
  createdAt: string;
  updatedAt: string;
}


const now = () => new Date().toISOString();

interface RawService {
  room: string;
  name: string;
  mode: string;
  active_revision: number | null;
  last_revision: number;
  created_at: string;
  updated_at: string;
}

interface RawRevision {
  room: string;
  name: string;
  revision: number;
  spec: string;
  status: string;
  phase: string;
  message: string | null;
  actor: string;
  rollback_of: number | null;
  created_at: string;
  updated_at: string;
}

function toService(r: RawService): ServiceRow {
  return {
    room: r.room,
    name: r.name,
    mode: r.mode as ServiceRow['mode'],
    activeRevision: r.active_revision,
    lastRevision: r.last_revision,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toRevision(r: RawRevision): RevisionRow {
  return {
    room: r.room,
    name: r.name,
    revision: r.revision,
    spec: JSON.parse(r.spec) as DeploySpec,
    status: r.status as RevisionStatus,
    phase: r.phase as DeployPhase,
    message: r.message,
    actor: r.actor,
    rollbackOf: r.rollback_of,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export class DeployState {
  constructor(private readonly db: Database) {}

  service(room: string, name: string): ServiceRow | undefined {
    const r = this.db.prepare('SELECT * FROM deploy_services WHERE room = ? AND name = ?').get(room, name) as RawService | undefined;
    return r ? toService(r) : undefined;
  }

  services(room?: string): ServiceRow[] {
    const rows = (room
      ? this.db.prepare('SELECT * FROM deploy_services WHERE room = ? ORDER BY name').all(room)
      : this.db.prepare('SELECT * FROM deploy_services ORDER BY room, name').all()) as RawService[];
    return rows.map(toService);
  }

  /** Every service whose active revision has a domain, oldest service first (the holder when two claim one). */
  activeDomains(): { room: string; name: string; domain: string; port: number; createdAt: string }[] {
    const rows = this.db
      .prepare(
        `SELECT s.room, s.name, s.created_at, r.spec FROM deploy_services s JOIN deploy_revisions r
         ON r.room = s.room AND r.name = s.name AND r.revision = s.active_revision ORDER BY s.created_at, s.room, s.name`,
      )
      .all() as { room: string; name: string; created_at: string; spec: string }[];
    const out: { room: string; name: string; domain: string; port: number; createdAt: string }[] = [];
    for (const r of rows) {
      const spec = JSON.parse(r.spec) as DeploySpec;
      if (spec.domain && spec.ports[0]) out.push({ room: r.room, name: r.name, domain: spec.domain, port: spec.ports[0].containerPort, createdAt: r.created_at });
    }
    return out;
  }

  /** The active revision only: the proxy reads it on every request, so the switch is one committed write. */
  activeRevision(room: string, name: string): number | null {
    const r = this.db.prepare('SELECT active_revision FROM deploy_services WHERE room = ? AND name = ?').get(room, name) as
      | { active_revision: number | null }
      | undefined;
    return r?.active_revision ?? null;
  }

  revision(room: string, name: string, revision: number): RevisionRow | undefined {
    const r = this.db.prepare('SELECT * FROM deploy_revisions WHERE room = ? AND name = ? AND revision = ?').get(room, name, revision) as
      | RawRevision
      | undefined;
    return r ? toRevision(r) : undefined;
  }

  /** Newest first. */
  revisions(room: string, name: string): RevisionRow[] {
    const rows = this.db.prepare('SELECT * FROM deploy_revisions WHERE room = ? AND name = ? ORDER BY revision DESC').all(room, name) as RawRevision[];
    return rows.map(toRevision);
  }

  /** Allocates the next revision number and records the spec as deploying. */
  begin(spec: DeploySpec, mode: ServiceRow['mode'], actor: string, rollbackOf?: number, minRevision = 0): number {
    return this.db.transaction(() => {
      const t = now();
      this.db
        .prepare(
          `INSERT INTO deploy_services (room, name, mode, active_revision, last_revision, created_at, updated_at)
           VALUES (?, ?, ?, NULL, 0, ?, ?) ON CONFLICT (room, name) DO UPDATE SET mode = excluded.mode`,
        )
        .run(spec.room, spec.name, mode, t, t);
      const { last_revision } = this.db.prepare('SELECT last_revision FROM deploy_services WHERE room = ? AND name = ?').get(spec.room, spec.name) as {
        last_revision: number;
      };
      // Container names carry the revision: never reuse one the engine still has (the store may have been reset).
      const revision = Math.max(last_revision, minRevision) + 1;
      // updated_at moves when a revision becomes active (activate), not when one is tried: a failed deploy changes nothing.
      this.db.prepare('UPDATE deploy_services SET last_revision = ? WHERE room = ? AND name = ?').run(revision, spec.room, spec.name);
      this.db
        .prepare(
          `INSERT INTO deploy_revisions (room, name, revision, spec, status, phase, message, actor, rollback_of, created_at, updated_at)
           VALUES (?, ?, ?, ?, 'deploying', 'starting', NULL, ?, ?, ?, ?)`,
        )
        .run(spec.room, spec.name, revision, JSON.stringify(spec), actor, rollbackOf ?? null, t, t);
      return revision;
    })();
  }

  phase(room: string, name: string, revision: number, phase: DeployPhase): void {
    this.db.prepare('UPDATE deploy_revisions SET phase = ?, updated_at = ? WHERE room = ? AND name = ? AND revision = ?').run(phase, now(), room, name, revision);
  }

  /** The switch: one transaction makes `revision` active and the one before superseded. */
  activate(room: string, name: string, revision: number): void {
    this.db.transaction(() => {
      const t = now();
      this.db
        .prepare("UPDATE deploy_revisions SET status = 'superseded', updated_at = ? WHERE room = ? AND name = ? AND status = 'active' AND revision != ?")
        .run(t, room, name, revision);
      this.db
        .prepare("UPDATE deploy_revisions SET status = 'active', phase = 'switched', updated_at = ? WHERE room = ? AND name = ? AND revision = ?")
        .run(t, room, name, revision);
      this.db.prepare('UPDATE deploy_services SET active_revision = ?, updated_at = ? WHERE room = ? AND name = ?').run(revision, t, room, name);
    })();
  }

  fail(room: string, name: string, revision: number, message: string, status: RevisionStatus = 'failed'): void {
    this.db
      .prepare("UPDATE deploy_revisions SET status = ?, phase = 'failed', message = ?, updated_at = ? WHERE room = ? AND name = ? AND revision = ?")
      .run(status, message.slice(0, 2000), now(), room, name, revision);
  }

  /**
   * Forgets a revision that was refused before any container was made (the agent's limits): no history row, and no
   * service row when that was the service's first deploy.
   */
  discard(room: string, name: string, revision: number): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM deploy_revisions WHERE room = ? AND name = ? AND revision = ?').run(room, name, revision);
      this.db
        .prepare(
          'DELETE FROM deploy_services WHERE room = ? AND name = ? AND active_revision IS NULL AND NOT EXISTS (SELECT 1 FROM deploy_revisions r WHERE r.room = deploy_services.room AND r.name = deploy_services.name)',
        )
        .run(room, name);
    })();
  }

  /** Marks deploys that a killed berth left half-done (any revision still "deploying" that is not active). */
  markInterrupted(room: string, name: string, active: number | null): number {
    const r = this.db
      .prepare(
        "UPDATE deploy_revisions SET status = 'interrupted', phase = 'failed', message = 'berth stopped before this deploy finished', updated_at = ? WHERE room = ? AND name = ? AND status = 'deploying' AND revision IS NOT ?",
      )
      .run(now(), room, name, active);
    return r.changes;
  }

  /**
   * Services with a drain left unfinished: a revision that took over (active, or superseded since) whose deploy
   * stopped after the switch and before the old revision was removed.
   */
  unfinishedDrains(room?: string): { room: string; name: string }[] {
    const sql = `SELECT DISTINCT r.room, r.name FROM deploy_revisions r JOIN deploy_services s ON s.room = r.room AND s.name = r.name
      WHERE s.mode = 'engine' AND r.phase IN ('switched', 'draining') AND r.status IN ('active', 'superseded')${room !== undefined ? ' AND r.room = ?' : ''} ORDER BY r.room, r.name`;
    return this.db.prepare(sql).all(...(room !== undefined ? [room] : [])) as { room: string; name: string }[];
  }

  /** Marks the service's unfinished drains done (its old revisions' containers are gone). */
  finishDrains(room: string, name: string): number {
    return this.db
      .prepare("UPDATE deploy_revisions SET phase = 'done', updated_at = ? WHERE room = ? AND name = ? AND phase IN ('switched', 'draining') AND status IN ('active', 'superseded')")
      .run(now(), room, name).changes;
  }

  /** Sets the active revision without a deploy (the state store was lost and the engine says which one runs). */
  adopt(room: string, name: string, mode: ServiceRow['mode'], revision: number): void {
    const t = now();
    this.db
      .prepare(
        `INSERT INTO deploy_services (room, name, mode, active_revision, last_revision, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (room, name) DO UPDATE SET active_revision = excluded.active_revision,
         last_revision = MAX(last_revision, excluded.last_revision), updated_at = excluded.updated_at`,
      )
      .run(room, name, mode, revision, revision, t, t);
  }

  /** Keeps the newest `keep` revisions, and always the active one. */
  prune(room: string, name: string, keep: number): void {
    const active = this.activeRevision(room, name) ?? -1;
    this.db
      .prepare(
        `DELETE FROM deploy_revisions WHERE room = ? AND name = ? AND revision != ? AND revision NOT IN
         (SELECT revision FROM deploy_revisions WHERE room = ? AND name = ? ORDER BY revision DESC LIMIT ?)`,
      )
      .run(room, name, active, room, name, keep);
  }

  remove(room: string, name: string): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM deploy_revisions WHERE room = ? AND name = ?').run(room, name);
      this.db.prepare('DELETE FROM deploy_services WHERE room = ? AND name = ?').run(room, name);
    })();
  }

  /**
   * Takes the service's deploy lock (core locks.ts). A lock whose holder is gone (berth was killed, its pid reused, or
   * another host's heartbeat stopped) is taken over; a live holder is a conflict. Returns the release function.
   */
  lock(room: string, name: string): () => void {
    const got = tryLock(this.db, `deploy:${room}/${name}`);
    if ('heldBy' in got) throw new ConflictError(`a deploy of service "${name}" in room "${room}" is in progress (${describeHolder(got.heldBy)})`);
    return got.release;
  }
}
