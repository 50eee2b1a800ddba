// What makes a matched command unsafe to auto-approve beyond its syntax: programs that run other programs, and
// flags or scripts that make a "read-only" program execute or write (find -exec, sed w/e, --output=, git -c, ...).

/**
 * Programs that run another program, a script or a shell: never auto-approved unless a rule names the program
 * itself as its first word (a rule `*` never covers them).
 */
export const RUNS_OTHER_PROGRAMS = new Set([
  // shells and shell builtins that run code
  'sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'fish', 'csh', 'tcsh', 'busybox', 'toybox',
  'eval', 'exec', 'source', '.', 'command', 'builtin', 'trap', 'alias', 'enable', 'coproc', 'time', 'fc',
  // builtins that change how later names resolve, or evaluate array subscripts (`let 'a[$(id)]'` runs id)
  'hash', 'shopt', 'set', 'let', 'read', 'mapfile', 'readarray', 'test', 'wait', 'typeset', 'declare', 'local',
  'export', 'readonly', 'unset', 'getopts', 'bind', 'complete', 'compgen', 'history',
  // wrappers
  'env', 'sudo', 'doas', 'su', 'runuser', 'pkexec', 'xargs', 'timeout', 'nice', 'ionice', 'nohup', 'stdbuf',
  'chroot', 'setsid', 'flock', 'watch', 'strace', 'ltrace', 'gdb', 'unshare', 'nsenter', 'chrt', 'taskset',
  'script', 'parallel', 'unbuffer', 'firejail', 'systemd-run', 'ssh', 'expect', 'ld.so', 'ld-linux.so.2',
  'ld-linux-x86-64.so.2', 'ld-linux-aarch64.so.1',
  // interpreters
  'python', 'python2', 'python3', 'perl', 'ruby', 'node', 'nodejs', 'deno', 'bun', 'php', 'lua', 'tclsh', 'wish',
  'awk', 'gawk', 'mawk', 'nawk', 'jq', 'osascript', 'pwsh', 'Rscript',
  // pagers and editors (they run commands from their prompt)
  'less', 'more', 'most', 'man', 'vi', 'vim', 'nvim', 'view', 'ex', 'ed', 'nano', 'emacs', 'pico',
]);

/** Long options that make many programs write a file, run a program, or read config that can do either. */
const GENERIC_LONG = [
  'output',
  'pager',
  'config',
  'config-env',
  'compress-program',
  'use-compress-program',
  'to-command',
  'checkpoint-action',
  'info-script',
  'new-volume-script',
  'exec',
  'exec-path',
  'pre',
  'rsh',
  'upload-pack',
  'receive-pack',
  'open-files-in-pager',
  'ext-diff',
  'textconv',
  'template',
  'in-place',
];

const FIND_DANGER = new Set(['-exec', '-execdir', '-ok', '-okdir', '-delete', '-fprint', '-fprint0', '-fprintf', '-fls']);

/** git's built-in commands: anything else in the subcommand slot is an alias (`!sh -c ...`) or a git-* program. */
const GIT_BUILTINS = new Set(
  ('add am annotate apply archive bisect blame branch bugreport bundle cat-file check-attr check-ignore check-mailmap ' +
    'check-ref-format checkout cherry cherry-pick clean clone column commit commit-graph commit-tree config ' +
    'count-objects describe diff diff-files diff-index diff-tree fetch for-each-ref for-each-repo format-patch fsck gc ' +
    'grep hash-object help init interpret-trailers log ls-files ls-remote ls-tree merge merge-base merge-file ' +
    'merge-tree mktag mktree mv name-rev notes prune pull push range-diff read-tree rebase reflog remote repack ' +
    'replace rerere reset restore rev-list rev-parse revert rm shortlog show show-branch show-ref sparse-checkout ' +
    'stash status stripspace submodule switch symbolic-ref tag update-index update-ref var verify-commit verify-pack ' +
    'verify-tag version whatchanged worktree write-tree')
    .split(' '),
);
/** git options that make it work inside submodules (each under its own, unchecked, config). */
const GIT_SUBMODULE_LONG = ['ignore-submodules', 'recurse-submodules', 'submodule'];
/** git subcommands that run a command given to them. */
const GIT_RUNS = new Set(['difftool', 'mergetool', 'filter-branch', 'filter-repo']);
/** git global options that are safe before the subcommand; everything else there goes to a person. */
const GIT_SAFE_GLOBALS = new Set([
  '-P', '--no-pager', '--no-replace-objects', '--literal-pathspecs', '--glob-pathspecs', '--noglob-pathspecs',
  '--icase-pathspecs', '--no-optional-locks', '--no-advice', '--bare', '--version', '--help',
]);

