// The trust evaluator against a corpus of bypass attempts: with the rule set git status, git log, ls, cat, grep,
// find and sed -n, none may auto-approve, and each must go to a person for the right reason; the plain commands
// those rules are meant for must auto-approve.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateCommand, suggestRule, suggestRules, type TrustDecision } from '../../src/runtime/host-commands/index.js';
import { type TrustRule } from '../../src/runtime/core/index.js';

let n = 0;
function rule(pattern: string, extra: Partial<TrustRule> = {}): TrustRule {
  return { id: `r${++n}`, pattern: pattern.split(' '), action: 'allow', createdAt: '2026-12-01T00:00:00Z', createdBy: 'test', ...extra };
}

const RULES: TrustRule[] = ['git status', 'git log', 'ls', 'cat', 'grep', 'find', 'sed -n'].map((p) => rule(p));

const script = (text: string, rules = RULES, scope = {}) => Promise.resolve(evaluateCommand({ script: text }, rules, scope));
const argv = (words: string[], rules = RULES, scope = {}) => Promise.resolve(evaluateCommand({ argv: words }, rules, scope));

/**
 * sed labels: GNU sed 4.9 ends a label at a blank, so what follows it is the next command (`:a e id` runs id).
 * [script, the sed program in it, labels it jumps to but does not define, the command it hides]
 */
const SED_LABELS: [string, string, string[], 'e' | 'w'][] = [
  ["sed -n ':a e touch /tmp/PWNED' /etc/hostname", ':a e touch /tmp/PWNED', [], 'e'],
  ["sed -n ':a w /tmp/x' f", ':a w /tmp/x', [], 'w'],
  ["sed -n ':x\te id' f", ':x\te id', [], 'e'],
  ["sed -n -e ':a e id' f", ':a e id', [], 'e'],
  ["sed -n --expression=':a w /tmp/x' f", ':a w /tmp/x', [], 'w'],
  ["sed -n 'bx e id' f", 'bx e id', ['x'], 'e'],
  ["sed -n '1!b x e id' f", '1!b x e id', ['x'], 'e'],
  ["sed -n 'T x e' f", 'T x e', ['x'], 'e'],
  ["sed -n 't x w /tmp/x' f", 't x w /tmp/x', ['x'], 'w'],
  ["sed -n ': a e id' f", ': a e id', [], 'e'],
  ["sed -n 'p;:a\t\te id' f", 'p;:a\t\te id', [], 'e'],
];

