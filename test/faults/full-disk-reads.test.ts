// A full disk under BERTH_HOME: SQLite cannot make the database's -shm file, even to read, and says only
// `disk I/O error`. berth says the disk is full and which, names the file, exits 1 and changes nothing; with room
// again the same command works.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/helpers.js';
import { berthAsPerson } from '../support/person.js';
import { fill, removeSmallDisks, smallDisk } from './tmpfs.js';

afterEach(removeSmallDisks);

const berth = (home: string, ...args: string[]) =>
  spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'berth'), ...args], { env: { ...process.env, BERTH_HOME: home, BERTH_AGENT: 'tester' }, encoding: 'utf8' });

describe('a full disk under BERTH_HOME', () => {
  it('reads of the database say the disk is full and which, and work again once there is room', async () => {
    const home = smallDisk('2m');
    expect(berth(home, 'approvals', 'list').status).toBe(0); // the database is made while there is room
    // A limit makes `agent list` read the agent's queued starts from the database even with nothing running
    // (without one, it has nothing to read there and rightly works on a full disk).
    expect((await berthAsPerson(home, ['agent', 'limits', 'tester', '--max-running', '2'])).code).toBe(0);
    const db = path.join(home, 'data', 'berth.db');
    const before = fs.readFileSync(db);
    const filler = fill(home);
    for (const args of [['approvals', 'list'], ['records', 'list'], ['agent', 'list']]) {
      const r = berth(home, ...args);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toEqual([`berth: cannot open the database ${db}: the disk is full (${home}, tmpfs)`]);
      expect(r.status, args.join(' ')).toBe(1);
    }
    expect(fs.readFileSync(db).equals(before)).toBe(true);
    fs.rmSync(filler);
    const again = berth(home, 'approvals', 'list');
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
  });
});
