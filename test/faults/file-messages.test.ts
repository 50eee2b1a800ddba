// A damaged settings file or database: one line that names the file and what is wrong with it, and the file is left
// as it was (never overwritten).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempHome } from '../support/helpers.js';

const bin = path.join(repoRoot, 'bin', 'berth');
const berth = (home: string, ...args: string[]) => spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, BERTH_HOME: home }, encoding: 'utf8' });

describe('damaged state files', () => {
  it.each([
    ['a settings file cut short', 'config/config.json', '{"defaultRoom":', ['trust', 'list'], 'cannot read the settings file {file}: it is not valid JSON'],
    ['a settings file that is a directory', 'config/config.json', null, ['trust', 'list'], 'cannot read the settings file {file}: it is a directory'],
    ['a database that is not one', 'data/berth.db', 'not a database, but nobody should overwrite it', ['approvals', 'list'], 'cannot open the database {file}: it is not a SQLite database'],
  ] as const)('%s: one line naming the file, exit 1, the file untouched', (_what, rel, content, args, message) => {
    const home = tempHome();
    try {
      const file = path.join(home, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      if (content === null) fs.mkdirSync(file);
      else fs.writeFileSync(file, content);
      const r = berth(home, ...args);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`berth: ${message.replace('{file}', file)}`);
      if (content !== null) expect(fs.readFileSync(file, 'utf8')).toBe(content);
      else expect(fs.statSync(file).isDirectory()).toBe(true);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
