// Bundles src/ into dist/ with esbuild: the CLI entry stays small; React/Ink load only with the dashboard chunk.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { NARROW_TEXT, SGR } from './narrow-text.mjs';
import { loadSource } from './docs-lib.mjs';
import { sourcePatches } from './source-patches.mjs';
import { toCachedScript } from './cached-script.mjs';

// BERTH_BUILD_WITHOUT=name,...: a build without those patches, stand-ins and plugins, to measure what each one
// saves (bench/patches.mjs); names are those of scripts/source-patches.mjs and 'lazy-require', 'string-width',
// 'take-builtins', 'module-groups', 'lazy-cliui', 'yargs-script'.
const without = new Set((process.env.BERTH_BUILD_WITHOUT ?? '').split(',').filter(Boolean));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

// What this build is made of (the sources and the locked dependencies): the bundle carries it as BERTH_BUILD and
// dist/commands.json records it, so a manifest from another build (dist rebuilt, a copy mixed up) is never used.
const buildHash = createHash('sha256');
for (const file of readdirSync('src', { recursive: true }).map(String).sort()) {
  const full = path.join('src', file);
  if (statSync(full).isFile()) buildHash.update(`${file}\0`).update(readFileSync(full)).update('\0');
}
for (const file of ['package.json', 'package-lock.json', 'scripts/build.mjs', 'scripts/source-patches.mjs', 'scripts/narrow-text.mjs', 'scripts/cached-script.mjs']) buildHash.update(readFileSync(file));
const buildId = buildHash.digest('hex').slice(0, 16);

// dockerode loads its BuildKit session support (gRPC + protobuf, ~100 ms) and docker-modem loads ssh2 (~35 ms, with
// a crypto self-test) at import time; dockerode's util loads tar-fs (with tar-stream, bl and readable-stream, ~160 KB
// to compile) for build contexts only, and docker-modem's HttpDuplex loads readable-stream for hijacked streams only.
// Most commands need none of them, so the bundle requires each from node_modules on first use: a function (called or
// constructed) or an object whose properties are read.
const lazyModules = {
  './session': { importer: `${path.sep}dockerode${path.sep}`, real: 'dockerode/lib/session.js', kind: 'function' },
  './ssh': { importer: `${path.sep}docker-modem${path.sep}`, real: 'docker-modem/lib/ssh.js', kind: 'function' },
  './http_duplex': { importer: `${path.sep}docker-modem${path.sep}`, real: 'docker-modem/lib/http_duplex.js', kind: 'function' },
  'tar-fs': { importer: `${path.sep}dockerode${path.sep}lib${path.sep}util.js`, real: 'tar-fs', kind: 'object', from: 'dockerode' },
  // Node's https (with tls) and zlib: for a TLS engine and a gzipped build context only (~3 ms of start-up).
  https: { importer: `${path.sep}docker-modem${path.sep}lib${path.sep}http.js`, real: 'node:https', kind: 'object' },
  zlib: { importer: `${path.sep}dockerode${path.sep}lib${path.sep}util.js`, real: 'node:zlib', kind: 'object' },
};
const lazyRequire = {
  name: 'lazy-require',
  setup(b) {
    b.onResolve({ filter: /^(\.\/(session|ssh|http_duplex)|tar-fs|https|zlib)$/ }, (args) => {
      const lazy = lazyModules[args.path];
      return args.importer.includes(lazy.importer) ? { path: args.path, namespace: 'lazy', pluginData: lazy } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, ({ pluginData: lazy }) => {
      // tar-fs is dockerode's own dependency: resolve it from dockerode's directory, as its require would.
      const load = lazy.from
        ? `require(require.resolve(${JSON.stringify(lazy.real)}, { paths: [require('node:path').dirname(require.resolve('${lazy.from}'))] }))`
        : `require(${JSON.stringify(lazy.real)})`;
      const contents =
        lazy.kind === 'function'
          ? `let real; module.exports = function (...args) { real = real || ${load}; return real.apply(this, args); };`
          : `let real; module.exports = new Proxy({}, { get: (_, key) => (real = real || ${load})[key] });`;
      return { contents, loader: 'js' };
    });
  },
};

// string-width (yargs' help layout via cliui, wrap-ansi; Ink) builds an Intl.Segmenter and Unicode-property regexes
// at import: ~60-90 ms of start-up on a busy machine, paid even by commands that print no help; and it segments
// every string it measures, which Ink does for every line of every frame (~50 ms of the dashboard's first frame).
// Each import of it gets a stand-in that answers narrow text (scripts/narrow-text.mjs: one column per character in
// every version, unless asked to count ambiguous characters wide; coloured too) itself and loads the real module,
// bundled as usual, for any other string.
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData?.real) return undefined;
      const real = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: { real: true } });
      return real.errors.length ? { errors: real.errors } : { path: real.path, namespace: 'lazy-width' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-width' }, (args) => ({
      contents: [
        `const narrow = ${NARROW_TEXT};`,
        `const sgr = ${SGR};`,
        'let real;',
        'export default function stringWidth(string, options) {',
        "  if (typeof string === 'string' && options?.ambiguousIsNarrow !== false) {",
        '    if (narrow.test(string)) return string.length;',
        "    if (!options?.countAnsiEscapeCodes && string.includes('\\u001b')) {",
        "      const plain = string.replace(sgr, '');",
        '      if (narrow.test(plain)) return plain.length;',
        '    }',
        '  }',
        `  real = real || require(${JSON.stringify(args.path)}).default;`,
        '  return real(string, options);',
        '}',
      ].join('\n'),
      loader: 'js',
      resolveDir: path.dirname(args.path),
    }));
  },
};

