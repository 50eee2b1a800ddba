// Regenerates the README's key map from the one key table (src/app/keymap.ts), so the two never disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const out = await build({ entryPoints: ['src/app/keymap.ts'], bundle: true, write: false, format: 'esm', platform: 'node', external: ['ink'] });
const { bindings, keyLabel } = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);

const rows = [];
const seen = new Map();
for (const b of bindings) {
  const where = (b.when ?? ['global']).filter((w) => !['help'].includes(w));
  if (!where.length) continue;
  const key = `${where.join(', ')}\u0000${b.description}`;
  const keys = b.command === 'goto' ? [b.target === 'sessions' ? 'S' : b.target] : b.keys.map(keyLabel);
  if (keys.includes(undefined)) continue;
  if (b.command === 'goto' && b.target !== '1' && b.target !== 'sessions') continue;
  const label = b.command === 'goto' && b.target === '1' ? ['1', '…', '9'] : keys;
  if (seen.has(key)) {
    seen.get(key).keys.push(...label.filter((k) => !seen.get(key).keys.includes(k)));
    continue;
  }
  const row = { where: where.map((w) => (w === 'global' ? 'everywhere' : w)).join(', '), keys: [...label], does: b.command === 'goto' && b.target === '1' ? 'open view 1–9 of the tab bar' : b.description };
  seen.set(key, row);
  rows.push(row);
}
const table = [
  'One table in `src/app/keymap.ts` drives the key dispatcher, the footer and the `?` help (this table is generated',
  'from it by `node scripts/readme-keys.mjs`). A modal (confirm, text input, help) takes keys before the view under it;',
  'the view\'s own contexts come before the keys that work everywhere.',
  '',
  '| where | keys | does |',
  '|---|---|---|',
  ...rows.map((r) => `| ${r.where} | ${r.keys.map((k) => '`' + k.replace('|', '\\|') + '`').join(' ')} | ${r.does.replace(/\|/g, '\\|')} |`),
].join('\n');
const readme = readFileSync('README.md', 'utf8');
const start = '<!-- keys:start -->';
const end = '<!-- keys:end -->';
writeFileSync('README.md', readme.slice(0, readme.indexOf(start) + start.length) + '\n' + table + '\n' + readme.slice(readme.indexOf(end)));
console.log(`README.md: key map with ${rows.length} rows`);
