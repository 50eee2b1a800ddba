// The SQLite state store (better-sqlite3, WAL, busy_timeout) for what Docker cannot hold, with ordered migrations.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

export type Database = BetterSqlite3.Database;

/** Each entry moves the schema one version forward; never edit a shipped entry, append a new one. */
export const migrations: readonly string[] = [
  `CREATE TABLE container_records (
     id          INTEGER PRIMARY KEY AUTOINCREMENT,
     container_id TEXT,
     room        TEXT NOT NULL,
     name        TEXT NOT NULL,
     image       TEXT NOT NULL,
     agent       TEXT NOT NULL,
     status      TEXT NOT NULL,
     params      TEXT NOT NULL DEFAULT '{}',
     metadata    TEXT NOT NULL DEFAULT '{}',
     labels      TEXT NOT NULL DEFAULT '{}',
     created_at  TEXT NOT NULL,
     updated_at  TEXT NOT NULL
   );
   CREATE INDEX container_records_room ON container_records(room);
   CREATE INDEX container_records_container ON container_records(container_id);`,
  // images: which room holds which image (pulled, built or tagged in it); Docker stays the truth for the images.
  `CREATE TABLE images_room_claims (
     room       TEXT NOT NULL,
     image_id   TEXT NOT NULL,
     ref        TEXT NOT NULL,
     source     TEXT NOT NULL,
     created_at TEXT NOT NULL,
     PRIMARY KEY (room, image_id, ref)
   );
   CREATE INDEX images_room_claims_image ON images_room_claims(image_id);`,
  // agents: admission tickets (queue order and starts in flight) and a lease lock per agent, for the
  // per-agent limits checked atomically across berth processes.
  `CREATE TABLE agent_admissions (
     id           INTEGER PRIMARY KEY AUTOINCREMENT,
     agent        TEXT NOT NULL,
     pid          INTEGER NOT NULL,
     state        TEXT NOT NULL CHECK (state IN ('waiting', 'admitted')),
     nano_cpus    INTEGER NOT NULL DEFAULT 0,
     container    TEXT NOT NULL,
     created_at   INTEGER NOT NULL,
     heartbeat_at INTEGER NOT NULL
   );
   CREATE INDEX agent_admissions_agent ON agent_admissions(agent, id);
   CREATE TABLE agent_admission_locks (
     agent      TEXT PRIMARY KEY,
     holder     TEXT NOT NULL,
     expires_at INTEGER NOT NULL
   );`,
  // approvals: the host shell approval queue (src/runtime/host-commands/approval-queue.ts). Times are epoch milliseconds.
  `CREATE TABLE approval_requests (
     id           INTEGER PRIMARY KEY AUTOINCREMENT,
     status       TEXT NOT NULL CHECK (status IN ('pending','approved','denied','expired','cancelled')),
     agent        TEXT NOT NULL,
     room         TEXT,
     kind         TEXT NOT NULL CHECK (kind IN ('argv','script')),
     argv         TEXT,
     script       TEXT,
     command      TEXT NOT NULL,
     cwd          TEXT NOT NULL,
     env          TEXT NOT NULL,
     env_added    TEXT NOT NULL,
     created_at   INTEGER NOT NULL,
     expires_at   INTEGER NOT NULL,
     caller_pid   INTEGER NOT NULL,
     caller_start TEXT,
     caller_host  TEXT NOT NULL,
     caller_boot  TEXT,
     decided_at   INTEGER,
     decided_by   TEXT,
     decided_via  TEXT CHECK (decided_via IN ('person','rule','expiry','caller')),
     reason       TEXT,
     rule         TEXT,
     started_at   INTEGER,
     ended_at     INTEGER,
     exit_code    INTEGER,
     end_reason   TEXT CHECK (end_reason IN ('exited','caller-lost','not-run'))
   );
   CREATE INDEX approval_requests_open ON approval_requests(status, ended_at);`,
  // deploy: services (active revision), their last specs and deploy progress, one deploy lock per service.
  `CREATE TABLE deploy_services (
     room            TEXT NOT NULL,
     name            TEXT NOT NULL,
     mode            TEXT NOT NULL,
     active_revision INTEGER,
     last_revision   INTEGER NOT NULL DEFAULT 0,
     created_at      TEXT NOT NULL,
     updated_at      TEXT NOT NULL,
     PRIMARY KEY (room, name)
   );
   CREATE TABLE deploy_revisions (
     room        TEXT NOT NULL,
     name        TEXT NOT NULL,
     revision    INTEGER NOT NULL,
     spec        TEXT NOT NULL,
     status      TEXT NOT NULL,
     phase       TEXT NOT NULL,
     message     TEXT,
     actor       TEXT NOT NULL,
     rollback_of INTEGER,
     created_at  TEXT NOT NULL,
     updated_at  TEXT NOT NULL,
     PRIMARY KEY (room, name, revision)
   );
   CREATE TABLE deploy_locks (
     room        TEXT NOT NULL,
     name        TEXT NOT NULL,
     pid         INTEGER NOT NULL,
     host        TEXT NOT NULL,
     token       TEXT NOT NULL,
     acquired_at TEXT NOT NULL,
     PRIMARY KEY (room, name)
   );`,
  // records: the plugin release, env with secret values masked, and what berth last saw of the
  // container (Docker state, exit code, OOM kill, finish time) so reconciling can tell a change from an old status.
  `ALTER TABLE container_records ADD COLUMN release TEXT;
   ALTER TABLE container_records ADD COLUMN env TEXT NOT NULL DEFAULT '{}';
   ALTER TABLE container_records ADD COLUMN exit_code INTEGER;
   ALTER TABLE container_records ADD COLUMN oom_killed INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE container_records ADD COLUMN container_state TEXT;
   ALTER TABLE container_records ADD COLUMN finished_at TEXT;
   CREATE INDEX container_records_status ON container_records(status);
   CREATE INDEX container_records_release ON container_records(release);`,
  // plugins: the registry of plugin releases code@version. The files themselves are a snapshot under
  // <dataDir>/plugins/<code>/<version>; env defaults are kept here with secret-looking values masked.
  `CREATE TABLE plugin_releases (
     code          TEXT NOT NULL,
     version       TEXT NOT NULL,
     description   TEXT NOT NULL DEFAULT '',
     digest        TEXT NOT NULL,
     params_schema TEXT NOT NULL,
     env           TEXT NOT NULL DEFAULT '{}',
     source        TEXT NOT NULL,
     created_at    TEXT NOT NULL,
     updated_at    TEXT NOT NULL,
     PRIMARY KEY (code, version)
   );`,
  // api users (berth serve): people who call the HTTP API with Basic auth; the password only as a bcrypt hash.
  `CREATE TABLE api_users (
     name          TEXT PRIMARY KEY,
     password_hash TEXT NOT NULL,
     created_at    TEXT NOT NULL,
     created_by    TEXT NOT NULL
   );`,
  // locks (holder.ts, locks.ts): one table of locks by key with the holder's identity (pid, process start time, boot
  // id, host) and heartbeat, in place of the admission lease and deploy lock tables; admission tickets record the same
  // identity, so a reused pid or a holder on another host is judged the same way.
  `CREATE TABLE locks (
     key          TEXT PRIMARY KEY,
     token        TEXT NOT NULL,
     pid          INTEGER NOT NULL,
     start        TEXT,
     boot         TEXT,
     host         TEXT NOT NULL,
     acquired_at  INTEGER NOT NULL,
     heartbeat_at INTEGER NOT NULL
   );
   DROP TABLE agent_admission_locks;
   DROP TABLE deploy_locks;
   ALTER TABLE agent_admissions ADD COLUMN start TEXT;
   ALTER TABLE agent_admissions ADD COLUMN boot TEXT;
   ALTER TABLE agent_admissions ADD COLUMN host TEXT NOT NULL DEFAULT '';`,
  // api tokens (berth serve): per-agent bearer tokens with rooms and grants, kept as a SHA-256 of the token; the
  // generation rises with every revocation, so a server checks its cached lookups with one read. A running server
  // publishes its state (address, open sessions, requests per token, recent errors) for the dashboard.
  `CREATE TABLE api_tokens (
     id           TEXT PRIMARY KEY,
     name         TEXT NOT NULL,
     agent        TEXT NOT NULL,
     rooms        TEXT NOT NULL,
     grants       TEXT NOT NULL,
     token_hash   TEXT NOT NULL UNIQUE,
     created_at   TEXT NOT NULL,
     created_by   TEXT NOT NULL,
     expires_at   TEXT,
     last_used_at TEXT,
     revoked_at   TEXT
   );
   CREATE TABLE api_token_generation (
     id         INTEGER PRIMARY KEY CHECK (id = 1),
     generation INTEGER NOT NULL
   );
   INSERT INTO api_token_generation (id, generation) VALUES (1, 0);
   CREATE TABLE api_server_state (
     pid        INTEGER NOT NULL,
     host       TEXT NOT NULL,
     url        TEXT NOT NULL,
     room       TEXT NOT NULL,
     started_at TEXT NOT NULL,
     updated_at INTEGER NOT NULL,
     state      TEXT NOT NULL,
     PRIMARY KEY (host, pid)
   );`,
  `ALTER TABLE approval_requests ADD COLUMN requested_via TEXT;`,
  // When a person's decision got its audit line (ApprovalQueue.decide): its caller starts the command after that.
  `ALTER TABLE approval_requests ADD COLUMN announced_at INTEGER;`,
];

