// The bundle keeps CLI start-up light: nothing a command loads (statically or lazily) contains React or Ink; only
// the dashboard chunk does. The global set-up builds dist/ before the tests run.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/helpers.js';

const dist = path.join(repoRoot, 'dist');
const read = (file: string) => fs.readFileSync(path.join(dist, file), 'utf8');
const imports = (code: string, kind: 'static' | 'dynamic') =>
  [...code.matchAll(kind === 'static' ? /from "\.\/([^"]+\.js)"/g : /import\("\.\/([^"]+\.js)"\)/g)].map((m) => m[1]!);

/** The chunks a chunk loads, statically or lazily, at any depth (not through `skip`). */
function reachable(from: string, skip?: string): Set<string> {
  const seen = new Set<string>();
  const queue = [from];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file) || file === skip) continue;
    seen.add(file);
    const code = read(file);
    queue.push(...imports(code, 'static'), ...imports(code, 'dynamic'));
  }
  return seen;
}

describe('bundle', () => {
  it('loads React and Ink only through the dashboard chunk', () => {
    const cli = read('cli.js');
    const dashboard = imports(cli, 'dynamic').find((f) => f.startsWith('run-dashboard-'));
    expect(dashboard).toBeDefined();
    // The dashboard chunk itself starts the engine's first calls; Ink, React and the views load from it lazily.
    expect(read(dashboard!)).not.toContain('// node_modules/ink/');
    expect([...reachable(dashboard!)].some((f) => read(f).includes('// node_modules/ink/'))).toBe(true);

    // Everything reachable from cli.js except through the dashboard chunk.
    const seen = reachable('cli.js', dashboard);
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
  it('loads Fastify and its plugins only through the API server chunk (berth serve)', () => {
    const server = fs.readdirSync(dist).find((f) => f.endsWith('.js') && read(f).includes('// src/server/index.ts'));
    expect(server).toBeDefined();
    expect([...reachable(server!)].some((f) => read(f).includes('// node_modules/fastify/'))).toBe(true);
    // Every other command, `berth serve user ...` included, never loads them.
    for (const file of reachable('cli.js', server)) {
      const code = read(file);
      for (const mod of ['fastify', '@fastify/websocket', '@fastify/swagger']) expect(code, `${file}: ${mod}`).not.toContain(`// node_modules/${mod}/`);
    }
  });

  it('answers only characters every bundled string-width counts as one column', async () => {
    // @ts-expect-error: a build script, plain JavaScript
    const { NARROW_TEXT } = (await import('../../scripts/narrow-text.mjs')) as { NARROW_TEXT: RegExp };
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
    // Coloured narrow text counts its characters without the colours, as the stand-in counts it.
    // @ts-expect-error: a build script, plain JavaScript
    const { SGR } = (await import('../../scripts/narrow-text.mjs')) as { SGR: RegExp };
    const sgrs = ['\x1b[0m', '\x1b[1m', '\x1b[22m', '\x1b[31m', '\x1b[39m', '\x1b[38;5;208m', '\x1b[48;2;1;2;3m', '\x1b[m', '\x1b[7;1m'];
    let seed = 11;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let run = 0; run < 300; run++) {
      let text = '';
      for (let i = 0, n = rand(30); i < n; i++) text += rand(3) === 0 ? sgrs[rand(sgrs.length)] : narrow[rand(narrow.length)];
      const plain = text.replace(SGR, '');
      expect(NARROW_TEXT.test(plain)).toBe(true);
      for (const w of widths) expect(w(text), JSON.stringify(text)).toBe(plain.length);
    }
  });
});

describe("the bundle's ansi-tokenize patch", () => {
  it('turns styled characters into the same string as the original, for random styles and text', async () => {
    // @ts-expect-error: a build script, plain JavaScript
    const { sourcePatches } = (await import('../../scripts/source-patches.mjs')) as { sourcePatches: { file: RegExp; from: string; to: string }[] };
    const original = path.join(repoRoot, 'node_modules', '@alcalzone', 'ansi-tokenize', 'build');
    const patch = sourcePatches.find((p) => p.file.test(path.join(original, 'styledChars.js')));
    expect(patch).toBeDefined();
    // A patched copy of the package's build next to the original, so both load the same way.
    const copy = fs.mkdtempSync(path.join(repoRoot, 'node_modules', '.ansi-tokenize-patched-'));
    try {
      for (const f of fs.readdirSync(original)) if (f.endsWith('.js')) fs.copyFileSync(path.join(original, f), path.join(copy, f));
      fs.writeFileSync(path.join(copy, 'package.json'), '{"type":"module"}');
      const source = fs.readFileSync(path.join(copy, 'styledChars.js'), 'utf8');
      expect(source).toContain(patch!.from);
      fs.writeFileSync(path.join(copy, 'styledChars.js'), source.replace(patch!.from, patch!.to));
      type Lib = { tokenize: (s: string) => unknown[]; styledCharsFromTokens: (t: unknown[]) => unknown[]; styledCharsToString: (c: unknown[]) => string };
      const real = (await import(path.join(original, 'index.js'))) as Lib;
      const patched = (await import(path.join(copy, 'index.js'))) as Lib;

      const codes = ['0', '1', '2', '22', '3', '23', '4', '24', '7', '27', '31', '32', '39', '41', '49', '90', '38;5;208', '48;2;1;2;3', '1;31', '2;4;44'];
      let seed = 7;
      const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
      for (let run = 0; run < 500; run++) {
        let text = '';
        for (let i = 0, n = rand(40); i < n; i++) {
          text += rand(3) === 0 ? `\x1b[${codes[rand(codes.length)]}m` : 'ab │█é'[rand(6)];
        }
        const chars = real.styledCharsFromTokens(real.tokenize(text));
        expect(patched.styledCharsToString(chars), JSON.stringify(text)).toBe(real.styledCharsToString(chars));
      }
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
});
