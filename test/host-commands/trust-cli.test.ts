// berth trust add|list|remove|check: rules stored in config, decisions and exit codes, audit lines, bad input, and
// the bash parser kept out of the start-up of an argv check.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, resolvePaths } from '../../src/runtime/core/index.js';
import { addTrustRule } from '../../src/runtime/host-commands/index.js';
import { repoRoot, runCli, runtimeFor, tempHome } from '../support/helpers.js';
import { PERSON, berthAsPerson } from '../support/person.js';

let home: string;
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { BERTH_HOME: home, BERTH_AGENT: '', BERTH_ROOM: '', ...env });
/** A person at a terminal: adding an allow rule and removing one need stdin to be a terminal. */
const person = async (args: string[]) => {
  const r = await berthAsPerson(home, args, { BERTH_ROOM: '' });
  return { code: r.code, stdout: r.output, stderr: r.output };
};

beforeAll(() => {
  home = tempHome();
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

describe('berth trust', () => {
  it('adds, lists and removes rules, each through the audit log', async () => {
    const added = await person(['trust', 'add', '-o', 'json', '--', 'git', 'log']);
    expect(added.code, added.stderr).toBe(0);
    const rule = JSON.parse(added.stdout);
    expect(rule).toMatchObject({ pattern: ['git', 'log'], action: 'allow' });
    expect((await cli(['trust', 'add', '--deny', '--', 'git', 'push'])).stdout).toMatch(/^added deny rule t[0-9a-f]{6}: git push/);
    expect((await person(['trust', 'add', '--agent', 'ci', '--room', 'web', '--', 'npm', 'test'])).stdout).toMatch(/\(agent ci, room web\)/);
    // Numbers after -- are kept as typed, not turned into numbers.
    expect(JSON.parse((await person(['trust', 'add', '-o', 'json', '--', 'head', '-n', '0x10'])).stdout).pattern).toEqual(['head', '-n', '0x10']);

    const list = await cli(['trust', 'list']);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+ACTION\s+PATTERN\s+AGENT\s+ROOM/);
    expect(list.stdout.split('\n')[1]).toMatch(/deny\s+git push/);
    const items = JSON.parse((await cli(['trust', 'list', '-o', 'json'])).stdout).items;
    expect(items).toHaveLength(4);
    const config = JSON.parse(fs.readFileSync(path.join(home, 'config', 'config.json'), 'utf8'));
    expect(config.trustRules).toHaveLength(4);

    const dup = await person(['trust', 'add', '--', 'git', 'log']);
    expect(dup.code).toBe(4);
    expect(dup.stderr).toMatch(/already exists/);

    expect((await person(['trust', 'remove', rule.id])).stdout).toMatch(`removed allow rule ${rule.id}: git log`);
    expect((await person(['trust', 'remove', '--', 'head', '-n', '0x10'])).code).toBe(0);
    expect(JSON.parse((await cli(['trust', 'list', '-o', 'json'])).stdout).items).toHaveLength(2);
    expect((await person(['trust', 'remove', 'tffffff'])).code).toBe(3);

    const audit = new AuditLog(resolvePaths({ BERTH_HOME: home }).auditLog).read().filter((e) => e.action.startsWith('trust.'));
    expect(audit.map((e) => `${e.action} ${e.result}`)).toEqual(['trust.add ok', 'trust.add ok', 'trust.add ok', 'trust.add ok', 'trust.remove ok', 'trust.remove ok']);
    expect(audit[0]!.details).toMatchObject({ pattern: ['git', 'log'], rule: 'allow' });
    for (const id of items.map((r: { id: string }) => r.id)) await person(['trust', 'remove', id]);
  });

  it('check: exit 0 auto-approved, 1 a person decides, 6 refused, with the reason', async () => {
    const rt = runtimeFor(home, { BERTH_AGENT: '' });
    for (const pattern of [['git', 'log'], ['ls']]) await addTrustRule(rt, { pattern }, PERSON);
    await addTrustRule(rt, { pattern: ['npm', 'test'], agent: 'ci' }, PERSON);
    rt.close();
    await cli(['trust', 'add', '--deny', '--', 'git', 'push']);

    const ok = await cli(['trust', 'check', '--', 'git', 'log', '--oneline']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^decision:\s+allow/m);
    expect(ok.stdout).toMatch(/^reason:\s+allowed: every command matches an allow rule/m);

    const ask = await cli(['trust', 'check', '--script', 'git log | sh']);
    expect(ask.code).toBe(1);
    expect(ask.stdout).toMatch(/^decision:\s+ask/m);
    expect(ask.stdout).toMatch(/^reason:\s+runs another program: `sh`/m);

    const deny = await cli(['trust', 'check', '-o', 'json', '--', 'git', 'push', 'origin']);
    expect(deny.code).toBe(6);
    expect(JSON.parse(deny.stdout)).toMatchObject({ decision: 'deny', rule: { pattern: ['git', 'push'] } });

    expect((await cli(['trust', 'check', '--', 'npm', 'test'])).code).toBe(1);
    expect((await cli(['trust', 'check', '--agent', 'ci', '--', 'npm', 'test'])).code).toBe(0);
    expect((await cli(['trust', 'check', '--', 'npm', 'test'], { BERTH_AGENT: 'ci' })).code).toBe(0);
    expect((await cli(['trust', 'check', '-c', 'ls $(id)'])).stdout).toMatch(/reason:\s+command substitution: `\$\(id\)`/);
  });

  it('refuses bad input with one line and changes nothing', async () => {
    const before = fs.readFileSync(path.join(home, 'config', 'config.json'), 'utf8');
    const cases: [string[], number, RegExp][] = [
      [['trust', 'add'], 2, /name the command to trust after --/],
      [['trust', 'add', '--', '*'], 2, /must name its program/],
      [['trust', 'add', '--', '/bin/ls'], 2, /not by path/],
      [['trust', 'add', '--agent', 'bad agent', '--', 'ls'], 2, /invalid --agent/],
      [['trust', 'add', '--room', 'Bad_Room', '--', 'ls'], 2, /invalid room name/],
      [['trust', 'check'], 2, /name the command to check/],
      [['trust', 'check', '-c', 'ls', '--', 'ls'], 2, /either --script/],
      [['trust', 'remove'], 2, /name the rule to remove/],
    ];
    for (const [args, code, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    // An agent cannot widen its own trust.
    const agent = await cli(['trust', 'add', '--', 'rm'], { BERTH_AGENT: 'bot' });
    expect(agent.code).toBe(6);
    expect((await cli(['trust', 'remove', '--', 'git', 'push'], { BERTH_AGENT: 'bot' })).code).toBe(6);
    expect(fs.readFileSync(path.join(home, 'config', 'config.json'), 'utf8')).toBe(before);
  });

  it("adding an allow rule and removing any rule are a person's acts: refused for BERTH_AGENT and without a terminal", async () => {
    const file = path.join(home, 'config', 'config.json');
    const config = () => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
    const before = config();
    const bin = path.join(repoRoot, 'bin', 'berth');
    // stdin a pipe (what an agent's tool call has), BERTH_AGENT unset: exit 6, the same one line as approvals approve.
    for (const [args, act] of [
      [['trust', 'add', '--', 'rm'], 'adding an allow rule'],
      [['trust', 'remove', '--', 'git', 'push'], 'removing a trust rule'],
    ] as [string[], string][]) {
      const piped = spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, BERTH_HOME: home, BERTH_AGENT: '' }, input: '', encoding: 'utf8' });
      expect(piped.status, args.join(' ')).toBe(6);
      expect(piped.stderr.trim().split('\n')).toEqual([`berth: ${act} is a person's act: refused because stdin is not a terminal`]);
      // On a terminal, but as an agent.
      const agent = await berthAsPerson(home, args, { BERTH_AGENT: 'bot' });
      expect(agent.code).toBe(6);
      expect(agent.output.trim()).toBe(`berth: ${act} is a person's act: refused for agent bot (BERTH_AGENT is set)`);
    }
    expect(config()).toBe(before);
    // A deny rule only narrows trust: anyone may add one, an agent without a terminal too (only a person removes it).
    const deny = await cli(['trust', 'add', '--deny', '-o', 'json', '--', 'curl'], { BERTH_AGENT: 'bot' });
    expect(deny.code, deny.stderr).toBe(0);
    expect((await cli(['trust', 'remove', JSON.parse(deny.stdout).id])).code).toBe(6);
    expect((await person(['trust', 'remove', JSON.parse(deny.stdout).id])).code).toBe(0);
  }, 60_000);

  it('rules and limits written by several processes at once are all kept', async () => {
    // Each a person at a terminal of their own (a pty): adding an allow rule and setting limits need one.
    const run = async (args: string[]) => (await berthAsPerson(home, args)).code;
    const codes = await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => run(['trust', 'add', '--', `parallel${i}`])),
      ...Array.from({ length: 4 }, (_, i) => run(['agent', 'limits', `par-agent${i}`, '--max-running', String(i + 1)])),
    ]);
    expect(codes).toEqual(Array(10).fill(0));
    const patterns = JSON.parse((await cli(['trust', 'list', '-o', 'json'])).stdout).items.map((r: { pattern: string[] }) => r.pattern[0]);
    for (let i = 0; i < 6; i++) expect(patterns).toContain(`parallel${i}`);
    const config = JSON.parse(fs.readFileSync(path.join(home, 'config', 'config.json'), 'utf8'));
    for (let i = 0; i < 4; i++) expect(config.agentLimits[`par-agent${i}`]).toEqual({ maxRunning: i + 1 });
  }, 60_000);

  it('the built binary checks an argv and a script; the bash parser loads only through a dynamic import', () => {
    const env = { ...process.env, BERTH_HOME: home, BERTH_AGENT: '' };
    const bin = path.join(repoRoot, 'bin', 'berth');
    const argvRun = spawnSync(process.execPath, [bin, 'trust', 'check', '--', 'ls', '-la'], { env, encoding: 'utf8' });
    expect(argvRun.status, argvRun.stderr).toBe(0);
    const scriptRun = spawnSync(process.execPath, [bin, 'trust', 'check', '-c', 'ls -la | ls'], { env, encoding: 'utf8' });
    expect(scriptRun.status, scriptRun.stderr.slice(-500)).toBe(0);
    const bypass = spawnSync(process.execPath, [bin, 'trust', 'check', '-c', 'ls > /tmp/x'], { env, encoding: 'utf8' });
    expect(bypass.status).toBe(1);
    expect(bypass.stdout).toMatch(/reason:\s+redirection/);
    // web-tree-sitter is imported by one chunk only, and nothing imports that chunk statically.
    const dist = path.join(repoRoot, 'dist');
    const files = fs.readdirSync(dist).filter((f) => f.endsWith('.js'));
    const read = (f: string) => fs.readFileSync(path.join(dist, f), 'utf8');
    const users = files.filter((f) => /from\s*"web-tree-sitter"|import\("web-tree-sitter"\)/.test(read(f)));
    expect(users).toHaveLength(1);
    expect(files.filter((f) => read(f).includes(`from "./${users[0]}"`))).toEqual([]);
    expect(files.some((f) => read(f).includes(`import("./${users[0]}")`))).toBe(true);
  }, 60_000);
});
