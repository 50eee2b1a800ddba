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
  // agents (issue 12): admission tickets (queue order and starts in flight) and a lease lock per agent, for the
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
];

export function openDatabase(file: string): Database {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // better-sqlite3 is a native CommonJS addon: required, not bundled.
  const require = createRequire(import.meta.url);
  const Sqlite = require('better-sqlite3') as typeof BetterSqlite3;
  const db = new Sqlite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

export function migrate(db: Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  return db.pragma('user_version', { simple: true }) as number;
}