// yargs lays out help with cliui, which imports string-width, strip-ansi and wrap-ansi (with ansi-styles' tables and
// the east-asian-width data, shared with Ink): all evaluated at start-up, for help that most commands never print.
// yargs gets a stand-in that loads cliui, bundled as usual, the first time it lays out help.
const lazyCliui = {
  name: 'lazy-cliui',
  setup(b) {
    b.onResolve({ filter: /^cliui$/ }, async (args) => {
      if (args.pluginData?.real || !args.importer.includes(`${path.sep}yargs${path.sep}`)) return undefined;
      const real = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: { real: true } });
      return real.errors.length ? { errors: real.errors } : { path: real.path, namespace: 'lazy-cliui' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-cliui' }, (args) => ({
      contents: `let real;\nexport default function ui(opts) {\n  real = real || require(${JSON.stringify(args.path)}).default;\n  return real(opts);\n}\n`,
      loader: 'js',
      resolveDir: path.dirname(args.path),
    }));
  },
};

// The library's domain faces (src/runtime/<domain>/index.ts) re-export their modules. esbuild splits chunks by
// file, and a face imported statically by one chunk keeps every module it names in that chunk, so lazily loaded
// modules would load with the first command. The bundle therefore imports each name from the module that defines it,
// as the face says; only a face imported with import() loads whole.
const faceExports = new Map();
function faceOf(indexFile) {
  if (!faceExports.has(indexFile)) {
    const names = new Map();
    for (const m of readFileSync(indexFile, 'utf8').matchAll(/^export \{([^{}]*)\} from '(\.\/[^']+)';$/gm)) {
      for (const name of m[1].split(',').map((n) => n.trim().replace(/^type\s+/, '')).filter(Boolean)) names.set(name, path.resolve(path.dirname(indexFile), m[2]));
    }
    faceExports.set(indexFile, names);
  }
  return faceExports.get(indexFile);
}
const directImports = {
  name: 'direct-imports',
  setup(b) {
    const runtimeDir = path.resolve('src', 'runtime') + path.sep;
    b.onLoad({ filter: /[\\/]src[\\/].*\.tsx?$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8').replace(/\b(import|export)(\s+type)?\s*\{([^{}]*)\}\s*from\s*'([^']+\/index\.js)';/g, (whole, kw, typeOnly, list, spec) => {
        const indexFile = path.resolve(path.dirname(args.path), spec).replace(/\.js$/, '.ts');
        if (typeOnly || !indexFile.startsWith(runtimeDir) || path.dirname(path.dirname(indexFile)) + path.sep !== runtimeDir) return whole;
        const face = faceOf(indexFile);
        const byFile = new Map();
        for (const item of list.split(',').map((n) => n.trim()).filter(Boolean)) {
          const file = face.get(item.replace(/^type\s+/, '').split(/\s+as\s+/)[0]);
          if (!file) throw new Error(`build: ${args.path}: ${spec} has no export ${item}`);
          byFile.set(file, [...(byFile.get(file) ?? []), item]);
        }
        let rel = (file) => { const r = path.relative(path.dirname(args.path), file).split(path.sep).join('/'); return r.startsWith('.') ? r : `./${r}`; };
        return [...byFile].map(([file, items]) => `${kw} { ${items.join(', ')} } from '${rel(file)}';`).join(' ');
      });
      // `const { a, b } = await import(face)` and `[{ a }, { b }] = await Promise.all([import(face), ...])`: the module
      // that defines the names, when one does.
      const lazyOne = (list, spec) => {
        const indexFile = path.resolve(path.dirname(args.path), spec).replace(/\.js$/, '.ts');
        if (!indexFile.startsWith(runtimeDir) || path.dirname(path.dirname(indexFile)) + path.sep !== runtimeDir) return spec;
        const files = new Set(list.split(',').map((n) => n.trim().split(':')[0].trim()).filter(Boolean).map((n) => faceOf(indexFile).get(n)));
        if (files.size !== 1 || files.has(undefined)) return spec;
        const r = path.relative(path.dirname(args.path), [...files][0]).split(path.sep).join('/');
        return r.startsWith('.') ? r : `./${r}`;
      };
      const rewritten = source
        .replace(/\{([^{}]*)\}\s*=\s*await import\('([^']+\/index\.js)'\)/g, (whole, list, spec) => whole.replace(spec, lazyOne(list, spec)))
        .replace(/\[((?:\s*\{[^{}]*\}\s*,?)+)\]\s*=\s*await Promise\.all\(\[([^\]]*)\]\)/g, (whole, lists, imports) => {
          const names = [...lists.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]);
          let i = 0;
          return whole.replace(imports, imports.replace(/import\('([^']+)'\)/g, (call, spec) => `import('${spec.endsWith('/index.js') ? lazyOne(names[i++] ?? '', spec) : (i++, spec)}')`));
        });
      return { contents: rewritten, loader: args.path.endsWith('.tsx') ? 'tsx' : 'ts' };
    });
  },
};