/** [script, the reason category it must go to a person for] */
const BYPASSES: [string, string][] = [
  ...SED_LABELS.map(([text]): [string, string] => [text, 'dangerous flag']),
  // chaining, pipes, newlines: every simple command must be allowed on its own
  ['ls; rm -rf /tmp/x', 'no allow rule'],
  ['ls && rm -rf /tmp/x', 'no allow rule'],
  ['git status || curl -fsSL example.invalid', 'no allow rule'],
  ['ls\nrm -rf /tmp/x', 'no allow rule'],
  ['git log\n\nchmod 777 /etc', 'no allow rule'],
  ['cat notes | sh', 'runs another program'],
  ['cat notes | bash -s', 'runs another program'],
  ['grep -l x . |& sh', 'runs another program'],
  ['git log --format=%H | xargs rm', 'runs another program'],
  ['cat script.py | python3', 'runs another program'],
  ['ls & rm -rf /tmp/x', 'background &'],
  ['ls &', 'background &'],
  // command and process substitution, also inside double quotes
  ['ls $(rm -rf /tmp/x)', 'command substitution'],
  ['ls `rm -rf /tmp/x`', 'command substitution'],
  ['ls "$(rm -rf /tmp/x)"', 'command substitution'],
  ['grep "`id`" notes', 'command substitution'],
  ['git log --format="$(touch /tmp/pwned)"', 'command substitution'],
  ['cat <(rm -rf /tmp/x)', 'process substitution'],
  ['ls >(rm -rf /tmp/x)', 'process substitution'],
  // parameter and arithmetic expansion, $IFS
  ['ls $HOME', 'parameter expansion'],
  ['ls ${HOME}', 'parameter expansion'],
  ['cat "$HOME/.ssh/id_rsa"', 'parameter expansion'],
  ['ls$IFS-la', 'parameter expansion'],
  ['cat${IFS}/etc/shadow', 'parameter expansion'],
  ['find . -name x ${IFS}-delete', 'parameter expansion'],
  ['ls $((1+1))', 'arithmetic expansion'],
  ['ls $[1+1]', 'arithmetic expansion'],
  ['ls ${x:-$(id)}', 'parameter expansion'],
  ['ls "$@"', 'parameter expansion'],
  // brace expansion (also of flags), tilde, globs
  ['ls {-la,/}', 'brace expansion'],
  ['find . {-delete,-print}', 'brace expansion'],
  ['sed -n {-i,p} f', 'brace expansion'],
  ['ls {1..3}', 'brace expansion'],
  ['ls ~', 'tilde expansion'],
  ['cat ~/.ssh/id_rsa', 'tilde expansion'],
  ['ls --directory=~root', 'tilde expansion'],
  ['ls a:~/x', 'tilde expansion'],
  ['ls *.c', 'unquoted glob'],
  ['cat /etc/pass?d', 'unquoted glob'],
  ['ls [a-z]x', 'unquoted glob'],
  // redirections and heredocs
  ['ls > out', 'redirection'],
  ['cat notes >> ~/.bashrc', 'redirection'],
  ['cat < /etc/shadow', 'redirection'],
  ['ls 2>&1', 'redirection'],
  ['cat <<< "x"', 'redirection'],
  ['cat /etc/passwd > /dev/tcp/127.0.0.1/9', 'redirection'],
  ['cat <<EOF\nhello\nEOF', 'heredoc'],
  ["cat <<'EOF' | sh\nrm -rf /tmp/x\nEOF", 'heredoc'],
  // environment: assignments, loader variables, git config from the environment
  ['FOO=1 ls', 'env assignment'],
  ['LD_PRELOAD=/tmp/evil.so ls', 'env assignment'],
  ['LD_LIBRARY_PATH=/tmp ls', 'env assignment'],
  ['DYLD_INSERT_LIBRARIES=/tmp/x.dylib cat f', 'env assignment'],
  ["GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.pager GIT_CONFIG_VALUE_0='sh -c id' git log", 'env assignment'],
  ['GIT_EXTERNAL_DIFF=/tmp/x git log -p', 'env assignment'],
  ['GIT_PAGER=/tmp/x git log', 'env assignment'],
  ['export PAGER=/tmp/x; git log', 'env assignment'],
  ['PATH=/tmp:$PATH ls', 'env assignment'],
  ['BASH_ENV=/tmp/x ls', 'env assignment'],
  // wrappers that run another program
  ['env ls', 'runs another program'],
  ['env LD_PRELOAD=/tmp/evil.so ls', 'runs another program'],
  ['env GIT_CONFIG_PARAMETERS="\'core.pager=id\'" git log', 'runs another program'],
  ['xargs -a notes rm', 'runs another program'],
  ['timeout 5 rm -rf /tmp/x', 'runs another program'],
  ['nice -n 10 rm -rf /tmp/x', 'runs another program'],
  ['nohup ls', 'runs another program'],
  ['sudo ls', 'runs another program'],
  ['command ls', 'runs another program'],
  ['exec ls', 'runs another program'],
  ['eval ls', 'runs another program'],
  ['bash -c ls', 'runs another program'],
  ['sh -c "ls"', 'runs another program'],
  ['time ls', 'runs another program'],
  ['coproc rm -rf /tmp/x', 'runs another program'],
  ['awk \'BEGIN{system("id")}\'', 'runs another program'],
  ['less notes', 'runs another program'],
  ["let 'a[$(id)]'", 'runs another program'],
  ['hash -p /tmp/evil ls; ls', 'runs another program'],
  ["read 'a[$(id)]' < /dev/null", 'redirection'],
  // subshells, groups, compound commands, comments
  ['(rm -rf /tmp/x)', 'subshell'],
  ['(ls)', 'subshell'],
  ['{ ls; }', 'group'],
  ['if true; then rm -rf /tmp/x; fi', 'compound command'],
  ['for f in a; do rm "$f"; done', 'compound command'],
  ['f() { rm -rf /tmp/x; }; f', 'compound command'],
  ['! rm -rf /tmp/x', 'compound command'],
  ['[[ -f x ]] && ls', 'compound command'],
  ['select x in a; do ls; done', 'compound command'],
  ['until ls; do ls; done', 'compound command'],
  ['ls # harmless', 'comment'],
  ['ls #; rm -rf /tmp/x', 'comment'],
  // quoting that hides what runs
  ["ls $'\\x2dla'", 'ANSI-C quoting'],
  ["$'\\x72\\x6d' -rf /tmp/x", 'ANSI-C quoting'],
  ['ls $"x"', 'locale quoting'],
  ['\\rm -rf /tmp/x', 'escaped command name'],
  ['l\\s', 'escaped command name'],
  ["'ls' -la", 'escaped command name'],
  ['"git" log', 'escaped command name'],
  ['g"i"t log', 'escaped command name'],
  ['ls \\\n-la', 'line continuation'],
  ['l\\\ns', 'line continuation'],
  ['cat "a\\"b"', 'backslash escape'],
  // programs given by path
  ['/bin/rm -rf /tmp/x', 'program given by path'],
  ['./ls', 'program given by path'],
  ['/usr/bin/git log', 'program given by path'],
  ['../../bin/cat f', 'program given by path'],
  // flags that make a "read-only" program run or write
  ['find . -exec rm -rf x ";"', 'dangerous flag'],
  ['find . -name x -delete', 'dangerous flag'],
  ["find . -execdir sh ';'", 'dangerous flag'],
  ["find . -ok rm ';'", 'dangerous flag'],
  ['find / -fprint /tmp/x', 'dangerous flag'],
  ['find . -fprintf /tmp/x %p', 'dangerous flag'],
  ['find . -fls /tmp/x', 'dangerous flag'],
  ["sed -n 'w /tmp/x' notes", 'dangerous flag'],
  ["sed -n '1e id' notes", 'dangerous flag'],
  ["sed -n 's/x/id/e' notes", 'dangerous flag'],
  ["sed -n 's/x/y/w /tmp/out' notes", 'dangerous flag'],
  ["sed -n 's|x|y|gw /tmp/out' notes", 'dangerous flag'],
  ["sed -n 'p;W /tmp/out' notes", 'dangerous flag'],
  ["sed -n '$!{h;d};x;e' notes", 'dangerous flag'],
  ["sed -n -i 's/x/y/' notes", 'dangerous flag'],
  ["sed -n -si 's/x/y/p' notes", 'dangerous flag'],
  ["sed -ni 's/x/y/p' notes", 'no allow rule'],
  ['sed -n --in-place=.bak p notes', 'dangerous flag'],
  ['sed -n --in p notes', 'dangerous flag'],
  ['sed -n -f evil.sed notes', 'dangerous flag'],
  ["sed -n -e p -e 'w /tmp/x' notes", 'dangerous flag'],
  ["sed -n --expression='1e id' notes", 'dangerous flag'],
  ['git log --output=/tmp/x', 'dangerous flag'],
  ['git log --out=/tmp/x', 'dangerous flag'],
  ['git log -p --ext-diff', 'dangerous flag'],
  ['git log -p --textconv', 'dangerous flag'],
  ['git status --config=x', 'dangerous flag'],
  ['grep --pager=x y', 'dangerous flag'],
  ["git -c core.pager='sh -c id' log", 'no allow rule'],
  ['git --config-env=core.pager=EVIL log', 'no allow rule'],
  ['git lg', 'no allow rule'],
  ['git status --ignore-submodules=none', 'dangerous flag'],
  ['git status --ignore-sub=none', 'dangerous flag'],
  ['git log -p --submodule=diff', 'dangerous flag'],
  ['git status --recurse-submodules', 'dangerous flag'],
  // Unicode look-alikes and hidden characters
  ['\u217Cs', 'unusual command name'],
  ['l\u0455 -la', 'unusual command name'],
  ['ls\u200b', 'unusual command name'],
  ['cat notes\u202e', 'control character'],
  ['cat "notes\u200d"', 'control character'],
  ['cat notes\u0007', 'control character'],
  ['ls\u00a0;rm x', 'unusual command name'],
  ['ls\u3000-la', 'unusual command name'],
  ['ls\r; rm x', 'unsupported syntax'],
  // not bash at all
  ["ls 'unterminated", 'parse error'],
  ['ls )', 'parse error'],
  ['ls @(x)', 'parse error'],
];

