// The SQLite state store: a real file in a temp BERTH_HOME, WAL mode, busy timeout, migrations applied once.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, migrations, openDatabase, resolvePaths } from '../../src/runtime/core/index.js';
import { tempHome } from '../support/helpers.js';

const home = tempHome();
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

describe('state store', () => {
  it('lives under BERTH_HOME, uses WAL and a busy timeout, and migrates to the latest version', () => {
    const paths = resolvePaths({ BERTH_HOME: home });
    expect(paths.database).toBe(path.join(home, 'data', 'berth.db'));
    expect(paths.configDir).toBe(path.join(home, 'config'));
    const db = openDatabase(paths.database);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    expect(tables.map((t) => t.name)).toContain('container_records');
    // Re-running migrations is a no-op.
    expect(migrate(db)).toBe(migrations.length);
    db.close();
    expect(fs.existsSync(paths.database)).toBe(true);
  });

  it('uses XDG dirs when BERTH_HOME is not set', () => {
    const paths = resolvePaths({ XDG_CONFIG_HOME: '/x/config', XDG_DATA_HOME: '/x/data' });
    expect(paths.configDir).toBe('/x/config/berth');
    expect(paths.auditLog).toBe('/x/data/berth/actions.jsonl');
  });
});
