// Bundles src/ into dist/ with esbuild: the CLI entry stays small; React/Ink load only with the dashboard chunk.
import { build } from 'esbuild';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

// dockerode loads its BuildKit session support (gRPC + protobuf, ~100 ms) at import time; berth never uses it on
// start-up, so the bundle requires it from node_modules only on first call.
const lazyDockerodeSession = {
  name: 'lazy-dockerode-session',
  setup(b) {
    b.onResolve({ filter: /^\.\/session$/ }, (args) =>
      args.importer.includes(`${path.sep}dockerode${path.sep}`) ? { path: 'session', namespace: 'lazy-session' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-session' }, () => ({
      contents:
        "let real; module.exports = function (...args) { real = real || require('dockerode/lib/session.js'); return real.apply(this, args); };",
      loader: 'js',
    }));
  },
};

const result = await build({
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  metafile: true,
  // Native addons, ssh2 (optional native crypto) and dockerode's BuildKit-only modules load from node_modules.
  external: ['better-sqlite3', 'node-pty', 'ssh2', 'cpu-features', 'react-devtools-core', 'protobufjs', 'dockerode/lib/session.js'],
  plugins: [lazyDockerodeSession],
  define: { BERTH_VERSION: JSON.stringify(pkg.version), 'process.env.NODE_ENV': '"production"' },
  banner: {
    js: "import { createRequire as __berthCreateRequire } from 'node:module'; const require = __berthCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

// Chunk names carry content hashes: remove outputs of earlier builds so dist/ holds exactly this build.
const outputs = new Set(Object.keys(result.metafile.outputs).map((f) => path.resolve(f)));
for (const file of readdirSync('dist')) {
  if (!outputs.has(path.resolve('dist', file))) rmSync(path.join('dist', file), { force: true });
}
