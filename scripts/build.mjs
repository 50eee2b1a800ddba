// Bundles src/ into dist/ with esbuild: the CLI entry stays small; React/Ink load only with the dashboard chunk.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // Native addons and ssh2 (optional native crypto) load from node_modules at run time.
  external: ['better-sqlite3', 'node-pty', 'ssh2', 'cpu-features', 'react-devtools-core'],
  define: { BERTH_VERSION: JSON.stringify(pkg.version), 'process.env.NODE_ENV': '"production"' },
  banner: {
    js: "import { createRequire as __berthCreateRequire } from 'node:module'; const require = __berthCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
