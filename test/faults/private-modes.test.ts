// berth's files are private to their user (issue 23 item 8): a fresh install is 0700 / 0600, SQLite's -wal and -shm
// included, and an older 0755 / 0644 install is tightened on first use.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliFor } from '../support/container-helpers.js';
import { runtimeFor, tempHome, uniqueRoom } from '../support/helpers.js';

const homes: string[] = [];
afterAll(() => {
  for (const h of homes) fs.rmSync(h, { recursive: true, force: true });
});

const mode = (p: string) => (fs.statSync(p).mode & 0o777).toString(8);

function expectPrivate(home: string): void {
  const data = path.join(home, 'data');
  const config = path.join(home, 'config');
  expect({ data: mode(data), config: mode(config) }).toEqual({ data: '700', config: '700' });
  for (const f of ['berth.db', 'berth.db-wal', 'berth.db-shm', 'actions.jsonl']) expect([f, mode(path.join(data, f))]).toEqual([f, '600']);
  expect(mode(path.join(config, 'config.json'))).toBe('600');
}

describe('file modes', () => {
  it('a fresh install: dirs 0700, the database with its -wal and -shm, the settings file and the audit log 0600', async () => {
    const home = tempHome();
    homes.push(home);
    fs.rmSync(home, { recursive: true, force: true });
    const cli = cliFor(home, uniqueRoom('pm'));
    expect((await cli('approvals', 'list')).code).toBe(0); // a command: the database
    const rt = runtimeFor(home);
    try {
      (await rt.settings()).set('defaultRoom', 'pm');
      rt.audit.append({ actor: 'a', action: 'test.mode', target: 't', result: 'ok' });
      rt.db().exec('CREATE TABLE IF NOT EXISTS t (x)'); // the WAL and shared-memory files exist while it is open
      expectPrivate(home);
    } finally {
      rt.close();
    }
  });

  it('an existing 0755 / 0644 install is tightened on first use', async () => {
    const home = tempHome();
    homes.push(home);
    const old = runtimeFor(home);
    (await old.settings()).set('defaultRoom', 'pm');
    old.audit.append({ actor: 'a', action: 'test.mode', target: 't', result: 'ok' });
    old.db().exec('CREATE TABLE IF NOT EXISTS t (x)');
    for (const d of ['data', 'config']) fs.chmodSync(path.join(home, d), 0o755);
    for (const f of ['data/berth.db', 'data/berth.db-wal', 'data/berth.db-shm', 'data/actions.jsonl', 'config/config.json']) fs.chmodSync(path.join(home, f), 0o644);
    const cli = cliFor(home, uniqueRoom('pm'));
    expect((await cli('approvals', 'list')).code).toBe(0); // the first berth command after the upgrade
    const rt = runtimeFor(home);
    try {
      expectPrivate(home);
    } finally {
      rt.close();
      old.close();
    }
  });
});