/** Long option name as written (`--out=x` → `out`), or undefined for anything that is not `--name`. */
function longName(arg: string): string | undefined {
  if (!arg.startsWith('--') || arg === '--') return undefined;
  return arg.slice(2).split('=')[0];
}

/** Full option names of common programs that happen to be prefixes of a dangerous one (grep --text). */
const KNOWN_SAFE_LONG = new Set(['text']);

/** GNU getopt and git accept any unambiguous prefix of a long option: `--out=f` is `--output=f`. */
function abbreviates(name: string, options: readonly string[]): string | undefined {
  if (!name || KNOWN_SAFE_LONG.has(name)) return undefined;
  return options.find((o) => o.startsWith(name));
}

export interface ArgCheck {
  /** argv indexes a rule matched with a literal word: those flags were named explicitly and are allowed. */
  named: ReadonlySet<number>;
}

/** The first reason this argv is unsafe to run unattended, or undefined. argv[0] is the program name. */
export function dangerousArgs(argv: readonly string[], check: ArgCheck): string | undefined {
  const program = argv[0]!;
  const open = (i: number) => !check.named.has(i);
  for (let i = 1; i < argv.length; i++) {
    if (!open(i)) continue;
    const name = longName(argv[i]!);
    const hit = name !== undefined ? abbreviates(name, GENERIC_LONG) : undefined;
    if (hit) return `\`${argv[i]}\` (--${hit}) can make ${program} write a file or run a program; no rule names it`;
  }
  switch (program) {
    case 'find':
      for (let i = 1; i < argv.length; i++) {
        if (open(i) && FIND_DANGER.has(argv[i]!)) return `\`${argv[i]}\` makes find run a program or write; no rule names it`;
      }
      return undefined;
    case 'sed':
      return sedDanger(argv, open);
    case 'sort':
      for (let i = 1; i < argv.length; i++) {
        const a = argv[i]!;
        if (!open(i) || !/^-[^-]/.test(a)) continue;
        // Short options cluster: -no FILE writes FILE; k t S T take the rest of the word as their value.
        for (const c of a.slice(1)) {
          if (c === 'o') return `\`${a}\` makes sort write a file; no rule names it`;
          if ('ktST'.includes(c)) break;
        }
      }
      return undefined;
    case 'git':
      return gitDanger(argv, open);
    case 'printf':
      for (let i = 1; i < argv.length; i++) {
        if (open(i) && /^-v/.test(argv[i]!)) return `\`${argv[i]}\` makes printf assign a variable (its subscript is evaluated); no rule names it`;
      }
      return undefined;
    case 'rg':
      for (let i = 1; i < argv.length; i++) {
        if (open(i) && /^--pre(=|$)/.test(argv[i]!)) return `\`${argv[i]}\` makes rg run a program; no rule names it`;
      }
      return undefined;
    default:
      return undefined;
  }
}

function gitDanger(argv: readonly string[], open: (i: number) => boolean): string | undefined {
  let i = 1;
  for (; i < argv.length && argv[i]!.startsWith('-'); i++) {
    const a = argv[i]!;
    if (a === '-C') {
      i++;
      continue;
    }
    if (!open(i)) continue;
    if (/^-c/.test(a) || a.startsWith('--config-env')) return `\`${a}\` sets git config (core.pager, aliases, hooks) from the command line; no rule names it`;
    if (a === '-p' || a.startsWith('--pa')) return `\`${a}\` makes git run a pager; no rule names it`;
    if (!GIT_SAFE_GLOBALS.has(a)) return `git global option \`${a}\` can point git at other config or programs; no rule names it`;
  }
  const sub = argv[i];
  if (sub === undefined) return undefined;
  if (open(i)) {
    if (GIT_RUNS.has(sub)) return `\`git ${sub}\` runs a program it is given; no rule names it`;
    if (!GIT_BUILTINS.has(sub)) return `\`git ${sub}\` is not a git built-in (an alias can run a shell); no rule names it`;
  }
  for (let j = i + 1; j < argv.length; j++) {
    if (!open(j)) continue;
    const a = argv[j]!;
    const long = longName(a);
    const submodules = long !== undefined ? abbreviates(long, GIT_SUBMODULE_LONG) : undefined;
    // berth forces diff.ignoreSubmodules=all for an auto-approved git: a submodule's own config is not checked.
    if (submodules) return `\`${a}\` (--${submodules}) makes git run in submodules, whose config berth does not check; no rule names it`;
    if (sub === 'grep' && /^-[^-]*O/.test(a)) return `\`${a}\` makes git grep run a pager; no rule names it`;
    if (sub === 'rebase' && /^-[^-]*x/.test(a)) return `\`${a}\` makes git rebase run a command; no rule names it`;
    if (['fetch', 'clone', 'ls-remote', 'pull', 'archive'].includes(sub) && /^-[^-]*u/.test(a)) return `\`${a}\` makes git ${sub} run a program; no rule names it`;
    if ((sub === 'submodule' && a === 'foreach') || (sub === 'bisect' && a === 'run')) return `\`git ${sub} ${a}\` runs a command; no rule names it`;
  }
  return undefined;
}

