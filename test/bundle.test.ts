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
