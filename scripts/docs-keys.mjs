// Generates the key table in docs/dashboard.md from the one key table (src/app/keymap.ts), so the two never disagree.
import { isMain, loadSource, writeBlock } from './docs-lib.mjs';

export const keysPage = 'docs/dashboard.md';

/** The Markdown of the key table, from the bindings berth dispatches. */
export async function renderKeys() {
  const { bindings, keyLabel } = await loadSource('src/app/keymap.ts');
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
    const row = {
      where: where.map((w) => (w === 'global' ? 'everywhere' : w)).join(', '),
      keys: [...label],
      does: b.command === 'goto' && b.target === '1' ? 'open view 1–9 of the tab bar' : b.description,
    };
    seen.set(key, row);
    rows.push(row);
  }
  return [
    'One table in `src/app/keymap.ts` drives the key dispatcher, the footer and the `?` help (this table is generated',
    'from it by `node scripts/docs-keys.mjs`). A modal (confirm, text input, help) takes keys before the view under it;',
    "the view's own contexts come before the keys that work everywhere.",
    '',
    '| where | keys | does |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.where} | ${r.keys.map((k) => '`' + k.replace('|', '\\|') + '`').join(' ')} | ${r.does.replace(/\|/g, '\\|')} |`),
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const table = await renderKeys();
  writeBlock(keysPage, 'keys', table);
  console.log(`${keysPage}: key table with ${table.split('\n').length - 6} rows`);
}