// esbuild puts the modules that exactly the same entry points reach into one chunk, so the core's twenty-odd modules,
// each reached by a different set of commands, came out as as many chunks, and Node's ESM loader costs about
// 0.3 ms a module (resolve, read, cache look-up, link). Each group below is therefore imported, from outside it,
// through one module that re-exports all its members, which puts them in one chunk that loads whole, at once.
// start: what cli.ts and main.ts load before any command runs (--version and --help load only this). core: the rest
// of the core but the ssh transport and the settings validator, which load on first use. containers: the listing
// and what it imports (creating and updating load on first use). trust: deciding a host command (trust check, berth
// shell), bash parsing apart.
const runtimeFile = (...parts) => path.resolve('src', 'runtime', ...parts);
const start = [...['errors', 'format', 'version', 'paths'].map((f) => runtimeFile('core', `${f}.ts`)), ...['manifest', 'output', 'command-registry'].map((f) => path.resolve('src', 'commands', `${f}.ts`))];
const coreApart = new Set(['index', 'ssh-connection', 'settings-validate']);
const moduleGroups = {
  start,
  core: readdirSync(runtimeFile('core'))
    .map((f) => runtimeFile('core', f))
    .filter((f) => f.endsWith('.ts') && !coreApart.has(path.basename(f, '.ts')) && !start.includes(f))
    .sort(),
  containers: ['containers', 'summary', 'orphan-jobs', 'log-limits'].map((f) => runtimeFile('containers', `${f}.ts`)),
  trust: ['trust', 'trust-flags', 'quoting', 'trust-place', 'request-environment'].map((f) => runtimeFile('host-commands', `${f}.ts`)),
};
const groupOf = new Map(Object.entries(moduleGroups).flatMap(([group, files]) => files.map((f) => [f, group])));
const moduleGroup = {
  name: 'module-groups',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
      if (!args.importer.startsWith(path.resolve('src') + path.sep)) return undefined;
      const group = groupOf.get(path.resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts'));
      // A member imports another of its group as it is; anything else imports the group.
      return group && groupOf.get(args.importer) !== group ? { path: group, namespace: 'module-group' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'module-group' }, (args) => ({
      contents: moduleGroups[args.path].map((f) => `export * from ${JSON.stringify(f)};`).join('\n'),
      loader: 'js',
      resolveDir: path.resolve('src'),
    }));
  },
};