const SED_LONG = [
  'quiet', 'silent', 'regexp-extended', 'separate', 'unbuffered', 'null-data', 'zero-terminated', 'posix', 'debug',
  'sandbox', 'follow-symlinks', 'line-length', 'binary', 'help', 'version', 'expression', 'file', 'in-place',
];

/** sed: -i/--in-place and -f go to a person; every script must parse as read-only (no e, w, W, s///e, s///w). */
function sedDanger(argv: readonly string[], open: (i: number) => boolean): string | undefined {
  const scripts: { text: string; index: number }[] = [];
  let sawExpression = false;
  let firstOperand: number | undefined;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      if (firstOperand === undefined && i + 1 < argv.length) firstOperand = i + 1;
      break;
    }
    if (a.startsWith('--')) {
      const name = a.slice(2).split('=')[0]!;
      const matches = SED_LONG.filter((o) => o.startsWith(name));
      const option = matches.length === 1 || matches.includes(name) ? (matches.includes(name) ? name : matches[0]) : undefined;
      if (!option) {
        if (open(i)) return `sed option \`${a}\` is not one berth knows to be safe; no rule names it`;
        continue;
      }
      if ((option === 'in-place' || option === 'file') && open(i)) return `\`${a}\` makes sed ${option === 'file' ? 'run a script file' : 'write files'}; no rule names it`;
      if (option === 'expression' || option === 'file' || option === 'line-length') {
        const value = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
        if (option === 'expression' && value !== undefined) {
          sawExpression = true;
          scripts.push({ text: value, index: a.includes('=') ? i : i });
        }
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let k = 1; k < a.length; k++) {
        const c = a[k]!;
        if ('nErsuz'.includes(c)) continue;
        if (c === 'i') {
          if (open(i)) return `\`${a}\` makes sed edit files in place; no rule names it`;
          break;
        }
        if (c === 'f') {
          if (open(i)) return `\`${a}\` makes sed run a script file; no rule names it`;
          break;
        }
        if (c === 'e' || c === 'l') {
          const rest = a.slice(k + 1);
          const value = rest || argv[++i];
          if (c === 'e' && value !== undefined) {
            sawExpression = true;
            scripts.push({ text: value, index: rest ? i : i });
          }
          break;
        }
        if (open(i)) return `sed option \`-${c}\` is not one berth knows to be safe; no rule names it`;
        break;
      }
      continue;
    }
    if (firstOperand === undefined) firstOperand = i;
  }
  if (!sawExpression && firstOperand !== undefined) scripts.push({ text: argv[firstOperand]!, index: firstOperand });
  for (const s of scripts) {
    if (!open(s.index)) continue;
    const bad = sedScriptDanger(s.text);
    if (bad) return `sed script \`${s.text.length > 40 ? `${s.text.slice(0, 37)}...` : s.text}\` ${bad}; no rule names it`;
  }
  return undefined;
}

const SED_SIMPLE = new Set(['p', 'P', '=', 'l', 'L', 'd', 'D', 'q', 'Q', 'n', 'N', 'g', 'G', 'h', 'H', 'x', 'z', 'F']);

/**
 * Reads a GNU sed script far enough to know every command in it; returns what is unsafe (a command that runs a
 * program or writes a file, or anything it cannot read), or undefined when every command only prints or edits
 * the stream.
 */
