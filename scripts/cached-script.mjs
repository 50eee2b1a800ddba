// A chunk of the bundle run as a classic script with a V8 code cache made after its first run (scripts/build.mjs
// applies it to the chunk holding yargs).
//
// Node's compile cache (bin/berth) is made when a module is compiled, before it runs, so it holds a module's top-level
// code and the functions declared directly in it, and never a function nested in another: yargs' parser closures
// and its usage and validation factories are compiled again in every process (docs/BENCHMARKS.md). A code cache made
// after the code ran holds every function that ran. Node makes none for modules, so the chunk becomes a script:
// esbuild turns its ESM into CommonJS (imports read through the imported chunk's namespace, so they stay live), the
// script is one function expression, and the chunk's file becomes a module that imports what the script imported,
// runs the script through node:vm with the cache, and exports what the script exported.
import { transformSync } from 'esbuild';
import vm from 'node:vm';

/**
 * Runs the classic script at `url` and returns its value. The cache lives in Node's compile cache directory (its
 * directory for this Node and architecture; none when the compile cache is off: NODE_DISABLE_COMPILE_CACHE, or a
 * directory that could not be made), one file per script. It is written when missing or refused, at exit, through
 * a temporary file and a rename, so a reader never sees half of one. The file holds the cache twice: V8 checks a
 * cache's header but not its payload (a damaged payload crashes the process, or runs what the bytes now say), and
 * two unequal halves show damage without hashing, which costs more at start-up than the cache saves (node:zlib's
 * crc32 3.5 ms to load, a checksum in JavaScript 1.6-3 ms). Any failure only means no cache.
 */
export function runCachedScript(url, name) {
  const { process } = globalThis;
  const fs = process.getBuiltinModule('node:fs');
  const dir = process.getBuiltinModule('node:module').getCompileCacheDir?.();
  const file = dir && `${dir}/${name}.v8`;
  let cachedData;
  try {
    const both = file && fs.readFileSync(file);
    const half = both ? both.length / 2 : 0;
    if (half >= 1 && Number.isInteger(half) && both.subarray(0, half).equals(both.subarray(half))) cachedData = both.subarray(0, half);
  } catch {
    // none yet, or unreadable: run without
  }
  const script = new (process.getBuiltinModule('node:vm').Script)(fs.readFileSync(url, 'utf8'), { filename: url.href, cachedData });
  if (file && (!cachedData || script.cachedDataRejected)) {
    process.once('exit', () => {
      // One name for every writer: a process killed while writing leaves at most this one file behind. Two writing at
      // once leave one's cache whole (each writes it in one call), or a file whose halves differ, which is not used.
      const temporary = `${file}.tmp`;
      try {
        const data = script.createCachedData();
        fs.writeFileSync(temporary, Buffer.concat([data, data]));
        fs.renameSync(temporary, file);
      } catch {
        try {
          fs.rmSync(temporary, { force: true });
        } catch {
          // nothing was written
        }
      }
    });
  }
  return script.runInThisContext();
}

/**
 * The chunk `code` (an output of the bundle, named `chunkName`) as a script and the module that runs it. Throws when
 * the chunk is not of the shape this handles: static imports of other chunks only (built-ins are taken through
 * process.getBuiltinModule by then), named exports only, no dynamic import, no top-level await.
 */
export function toCachedScript(code, chunkName, scriptName) {
  const banner = code.slice(0, code.indexOf('\n'));
  if (!banner.startsWith('const require = ')) throw new Error(`build: ${chunkName} does not start with the bundle's require banner`);
  const imports = [...code.matchAll(/^import (?:\{[^}]*\} from )?"(\.\/[^"]+\.js)";$/gm)].map((m) => m[1]);
  if (/^(?:import|export \*|export default)\b/m.test(code.replace(/^import (?:\{[^}]*\} from )?"\.\/[^"]+\.js";$/gm, '')) || /\bimport\(/.test(code)) {
    throw new Error(`build: ${chunkName} imports or exports in a way a cached script cannot`);
  }
  const exported = /^export \{([^}]*)\};$/m.exec(code)?.[1].split(',').map((n) => n.trim()).filter(Boolean);
  if (!exported?.length || exported.some((n) => !/^[\w$]+$/.test(n))) throw new Error(`build: ${chunkName} has no plain export list`);
  const { code: cjs } = transformSync(code.slice(banner.length + 1).replaceAll('import.meta', '__meta'), { format: 'cjs', platform: 'node', target: 'node24', logLevel: 'error' });
  const required = [...cjs.matchAll(/(?<![\w$.])require\(("[^"]*")\)/g)].map((m) => JSON.parse(m[1]));
  if (required.some((r) => !imports.includes(r))) throw new Error(`build: ${chunkName} requires something other than the chunks it imports`);
  const script = `(function (exports, require, module, __meta) {\n'use strict';\n${cjs}\n})`;
  // It compiles as a script (a top-level await would not).
  new vm.Script(script, { filename: scriptName });
  const shim = [
    ...imports.map((spec, i) => `import * as __chunk${i} from ${JSON.stringify(spec)};`),
    `const __chunks = { ${imports.map((spec, i) => `${JSON.stringify(spec)}: __chunk${i}`).join(', ')} };`,
    `const __module = { exports: {} };`,
    `(${runCachedScript})(new URL(${JSON.stringify(`./${scriptName}`)}, import.meta.url), ${JSON.stringify(scriptName.replace(/\.js$/, ''))})(__module.exports, (id) => { if (Object.hasOwn(__chunks, id)) return __chunks[id]; throw new Error('cannot require ' + id); }, __module, import.meta);`,
    `export const { ${exported.join(', ')} } = __module.exports;`,
    '',
  ].join('\n');
  return { shim, script };
}
