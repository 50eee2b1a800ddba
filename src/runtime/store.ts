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