export function sedScriptDanger(script: string): string | undefined {
  let i = 0;
  const n = script.length;
  const peek = () => script[i];
  const skipBlanks = () => {
    while (i < n && (script[i] === ' ' || script[i] === '\t')) i++;
  };
  /** Reads up to an unescaped delimiter; false when the script ends first. */
  const delimited = (delim: string): boolean => {
    while (i < n) {
      const c = script[i++]!;
      if (c === '\\') {
        i++;
        continue;
      }
      if (c === delim) return true;
      if (c === '\n' && delim !== '\n') return false;
    }
    return false;
  };
  const address = (): boolean | 'none' => {
    const c = peek();
    if (c === undefined) return 'none';
    if (/[0-9]/.test(c)) {
      while (i < n && /[0-9]/.test(script[i]!)) i++;
      if (peek() === '~') {
        i++;
        while (i < n && /[0-9]/.test(script[i]!)) i++;
      }
      return true;
    }
    if (c === '$') {
      i++;
      return true;
    }
    if (c === '/' || c === '\\') {
      let delim = '/';
      if (c === '\\') {
        delim = script[i + 1] ?? '';
        if (!delim || delim === '\n' || delim === '\\') return false;
        i += 2;
      } else i++;
      if (!delimited(delim)) return false;
      while (peek() === 'I' || peek() === 'M') i++;
      return true;
    }
    return 'none';
  };
  while (i < n) {
    while (i < n && /[\s;]/.test(script[i]!)) i++;
    if (i >= n) break;
    const first = address();
    if (first === false) return 'has an address berth cannot read';
    if (first === true) {
      skipBlanks();
      if (peek() === ',') {
        i++;
        skipBlanks();
        if (peek() === '+' || peek() === '~') {
          i++;
          if (!/[0-9]/.test(peek() ?? '')) return 'has an address berth cannot read';
          while (i < n && /[0-9]/.test(script[i]!)) i++;
        } else if (address() !== true) return 'has an address berth cannot read';
      }
    }
    skipBlanks();
    while (peek() === '!') {
      i++;
      skipBlanks();
    }
    const cmd = script[i++];
    if (cmd === undefined) return 'ends after an address';
    if (cmd === '{' || cmd === '}') continue;
    if (cmd === '#') {
      while (i < n && script[i] !== '\n') i++;
      continue;
    }
    if (SED_SIMPLE.has(cmd)) {
      skipBlanks();
      if ('qQlL'.includes(cmd)) while (i < n && /[0-9]/.test(script[i]!)) i++;
      skipBlanks();
      if (i < n && !/[;\n}#]/.test(script[i]!)) return `has text after \`${cmd}\` that berth cannot read`;
      continue;
    }
    if (cmd === 's' || cmd === 'y') {
      const delim = script[i++];
      if (!delim || delim === '\n' || delim === '\\') return `has an \`${cmd}\` command berth cannot read`;
      if (!delimited(delim) || !delimited(delim)) return `has an \`${cmd}\` command berth cannot read`;
      if (cmd === 's') {
        while (i < n && /[gpiImM0-9]/.test(script[i]!)) i++;
        const flag = script[i];
        if (flag === 'e') return 'runs its pattern space as a command (s///e)';
        if (flag === 'w') return 'writes a file (s///w)';
      }
      skipBlanks();
      if (i < n && !/[;\n}#]/.test(script[i]!)) return `has text after \`${cmd}\` that berth cannot read`;
      continue;
    }
    if (cmd === 'b' || cmd === 't' || cmd === 'T' || cmd === ':') {
      // GNU sed ends a label at a blank, `;` or newline (and at `}` or `#`), and what follows is the next command:
      // `:a e id` is the label `a`, then `e id`. Other seds end it elsewhere, so berth reads a label only when it is
      // plain (letters, digits, _ . -) and ends at a blank, `;`, newline or the end; then it reads on.
      skipBlanks();
      const start = i;
      while (i < n && /[A-Za-z0-9_.-]/.test(script[i]!)) i++;
      if (cmd === ':' && i === start) return 'has a `:` without a label';
      if (i < n && !/[ \t;\n]/.test(script[i]!)) return `has a label after \`${cmd}\` that berth cannot read`;
      continue;
    }
    if (cmd === 'a' || cmd === 'i' || cmd === 'c') {
      // Text to insert, to the end of the line (a trailing backslash continues it): printed, never run.
      while (i < n) {
        if (script[i] === '\\') i += 2;
        else if (script[i] === '\n') break;
        else i++;
      }
      continue;
    }
    if (cmd === 'r' || cmd === 'R') {
      // Reads a file into the output, like cat.
      while (i < n && script[i] !== '\n') i++;
      continue;
    }
    if (cmd === 'e') return 'runs a command (e)';
    if (cmd === 'w' || cmd === 'W') return `writes a file (${cmd})`;
    return `has a command \`${cmd}\` berth does not know to be safe`;
  }
  return undefined;
}