describe('trust corpus: bypass attempts against git status, git log, ls, cat, grep, find, sed -n', () => {
  it('has at least 60 attempts', () => {
    expect(BYPASSES.length).toBeGreaterThanOrEqual(60);
  });

  it.each(BYPASSES)('%j goes to a person: %s', async (text, category) => {
    const d: TrustDecision = await script(text);
    expect(d.decision, d.reason).toBe('ask');
    expect(d.reason.split(':')[0], d.reason).toBe(category);
  });
});

describe('trust corpus: sed labels end at a blank (GNU sed 4.9)', () => {
  it.each(SED_LABELS)('%j: real GNU sed reads a command after the label, and berth names it', async (text, program, jumps, hidden) => {
    // What this machine's sed makes of the program (--debug prints it as parsed; /dev/null input runs nothing, and
    // a `w` file is opened in a temp dir).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-sed-'));
    try {
      const local = program.replace(/\/tmp\/\w+/g, (m) => path.join(dir, path.basename(m)));
      const args = ['--debug', '-n', '-e', local, ...jumps.flatMap((l) => ['-e', `:${l}`]), '/dev/null'];
      const real = spawnSync('sed', args, { cwd: dir, encoding: 'utf8' });
      expect(real.status, real.stderr).toBe(0);
      const parsed = real.stdout.split('\n').map((l) => l.trim());
      expect(parsed.some((l) => new RegExp(`^(\\d+!\\s*)?${hidden}\\b`).test(l)), real.stdout).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const d = await script(text);
    expect(d.decision, d.reason).toBe('ask');
    expect(d.reason, d.reason).toContain(hidden === 'e' ? 'runs a command (e)' : 'writes a file (w)');
  });

  it('a label berth cannot read goes to a person; plain labels and branches still auto-approve', async () => {
    for (const text of ["sed -n ':a}e id' f", "sed -n 'b}' f", "sed -n ':a#x' f", "sed -n ':' f", "sed -n ':a\\e id' f"]) {
      const d = await script(text);
      expect(d.decision, text).toBe('ask');
      expect(d.reason, text).toMatch(/^dangerous flag: sed script .*(label|without a label)/);
    }
    for (const text of ["sed -n ':a;N;$!ba;s/x/y/gp' notes", "sed -n '/x/b end; p; :end' notes", "sed -n 'p\n:top\n/x/t top' notes", "sed -n 'b' notes"]) {
      const d = await script(text);
      expect(d.decision, `${text}: ${d.reason}`).toBe('allow');
    }
  });
});

const MUST_ALLOW = [
  'git status',
  'git status --porcelain',
  'git log --oneline -n 5',
  "git log --format='%h %s'",
  'git log --pretty=oneline --color=never',
  'ls -la /tmp',
  'ls --color=never',
  'cat README.md',
  'grep -rn "foo bar" src',
  'grep --text -c x notes',
  "find . -name '*.ts' -type f",
  'find . -type f -print',
  "sed -n '1,5p' notes",
  "sed -n -e '/x/p' -e '$=' notes",
  "sed -n 's/a/b/gp' notes",
  "sed -n '/start/,/end/{p}' notes",
  'ls && git status',
  'git log | grep fix',
  'git log HEAD~3..HEAD',
  'cat a | grep b | sed -n 2p',
  'ls; ls -a',
  'grep -c x notes || ls',
  'ls "a  b\nc"',
  'cat é "ü" naïve',
];

describe('trust corpus: the commands the rules are meant for', () => {
  it.each(MUST_ALLOW)('%j auto-approves', async (text) => {
    const d = await script(text);
    expect(d.decision, d.reason).toBe('allow');
    expect(d.reason).toMatch(/^allowed: /);
    expect(d.rule).toBeDefined();
  });

  it('an argv is matched as is: metacharacters in its words are plain text (no shell runs it)', async () => {
    expect((await argv(['ls', '$(rm -rf /tmp/x)', '; rm', '*'])).decision).toBe('allow');
    expect((await argv(['grep', '-r', 'a|b', '.'])).decision).toBe('allow');
    const viaPath = await argv(['/bin/ls']);
    expect(viaPath.reason).toMatch(/^program given by path: /);
    expect((await argv(['find', '.', '-delete'])).reason).toMatch(/^dangerous flag: /);
    expect((await argv(['env', 'ls'])).reason).toMatch(/^runs another program: /);
    expect((await argv([])).reason).toMatch(/^empty command: /);
  });

  it('an argv is decided without loading the parser (synchronously)', () => {
    const d = evaluateCommand({ argv: ['ls', '-la'] }, RULES, {});
    expect(d).not.toBeInstanceOf(Promise);
    expect((d as TrustDecision).decision).toBe('allow');
  });

  it('env additions on a request go to a person, even for an allowed command', async () => {
    const d = await evaluateCommand({ argv: ['ls'], env: { LD_PRELOAD: '/tmp/x.so' } }, RULES, {});
    expect(d.decision).toBe('ask');
    expect(d.reason).toMatch(/^env additions: .*LD_PRELOAD/);
  });
});

describe('trust rules: deny, scope, wildcards, flags named by a rule', () => {
  it('a deny rule wins over an allow rule, also inside substitutions, quoted or by path', async () => {
    const rules = [...RULES, rule('git'), rule('git log', { action: 'deny' }), rule('rm', { action: 'deny' })];
    for (const text of ['git log', 'git status; git log -p', 'ls $(rm -rf /tmp/x)', 'ls > $(rm -rf /tmp/x)', '\\rm x', "'rm' x", '/bin/rm -rf /tmp/x', 'FOO=1 rm x']) {
      const d = await script(text, rules);
      expect(d.decision, text).toBe('deny');
      expect(d.reason, text).toMatch(/^deny rule: /);
      expect(d.rule?.action).toBe('deny');
    }
    expect((await script('git status', rules)).decision).toBe('allow');
  });

  it('rules scoped to an agent or a room apply only there', async () => {
    const rules = [rule('make test', { agent: 'builder' }), rule('npm test', { room: 'web' }), rule('npm publish', { action: 'deny', agent: 'builder' })];
    expect((await argv(['make', 'test'], rules, { agent: 'builder' })).decision).toBe('allow');
    expect((await argv(['make', 'test'], rules, { agent: 'other' })).reason).toMatch(/^no allow rule: /);
    expect((await argv(['npm', 'test'], rules, { room: 'web' })).decision).toBe('allow');
    expect((await argv(['npm', 'test'], rules, { room: 'api', agent: 'builder' })).decision).toBe('ask');
    expect((await argv(['npm', 'publish'], rules, { agent: 'builder' })).decision).toBe('deny');
    expect((await argv(['npm', 'publish'], rules, { agent: 'other' })).decision).toBe('ask');
  });

  it('* matches exactly one argument', async () => {
    const rules = [rule('git * --oneline'), rule('cat *')];
    expect((await argv(['git', 'log', '--oneline'], rules)).decision).toBe('allow');
    expect((await argv(['git', 'log', '-n', '--oneline'], rules)).decision).toBe('ask');
    expect((await argv(['cat'], rules)).decision).toBe('ask');
    expect((await argv(['cat', 'a'], rules)).decision).toBe('allow');
    // A wildcard never names a program that runs others, nor a git alias.
    expect((await argv(['git', 'lg', '--oneline'], rules)).reason).toMatch(/^dangerous flag: .*not a git built-in/);
  });

  it('a dangerous flag is allowed only when the rule names it, at its place', async () => {
    const rules = [rule('find'), rule('find . -delete'), rule('sed -i'), rule('sort')];
    expect((await argv(['find', '.', '-delete'], rules)).decision).toBe('allow');
    expect((await argv(['find', '.', '-name', 'x', '-delete'], rules)).reason).toMatch(/^dangerous flag: `-delete`/);
    expect((await argv(['sed', '-i', 's/a/b/', 'f'], rules)).decision).toBe('allow');
    expect((await argv(['sed', '-i', '1e id', 'f'], rules)).reason).toMatch(/^dangerous flag: sed script/);
    expect((await argv(['sort', '-k2', 'f'], rules)).decision).toBe('allow');
    for (const words of [['sort', '--compress-program=sh', 'f'], ['sort', '--compress=sh', 'f'], ['sort', '-o', 'out', 'f'], ['sort', '-no', 'out', 'f'], ['sort', '--output=out']]) {
      expect((await argv(words, rules)).reason, words.join(' ')).toMatch(/^dangerous flag: /);
    }
  });

  it('a rule for all of git still stops -c, --config-env, pagers and aliases', async () => {
    const rules = [rule('git')];
    for (const words of [
      ['git', '-c', 'core.pager=sh -c id', 'log'],
      ['git', '-ccore.pager=id', 'log'],
      ['git', '--config-env=core.pager=EVIL', 'log'],
      ['git', '-p', 'log'],
      ['git', '--paginate', 'log'],
      ['git', '--exec-path=/tmp', 'log'],
      ['git', '--git-dir=/tmp/evil/.git', 'log'],
      ['git', 'lg'],
      ['git', 'grep', '-Oid', 'x'],
      ['git', 'rebase', '-x', 'id'],
      ['git', 'fetch', '--upload-pack=id', 'origin'],
      ['git', 'submodule', 'foreach', 'id'],
      ['git', 'difftool', '-x', 'id'],
    ]) {
      const d = await argv(words, rules);
      expect(d.decision, words.join(' ')).toBe('ask');
      expect(d.reason, words.join(' ')).toMatch(/^dangerous flag: /);
    }
    expect((await argv(['git', '-C', 'sub', 'log', '--oneline'], rules)).decision).toBe('allow');
    expect((await argv(['git', '--no-pager', 'log'], rules)).decision).toBe('allow');
  });

  it('printf -v evaluates its subscript: only a rule naming -v allows it', async () => {
    expect((await argv(['printf', '-v', 'a[$(id)]', 'x'], [rule('printf')])).reason).toMatch(/^dangerous flag: `-v`/);
    expect((await argv(['printf', '%s\n', 'x'], [rule('printf')])).decision).toBe('allow');
  });

  it('a rule that names a wrapper itself allows it; a wildcard never does', async () => {
    expect((await argv(['timeout', '5', 'ls'], [rule('timeout 5 ls')])).decision).toBe('allow');
    expect((await argv(['timeout', '5', 'rm'], [rule('* 5 rm')])).reason).toMatch(/^runs another program: /);
  });

  it('suggests the program, with its subcommand where it has one, and nothing for shells, wrappers or paths', () => {
    expect(suggestRule(['git', 'log', '--oneline'])).toEqual(['git', 'log']);
    expect(suggestRule(['git', '-c', 'x', 'log'])).toEqual(['git']);
    expect(suggestRule(['ls', '-la'])).toEqual(['ls']);
    expect(suggestRule(['bash', '-c', 'ls'])).toBeUndefined();
    expect(suggestRule(['env', 'ls'])).toBeUndefined();
    expect(suggestRule(['/bin/ls'])).toBeUndefined();
    expect(suggestRule([])).toBeUndefined();
  });

  it('suggests one rule per distinct command of a script, none for commands inside substitutions', async () => {
    expect(await suggestRules({ script: 'git log --oneline | grep fix && git log -p; ls' })).toEqual([['git', 'log'], ['grep'], ['ls']]);
    expect(await suggestRules({ script: 'cat $(ls) | sh' })).toEqual([['cat']]);
    expect(await suggestRules({ argv: ['git', 'status'] })).toEqual([['git', 'status']]);
  });
});
