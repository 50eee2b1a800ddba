// A settings file that is JSON but of the wrong shape: every command that reads settings refuses it with one line
// naming the file and the key, exit 1, and the file is left byte for byte as it was (no write replaces it).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Runtime } from '../../src/runtime/core/index.js';
import { repoRoot, tempHome } from '../support/helpers.js';

const bin = path.join(repoRoot, 'bin', 'berth');
// No room or agent from the environment: the commands read them from the settings file.
const { BERTH_ROOM: _room, BERTH_AGENT: _agent, ...env } = process.env;
const berth = (home: string, ...args: string[]) => spawnSync(process.execPath, [bin, ...args], { env: { ...env, BERTH_HOME: home }, encoding: 'utf8' });

const rule = { id: 't1', pattern: ['rm'], action: 'deny', createdAt: '2024-01-01T00:00:00Z', createdBy: 'me' };
const cases = [
  ['a list', '[]', 'the file must hold an object of settings {"defaultRoom": …, "trustRules": […], …} (found [])'],
  ['null', 'null', 'the file must hold an object of settings {"defaultRoom": …, "trustRules": […], …} (found null)'],
  ['limits and rules of the wrong type', '{"agentLimits":"x","trustRules":5}', 'agentLimits must be an object of agent names to limits (found "x")'],
  ['rules that are not a list', '{"trustRules":5}', 'trustRules must be a list of rules (found 5)'],
  ['a malformed deny rule', JSON.stringify({ trustRules: [rule, { ...rule, id: 't2', pattern: 'rm -rf' }] }), 'trustRules[1].pattern must be a list of one or more words (found "rm -rf")'],
  ['a deny rule without its action', JSON.stringify({ trustRules: [{ id: 't3', pattern: ['rm'] }] }), 'trustRules[0].action is missing: trustRules[0] must be a rule {id, pattern, action, agent?, room?, createdAt?, createdBy?}'],
  ['maxRunning that is not a number', '{"agentLimits":{"a1":{"maxRunning":"abc"}}}', 'agentLimits.a1.maxRunning must be a whole number, 1 or more (found "abc")'],
  ['an unknown action', JSON.stringify({ trustRules: [{ ...rule, action: 'maybe' }] }), 'trustRules[0].action must be "allow" or "deny" (found "maybe")'],
  ['a misspelt setting', '{"defaultRom":"x"}', 'defaultRom is not a setting berth knows'],
] as const;

describe('a settings file of the wrong shape', () => {
  it.each(cases)('%s: refused by readers and writers with one line naming the file and the key; never rewritten', (_what, content, problem) => {
    const home = tempHome();
    try {
      const file = path.join(home, 'config', 'config.json');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
      // A reader (the fast path: one setting), a writer (conf, under the settings lock), a command that reads the
      // default room, and one that admits a start.
      for (const args of [['trust', 'list'], ['trust', 'add', '--deny', '--', 'rm', '-rf'], ['container', 'list'], ['agent', 'list']]) {
        const r = berth(home, ...args);
        expect(r.stderr.trim().split('\n'), args.join(' ')).toEqual([`berth: ${file}: ${problem}`]);
        expect(r.status, args.join(' ')).toBe(1);
        expect(fs.readFileSync(file, 'utf8')).toBe(content);
      }
      expect(fs.readdirSync(path.dirname(file))).toEqual(['config.json']);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('run from source (ajv compiled at run time) the same file gets the same line as from the bundle', async () => {
    const home = tempHome();
    try {
      const file = path.join(home, 'config', 'config.json');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      for (const [, content, problem] of cases) {
        fs.writeFileSync(file, content);
        const rt = new Runtime({ env: { BERTH_HOME: home } });
        await expect(rt.setting('trustRules')).rejects.toThrow(`${file}: ${problem}`);
        await expect(rt.settings()).rejects.toThrow(`${file}: ${problem}`);
        expect(fs.readFileSync(file, 'utf8')).toBe(content);
      }
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('a file of the right shape is read, and a write that would break the shape is refused before it is written', async () => {
    const home = tempHome();
    try {
      const file = path.join(home, 'config', 'config.json');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const good = JSON.stringify({ trustRules: [rule], agentLimits: { a1: { maxRunning: 2, onLimit: 'queue', memory: '64m', cpus: 0.5 } }, logs: { maxSize: '1m' } });
      fs.writeFileSync(file, good);
      const r = berth(home, 'trust', 'list', '-o', 'json');
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('"t1"');
      const settings = await new Runtime({ env: { BERTH_HOME: home } }).settings();
      const before = fs.readFileSync(file, 'utf8');
      expect(() => settings.set('trustRules', 5 as never)).toThrow(`refusing to write ${file}: trustRules must be a list of rules (found 5)`);
      expect(fs.readFileSync(file, 'utf8')).toBe(before);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