// An ESM import of a Node built-in reads every export to build the module's namespace, and on Node 24 several
// built-ins have lazy properties that load more when read: `import http from 'node:http'` loads undici and web
// streams (~50 ms of CPU), node:fs its promises API, node:util parseArgs and worker_threads. The built bundle
// therefore takes built-ins through globalThis.process.getBuiltinModule (a chunk may import node:process as
// `process`), which reads only the names a chunk imports (`takeBuiltins` below, applied to every output chunk;
// esbuild's own CommonJS interop would copy every property, reading each one) and, unlike require, does not pass
// through the module hooks bin/berth registers.
// Some that few commands call are not even required until first used: node:crypto (a docker context's hash, a
// lock's token), node:child_process (a lock holder's `ps`), node:assert (yargs checks its invariants with
// strictEqual and notStrictEqual on every parse; a check that holds needs no assert module), node:tty (it loads
// node:net; the CLI asks isatty only when the dashboard could start), node:http and node:net (the core's engine
// connection takes them at load, and commands that never reach the engine, trust check, need neither).
const lazyBuiltins = new Set(['crypto', 'child_process', 'assert', 'tty', 'http', 'net']);
const builtinImport = /^import ([\w$]+\s*,\s*)?(\{[^}]*\}|\* as [\w$]+|[\w$]+)? ?from "((?:node:)?([a-z_0-9]+(?:\/[a-z_]+)?))";$/gm;
function takeBuiltins(code, file) {
  return code.replace(builtinImport, (whole, defaultAndComma, clause, spec, bare) => {
    const name = bare.replace(/^node:/, '');
    if (!builtinModules.includes(name)) return whole;
    const id = JSON.stringify(`node:${name}`);
    const lines = '\n'.repeat(whole.split('\n').length - 1);
    const bindings = [];
    const def = defaultAndComma ? defaultAndComma.replace(/\s*,\s*$/, '') : clause && !clause.startsWith('{') ? clause.replace(/^\* as /, '') : undefined;
    const named = clause?.startsWith('{') ? clause.slice(1, -1).split(',').map((n) => n.trim()).filter(Boolean).map((n) => n.split(/\s+as\s+/)) : [];
    if (!lazyBuiltins.has(name)) {
      if (def) bindings.push(`const ${def} = globalThis.process.getBuiltinModule(${id});`);
      if (named.length) bindings.push(`const { ${named.map(([k, v]) => (v ? `${k}: ${v}` : k)).join(', ')} } = globalThis.process.getBuiltinModule(${id});`);
      return bindings.join(' ') + lines;
    }
    const real = `(__lazy_${name} ??= globalThis.process.getBuiltinModule(${id}))`;
    bindings.push(`var __lazy_${name};`);
    if (def) bindings.push(`const ${def} = new Proxy({}, { get: (_, key) => ${real}[key] });`);
    for (const [k, v] of named) {
      if (!/^[a-z]/.test(k)) throw new Error(`build: ${file}: ${k} of ${id} is not a function to load lazily`);
      bindings.push(
        name === 'assert' && /^(strictEqual|notStrictEqual)$/.test(k)
          ? `function ${v ?? k}(actual, expected, message) { if (${k === 'strictEqual' ? '!' : ''}Object.is(actual, expected)) ${real}.${k}(actual, expected, message); }`
          : `function ${v ?? k}(...args) { return ${real}.${k}.apply(this, args); }`,
      );
    }
    return bindings.join(' ') + lines;
  });
}

