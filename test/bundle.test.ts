// The bundle keeps CLI start-up light: nothing a command loads (statically or lazily) contains React or Ink; only
// the dashboard chunk does. The global set-up builds dist/ before the tests run.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers.js';

const dist = path.join(repoRoot, 'dist');
const read = (file: string) => fs.readFileSync(path.join(dist, file), 'utf8');
const imports = (code: string, kind: 'static' | 'dynamic') =>
  [...code.matchAll(kind === 'static' ? /from "\.\/([^"]+\.js)"/g : /import\("\.\/([^"]+\.js)"\)/g)].map((m) => m[1]!);

describe('bundle', () => {
  it('loads React and Ink only through the dashboard chunk', () => {
    const cli = read('cli.js');
    const dashboard = imports(cli, 'dynamic').find((f) => f.startsWith('run-dashboard-'));
    expect(dashboard).toBeDefined();
    expect(read(dashboard!)).toContain('// node_modules/ink/');

    // Everything reachable from cli.js except through the dashboard chunk.
    const seen = new Set<string>();
    const queue = ['cli.js'];
    while (queue.length) {
      const file = queue.pop()!;
      if (seen.has(file) || file === dashboard) continue;
      seen.add(file);
      const code = read(file);
      queue.push(...imports(code, 'static'), ...imports(code, 'dynamic'));
    }
    expect(seen.size).toBeGreaterThan(3);
    for (const file of seen) {
      const code = read(file);
      expect(code, file).not.toContain('// node_modules/ink/');
      expect(code, file).not.toContain('// node_modules/react/');
      expect(code, file).not.toContain('// node_modules/react-reconciler/');
    }
  });
});

describe("the bundle's string-width stand-in", () => {
  it('answers only characters every bundled string-width counts as one column', async () => {
    // @ts-expect-error: a build script, plain JavaScript
    const { NARROW_TEXT } = (await import('../scripts/narrow-text.mjs')) as { NARROW_TEXT: RegExp };
    const copies = [path.join(repoRoot, 'node_modules', 'string-width'), ...['cliui', 'wrap-ansi'].map((p) => path.join(repoRoot, 'node_modules', p, 'node_modules', 'string-width'))]
      .filter((dir) => fs.existsSync(dir));
    expect(copies.length).toBeGreaterThan(1);
    const widths = await Promise.all(copies.map(async (dir) => (await import(path.join(dir, 'index.js'))).default as (s: string) => number));
    const narrow: string[] = [];
    for (let c = 0; c <= 0xffff; c++) if (NARROW_TEXT.test(String.fromCharCode(c))) narrow.push(String.fromCharCode(c));
    expect(narrow.length).toBeGreaterThan(95 + 100);
    const wrong = narrow.filter((ch) => widths.some((w) => w(ch) !== 1));
    expect(wrong.map((ch) => ch.charCodeAt(0).toString(16))).toEqual([]);
    // What the dashboard draws measures as the real module measures it.
    for (const line of ['╭─ Services · 3 ─╮', '│ web ↑↓ › … — ▁▂▃▅▇█ ● ⚑ │']) for (const w of widths) expect(w(line)).toBe(line.length);
  });
});
