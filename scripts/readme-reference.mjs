// Regenerates the README's command reference from berth's own yargs help, so the two never disagree.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const bin = new URL('../bin/berth', import.meta.url).pathname;
const help = (args) => {
  const r = spawnSync(process.execPath, [bin, ...args, '--help'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '110' } });
  return r.stdout.trimEnd();
};
const top = help([]);
const groups = [...top.matchAll(/^ {2}berth ([a-z]+)/gm)].map((m) => m[1]);
// Global options repeat on every page; the reference shows them once, at the top.
const GLOBAL = /^\s+(-H, --host|-o, --output|-q, --quiet|-r, --room|--debug|--version|-h, --help)\b|^\s{10,}(local )?socket\s+\[string\]$/;
function ownLines(page) {
  const lines = page.split('\n').filter((l) => !GLOBAL.test(l));
  // Drop an "Options:" heading left with nothing under it.
  return lines
    .filter((l, i) => !(l === 'Options:' && (i === lines.length - 1 || lines[i + 1] === '')))
    .join('\n')
    .trimEnd();
}
let text = '```\n' + top + '\n```\n';
for (const group of groups) {
  const groupHelp = help([group]);
  text += `\n### berth ${group}\n\n\`\`\`\n${ownLines(groupHelp)}\n\`\`\`\n`;
  // Subcommands are listed as `  berth GROUP VERB`; an example line such as `  berth shell --agent …` is not one.
  const verbs = [...new Set([...groupHelp.matchAll(new RegExp(`^ {2}berth ${group} ([a-z][a-z-]*)`, 'gm'))].map((m) => m[1]))];
  for (const verb of verbs) {
    text += `\n\`\`\`\n${ownLines(help([group, verb]))}\n\`\`\`\n`;
  }
}
const readme = readFileSync('README.md', 'utf8');
const start = '<!-- commands:start -->';
const end = '<!-- commands:end -->';
const next = readme.slice(0, readme.indexOf(start) + start.length) + '\n' + text + readme.slice(readme.indexOf(end));
writeFileSync('README.md', next);
console.log(`README.md: reference for ${groups.length} command groups`);