const patchSources = {
  name: 'patch-sources',
  setup(b) {
    // One loader per file, applying every patch for it in order.
    const byFile = new Map();
    for (const patch of sourcePatches.filter((p) => !without.has(p.name))) byFile.set(patch.file.source, [...(byFile.get(patch.file.source) ?? []), patch]);
    for (const patches of byFile.values()) {
      b.onLoad({ filter: patches[0].file }, (args) => {
        let source = readFileSync(args.path, 'utf8');
        for (const patch of patches) {
          if (!source.includes(patch.from)) throw new Error(`build: ${args.path} changed; revisit its patch in scripts/source-patches.mjs`);
          source = patch.all ? source.replaceAll(patch.from, patch.to) : source.replace(patch.from, patch.to);
        }
        return { contents: source, loader: 'js' };
      });
    }
  },
};

// The settings schema (src/runtime/core/settings-schema.ts) compiled here by ajv into standalone code: the bundle's
// settings-validate module is that code, so reading a setting costs no ajv load and compile at run time (~70 ms).
const { settingsSchema } = await loadSource('src/runtime/core/settings-schema.ts');
const { SETTINGS_AJV_OPTIONS } = await loadSource('src/runtime/core/settings-validate.ts');
const { Ajv } = await import('ajv');
const { default: standaloneCode } = await import('ajv/dist/standalone/index.js');
const settingsAjv = new Ajv({ ...SETTINGS_AJV_OPTIONS, code: { source: true, esm: true } });
const settingsValidatorCode = standaloneCode(settingsAjv, settingsAjv.compile(settingsSchema));
const precompiledSettings = {
  name: 'precompiled-settings',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]runtime[\\/]core[\\/]settings-validate\.ts$/ }, () => ({
      contents: `${settingsValidatorCode}\nexport async function settingsValidator() { return validate; }\n`,
      loader: 'js',
      resolveDir: path.resolve('node_modules'),
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
  target: 'node24',
  sourcemap: 'linked',
  metafile: true,
  // Native addons, ssh2 (optional native crypto) and dockerode's BuildKit-only modules load from node_modules;
  // so does web-tree-sitter (the bash parser for trusted patterns), next to the wasm files it and tree-sitter-bash ship.
  external: ['better-sqlite3', 'node-pty', 'ssh2', 'cpu-features', 'react-devtools-core', 'protobufjs', 'web-tree-sitter', ...Object.values(lazyModules).filter((m) => !m.from).map((m) => m.real)],
  plugins: [...(without.has('lazy-require') ? [] : [lazyRequire]), ...(without.has('string-width') ? [] : [lazyStringWidth]), ...(without.has('lazy-cliui') ? [] : [lazyCliui]), patchSources, precompiledSettings, directImports, ...(without.has('module-groups') ? [] : [moduleGroup])],
  define: { BERTH_VERSION: JSON.stringify(pkg.version), BERTH_BUILD: JSON.stringify(buildId), 'process.env.NODE_ENV': '"production"' },
  // Each chunk's `require` (bundled CommonJS code requires through it): a built-in straight from
  // process.getBuiltinModule, anything else through a createRequire made on first use. Neither an import of node:module
  // nor a createRequire per chunk (~30 chunks for a command), and built-ins skip the module hooks bin/berth registers.
  banner: {
    js: "const require = ((url) => { const { process } = globalThis; let real; const load = () => (real ??= process.getBuiltinModule('node:module').createRequire(url)); return new Proxy(function require() {}, { apply: (_, __, [id]) => process.getBuiltinModule(id) ?? load()(id), get: (_, key) => load()[key] }); })(import.meta.url);",
  },
  logLevel: 'warning',
});

