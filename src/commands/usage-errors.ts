// yargs' usage errors rewritten for people: one line that says what happened and what to type instead.

/** The options yargs knows at the moment it failed (the command's own and the global ones), aliases included. */
export interface KnownOptions {
  key: Record<string, unknown>;
  alias: Record<string, string[]>;
}

/** The option words of a command line, before any `--`: `-la` is `l` and `a`, `--rm` and `--rm=x` are `rm`. */
function optionWords(args: string[]): { word: string; names: string[]; index: number }[] {
  const words: { word: string; names: string[]; index: number }[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (/^--[^-]/.test(a)) words.push({ word: a, names: [a.slice(2).split('=')[0]!.replace(/^no-/, '')], index: i });
    else if (/^-[^-\d]/.test(a)) words.push({ word: a, names: [...a.slice(1).split('=')[0]!], index: i });
  }
  return words;
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function isKnown(name: string, known: KnownOptions): boolean {
  if (name in known.key || camel(name) in known.key) return true;
  return Object.values(known.alias).some((aliases) => aliases.includes(name) || aliases.includes(camel(name)));
}

/** `a`, `a or b`, `a, b or c`. */
function orList(items: string[]): string {
  return items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/** Where options after a positional go to the command run in the container, not to berth. */
const commandTakers: Record<string, string> = { run: 'image', 'container run': 'image', 'container exec': 'container', 'plugin run': 'release' };

/**
 * Short flags given docker's meaning (docs/short-flags.md): where a command's old short flag was dropped, the long
 * option to type instead, and what the letter means elsewhere.
 */
const droppedShorts: Record<string, Record<string, [long: string, meaning: string]>> = {
  'container upload': { f: ['--file', 'force or follow'], d: ['--dest', 'detach'] },
  'container upload-and-run': { f: ['--file', 'force or follow'] },
  'container batch create': { f: ['--file', 'force or follow'] },
};

/** The command words a line starts with (`container exec`), global options and their values skipped. */
function commandPath(args: string[], max = 2): string[] {
  const words: string[] = [];
  for (let i = 0; i < args.length && words.length < max; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (/^(--host|-H|--output|-o|--room|-r)$/.test(a)) i++;
    else if (a.startsWith('-')) continue;
    else words.push(a);
  }
  return words;
}

/**
 * yargs' message for a failed command line as berth prints it, on one line. `args` is the command line, `known` the
 * options yargs knew when it failed.
 */
export function usageMessage(msg: string, args: string[], known?: KnownOptions): string {
  // "Invalid values:\n  Argument: output, Given: "yaml", Choices: "table", "wide", "json"" (one line per argument).
  if (/^Invalid values:/.test(msg)) {
    const parts = [...msg.matchAll(/Argument: (\S+), Given: (.*?), Choices: (.*)$/gm)].map(([, name, given, choices]) => {
      const list = [...choices!.matchAll(/"((?:[^"\\]|\\.)*)"|([^,\s]+)/g)].map((m) => m[1] ?? m[2]!);
      return `invalid --${name} ${given}: choose ${orList(list)}`;
    });
    if (parts.length) return parts.join('; ');
  }

  // "Did you mean room?": the word typed is the one closest to the suggestion.
  const mean = /^Did you mean (\S+)\?$/.exec(msg);
  if (mean) {
    const words = args.slice(0, args.includes('--') ? args.indexOf('--') : undefined).filter((a) => !a.startsWith('-'));
    const typed = words.filter((w) => w !== mean[1]).sort((a, b) => distance(a, mean[1]!) - distance(b, mean[1]!))[0];
    const where = commandPath(args);
    const help = `berth ${where[0] !== undefined && where[0] !== typed ? `${where[0]} ` : ''}--help`;
    return `unknown command${typed ? ` "${typed}"` : ''}: did you mean "${mean[1]}"? (${help} lists the commands)`;
  }

  // `berth foo` with nothing close to it: yargs says only "Unknown argument: foo".
  const unknown = /^Unknown arguments?: (.*)$/.exec(msg)?.[1]?.split(', ') ?? [];
  const words = commandPath(args);
  const typedCommand = words.find((w, i) => unknown.includes(w) && (i === 0 || i === words.length - 1));
  if (typedCommand !== undefined && words.indexOf(typedCommand) === 0) return `unknown command "${typedCommand}": berth --help lists the commands`;

  const unknownOptions = known ? optionWords(args).filter((w) => w.names.some((n) => !isKnown(n, known))) : [];
  const threeWords = commandPath(args, 3);
  const dropped = droppedShorts[threeWords.join(' ')] ?? droppedShorts[words.join(' ')];
  const renamed = dropped && unknownOptions.flatMap((w) => (/^-[^-]/.test(w.word) ? w.names : [])).find((n) => dropped[n]);
  if (dropped && renamed) {
    const [long, meaning] = dropped[renamed]!;
    return `unknown option -${renamed}: type ${long} (in berth, as in docker, -${renamed} means ${meaning})`;
  }
  const command = commandTakers[words.join(' ')] ? words : words.slice(0, 1);
  const taker = commandTakers[command.join(' ')];

  // `berth run IMAGE ls -la /`, `berth container exec web sh -c …`: the command's options were read as berth's.
  if (taker && known && unknownOptions.length && !args.includes('--')) {
    const at = commandStart(args, command.length, known);
    const fixed = at === undefined ? `berth ${command.join(' ')} [options] ${taker.toUpperCase()} -- COMMAND…` : `berth ${[...args.slice(0, at), '--', ...args.slice(at)].map(shellWord).join(' ')}`;
    return `unknown option ${unknownOptions.map((w) => w.word).join(', ')}: options after the ${taker} belong to the command: put them after --, as in: ${fixed}`;
  }

  // `berth container run --rm IMAGE -- true`: an unknown option took the next word as its value.
  const help = `berth ${words.join(' ')}${words.length ? ' ' : ''}--help lists the options`;
  if (/^(Not enough non-option arguments|Missing required argument)/.test(msg) && unknownOptions.length) {
    const ate = unknownOptions.find((w) => w.word.startsWith('--') && !w.word.includes('=') && args[w.index + 1] !== undefined && !args[w.index + 1]!.startsWith('-'));
    if (ate) return `unknown option ${ate.word} (it took "${args[ate.index + 1]}" as its value): ${help}`;
  }
  if (unknownOptions.length && unknown.length) return `unknown option ${unknownOptions.map((w) => w.word).join(', ')}: ${help}`;

  // Anything else: every line kept, joined into one.
  return msg
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
}

/**
 * Where the container's command starts: the index of the first word after the image (or container) that follows
 * the command's `skip` words, skipping options and their values; undefined when there is none.
 */
function commandStart(args: string[], skip: number, known: KnownOptions & { boolean?: string[] }): number | undefined {
  let positionals = 0;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return undefined;
    if (a.startsWith('-') && a.length > 1) {
      const name = a.replace(/^--?/, '').split('=')[0]!;
      const takesValue = !a.includes('=') && isKnown(name, known) && !isBoolean(name, known);
      if (takesValue) i++;
      continue;
    }
    positionals++;
    if (positionals === skip + 2) return i;
  }
  return undefined;
}

function isBoolean(name: string, known: KnownOptions & { boolean?: string[] }): boolean {
  const names = [name, camel(name), ...Object.entries(known.alias).filter(([, a]) => a.includes(name)).map(([k]) => k)];
  return names.some((n) => known.boolean?.includes(n));
}

function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Levenshtein distance: how far a typed word is from a command's name. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}
