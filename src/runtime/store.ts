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
  // records (plugins helper): the plugin release, env with secret values masked, and what berth last saw of the
  // container (Docker state, exit code, OOM kill, finish time) so reconciling can tell a change from an old status.
  `ALTER TABLE container_records ADD COLUMN release TEXT;
   ALTER TABLE container_records ADD COLUMN env TEXT NOT NULL DEFAULT '{}';
   ALTER TABLE container_records ADD COLUMN exit_code INTEGER;
   ALTER TABLE container_records ADD COLUMN oom_killed INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE container_records ADD COLUMN container_state TEXT;
   ALTER TABLE container_records ADD COLUMN finished_at TEXT;
   CREATE INDEX container_records_status ON container_records(status);
   CREATE INDEX container_records_release ON container_records(release);`,
  // plugins (plugins helper): the registry of plugin releases code@version. The files themselves are a snapshot under
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
