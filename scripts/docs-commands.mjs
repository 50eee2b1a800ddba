// Generates the command reference in docs/commands.md from berth's own yargs help, so the two never disagree.
// Reads the help of the built CLI (dist/cli.js, what bin/berth runs: npm run build first), in this process.
import { isMain, writeBlock } from './docs-lib.mjs';

export const commandsPage = 'docs/commands.md';

/** `berth ARGS --help` as it prints through a pipe (berth's pipe width, 100 columns, whatever the terminal). */
async function help(args) {
  const { run } = await import(new URL('../dist/cli.js', import.meta.url).href);
  const stdout = process.stdout;
  const write = stdout.write;
  const listeners = new Set(stdout.listeners('error'));
  let out = '';
  Object.defineProperty(stdout, 'isTTY', { value: false, configurable: true });
  Object.defineProperty(stdout, 'columns', { value: undefined, configurable: true });
  stdout.write = (chunk, ...rest) => {
    out += chunk;
    rest.find((r) => typeof r === 'function')?.();
    return true;
  };
  try {
    const code = await run([...args, '--help']);
    if (code !== 0) throw new Error(`berth ${args.join(' ')} --help exited ${code}`);
  } finally {
    stdout.write = write;
    // Each run adds its own error listener on stdout; drop them so a hundred runs do not pile them up.
    for (const l of stdout.listeners('error')) if (!listeners.has(l)) stdout.off('error', l);
    delete stdout.isTTY;
    delete stdout.columns;
  }
  return out.trimEnd();
}

// Global options repeat on every page; the reference shows them once, at the top. An option is its first line
// (`  -H, --host …` or `      --debug …`) and the deeper-indented lines its description wraps onto, dropped with it.
const GLOBAL = /^\s+(-H, --host|-o, --output|-q, --quiet|-r, --room|--debug|--version|-h, --help)\b/;
const OPTION = /^\s+(-\w, )?--/;
function ownLines(page) {
  const kept = [];
  let section = '';
  let dropping = false;
  for (const line of page.split('\n')) {
    if (/^\S.*:$/.test(line)) section = line;
    if (section === 'Options:' && OPTION.test(line)) dropping = GLOBAL.test(line);
    else if (section === 'Options:' && !/^\s{3,}\S/.test(line)) dropping = false;
    if (!dropping) kept.push(line);
  }
  // Drop an "Options:" heading left with nothing under it.
  return kept
    .filter((l, i) => !(l === 'Options:' && (i === kept.length - 1 || kept[i + 1] === '')))
    .join('\n')
    .trimEnd();
}

/** The lines of a help page's section (`Commands:`), up to the blank line that ends it. */
function sectionLines(page, title) {
  const lines = page.split('\n');
  const start = lines.indexOf(`${title}:`);
  if (start < 0) return [];
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** Subcommands a help page lists under Commands: as `  berth WORDS VERB` (examples such as `  berth container upload web …` are not). */
const subcommands = (page, words) => [
  ...new Set(sectionLines(page, 'Commands').flatMap((l) => new RegExp(`^ {2}${['berth', ...words].join(' ')} ([a-z][a-z-]*)`).exec(l)?.[1] ?? [])),
];

/** Help pages of a command and every subcommand under it, depth first (one at a time: help writes to stdout). */
async function pages(words) {
  const page = await help(words);
  const below = [];
  for (const verb of subcommands(page, words)) below.push(...(await pages([...words, verb])));
  return [page, ...below];
}

/** The Markdown of the reference: the top-level help, then one section per command group. */
export async function renderCommands() {
  const top = await help([]);
  const groups = subcommands(top, []).filter((g) => /^[a-z]+$/.test(g));
  let text = '```\n' + top + '\n```\n';
  for (const group of groups) {
    text += `\n### berth ${group}\n`;
    for (const page of await pages([group])) text += `\n\`\`\`\n${ownLines(page)}\n\`\`\`\n`;
  }
  return text.trimEnd();
}

if (isMain(import.meta.url)) {
  const text = await renderCommands();
  writeBlock(commandsPage, 'commands', text);
  console.log(`${commandsPage}: reference for ${(text.match(/^### /gm) ?? []).length} command groups`);
}