export function openDatabase(file: string): Database {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // A new database is created 0600: SQLite gives its -wal and -shm the database file's mode.
  if (!fs.existsSync(file)) fs.closeSync(fs.openSync(file, 'a', 0o600));
  // better-sqlite3 is a native CommonJS addon: required, not bundled.
  const require = createRequire(import.meta.url);
  const Sqlite = require('better-sqlite3') as typeof BetterSqlite3;
  const db = new Sqlite(file);
  // busy_timeout first: switching to WAL takes a lock that another process opening the file may hold.
  db.pragma('busy_timeout = 5000');
  walMode(db);
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

/**
 * Switch to WAL. Switching reads the file and then needs an exclusive lock; SQLite answers SQLITE_BUSY at once,
 * without its busy handler, when another connection reading the file is upgrading too (waiting would deadlock).
 * Retried for up to the busy timeout.
 */
function walMode(db: Database): void {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10 + Math.floor(Math.random() * 20));
    }
  }
}

export function migrate(db: Database): number {
  if ((db.pragma('user_version', { simple: true }) as number) >= migrations.length) return migrations.length;
  // Several processes may open a new file at once: the version is read again under the write lock (BEGIN
  // IMMEDIATE), so each migration runs exactly once.
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    for (let version = current; version < migrations.length; version++) {
      db.exec(migrations[version]!);
      db.pragma(`user_version = ${version + 1}`);
    }
  }).immediate();
  return db.pragma('user_version', { simple: true }) as number;
}
