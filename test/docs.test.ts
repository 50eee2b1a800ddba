// The README and docs/: generated blocks match the code, every relative link and anchor resolves, the README fits.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs scripts without type declarations
import { readBlock } from '../scripts/docs-lib.mjs';
// @ts-expect-error plain .mjs scripts without type declarations
import { commandsPage, renderCommands } from '../scripts/docs-commands.mjs';
// @ts-expect-error plain .mjs scripts without type declarations
import { keysPage, renderKeys } from '../scripts/docs-keys.mjs';
// @ts-expect-error plain .mjs scripts without type declarations
import { configPage, renderConfig } from '../scripts/docs-config.mjs';

const pages = ['README.md', ...fs.readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** A page's prose: fenced code blocks and inline code removed (their brackets are not links). */
function prose(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchors for a page's headings: lower case, punctuation dropped, blanks to hyphens, repeats numbered. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const withoutCode = text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const m of withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = (m[1] ?? '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

describe('docs', () => {
  it('the README stays at most 300 lines', () => {
    const lines = fs.readFileSync('README.md', 'utf8').trimEnd().split('\n').length;
    expect(lines).toBeLessThanOrEqual(300);
  });

  it('every relative link in the README and docs/ names a file that exists, and an anchor that page has', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const page of pages) {
      const text = fs.readFileSync(page, 'utf8');
      for (const m of prose(text).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = m[1] ?? '';
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        checked++;
        const [file, anchor] = target.split('#') as [string, string | undefined];
        const resolved = file ? path.normalize(path.join(path.dirname(page), decodeURI(file))) : page;
        if (!fs.existsSync(resolved)) {
          broken.push(`${page}: ${target} (no ${resolved})`);
          continue;
        }
        if (anchor !== undefined && resolved.endsWith('.md') && !anchors(fs.readFileSync(resolved, 'utf8')).has(anchor)) {
          broken.push(`${page}: ${target} (no heading #${anchor} in ${resolved})`);
        }
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(50);
  });

  it('the link checker reads anchors the way GitHub makes them', () => {
    const a = anchors('# Start-up CPU (`bench/startup.mjs`, 2026-12-01)\n## Files: upload\n## Files: upload\n```\n# not a heading\n```\n');
    expect([...a]).toEqual(['start-up-cpu-benchstartupmjs-2026-12-01', 'files-upload', 'files-upload-1']);
  });

  it('no heading names how or when something was delivered', () => {
    const found: string[] = [];
    for (const page of pages) {
      const text = fs.readFileSync(page, 'utf8').replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
      for (const m of text.matchAll(/^#{1,6} .*$/gm)) {
        if (/\bissue \d+|\bhardening\b|\bhelper\b|\bstop \d+|\badded\b/i.test(m[0])) found.push(`${page}: ${m[0]}`);
      }
    }
    expect(found).toEqual([]);
  });

  it('the key table in docs/dashboard.md is current (node scripts/docs-keys.mjs)', async () => {
    expect(readBlock(keysPage, 'keys')).toBe(await renderKeys());
  });

  it('the settings and environment tables in docs/configuration.md are current (node scripts/docs-config.mjs)', async () => {
    const tables = await renderConfig();
    expect(readBlock(configPage, 'settings')).toBe(tables.settings);
    expect(readBlock(configPage, 'environment')).toBe(tables.environment);
  });

  it('the command reference in docs/commands.md is current (npm run build, then node scripts/docs-commands.mjs)', async () => {
    expect(readBlock(commandsPage, 'commands')).toBe(await renderCommands());
  });
});