for (const file of Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'))) {
  const code = readFileSync(file, 'utf8');
  const taken = without.has('take-builtins') ? code : takeBuiltins(code, file);
  if (taken !== code) writeFileSync(file, taken);
  const left = /^import .* from "(node:)?([a-z_0-9]+)";$/m.exec(taken);
  if (left && !without.has('take-builtins') && left[2] !== 'module' && builtinModules.includes(left[2])) throw new Error(`build: ${file} still imports a built-in: ${left[0]}`);
}

// yargs runs as a classic script with a code cache made after its first run (scripts/cached-script.mjs): Node's
// compile cache never holds its nested functions, which every command calls. The script is named by its content's
// hash, and so is its cache: V8 itself checks only a script's length.
const outputs = new Set(Object.keys(result.metafile.outputs).map((f) => path.resolve(f)));
if (!without.has('yargs-script')) {
  // (node_modules may be a link elsewhere, as in bench/patches.mjs's copies: the input is then named by its real path)
  const yargsFactory = 'node_modules/yargs/build/lib/yargs-factory.js';
  const chunk = Object.entries(result.metafile.outputs).find(([, o]) => Object.keys(o.inputs).some((i) => i === yargsFactory || i.endsWith(`/${yargsFactory}`)))?.[0];
  if (!chunk) throw new Error('build: no output holds yargs');
  const code = readFileSync(chunk, 'utf8');
  const draft = toCachedScript(code, chunk, 'cached-yargs.js');
  const scriptName = `cached-yargs-${createHash('sha256').update(draft.script).digest('hex').slice(0, 12)}.js`;
  const { shim, script } = toCachedScript(code, chunk, scriptName);
  writeFileSync(chunk, shim);
  writeFileSync(path.join('dist', scriptName), script);
  outputs.add(path.resolve('dist', scriptName));
  outputs.delete(path.resolve(`${chunk}.map`));
}

// Chunk names carry content hashes: remove outputs of earlier builds so dist/ holds exactly this build.
for (const file of readdirSync('dist')) {
  if (!outputs.has(path.resolve('dist', file))) rmSync(path.join('dist', file), { force: true });
}

// docs/openapi.json: the API server's OpenAPI document, generated from its route schemas (src/server).
const serverChunk = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint === 'src/server/index.ts')?.[0];
if (!serverChunk) throw new Error('build: no output for src/server/index.ts');
const openapi = spawnSync(
  process.execPath,
  ['--input-type=module', '-e', `const m = await import(${JSON.stringify(pathToFileURL(path.resolve(serverChunk)).href)}); process.stdout.write(JSON.stringify(await m.openApiDocument(), null, 2) + '\\n');`],
  { encoding: 'utf8' },
);
if (openapi.status !== 0) throw new Error(`build: cannot generate docs/openapi.json: ${openapi.stderr}`);
writeFileSync('docs/openapi.json', openapi.stdout);

// dist/commands.json: each command group's help line (command, aliases, describe), so `berth --help` and --version
// load no group and a command line loads only the one it names (src/commands/main.ts).
const mainChunk = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint === 'src/commands/main.ts')?.[0];
if (!mainChunk) throw new Error('build: no output for src/commands/main.ts');
const manifest = spawnSync(
  process.execPath,
  [
    '--input-type=module',
    '-e',
    // The group lines, and what `berth --help` writes through a pipe (every group loaded: there is no manifest yet).
    `const m = await import(${JSON.stringify(pathToFileURL(path.resolve(mainChunk)).href)});
     let help = '';
     const sink = { write: (s) => ((help += s), true) };
     await m.main(['--help'], { io: { stdout: sink, stderr: { write: (s) => process.stderr.write(s) }, env: process.env } });
     process.stdout.write(JSON.stringify({ groups: await m.commandManifest(), help }));`,
  ],
  { encoding: 'utf8' },
);
if (manifest.status !== 0) throw new Error(`build: cannot list the command groups: ${manifest.stderr}`);
writeFileSync(path.join('dist', 'commands.json'), `${JSON.stringify({ build: buildId, ...JSON.parse(manifest.stdout) }, null, 1)}\n`);
