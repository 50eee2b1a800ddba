// Shared by the docs generators: a generated block sits between `<!-- NAME:start -->` and `<!-- NAME:end -->`.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** The repository's root: the scripts take paths relative to it, wherever they are run from. */
export const root = path.resolve(new URL('..', import.meta.url).pathname);
const at = (file) => path.resolve(root, file);

const markers = (name) => [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`];

/** The text between a page's markers (without the newlines around it). */
export function readBlock(file, name) {
  const page = readFileSync(at(file), 'utf8');
  const [start, end] = markers(name);
  const a = page.indexOf(start);
  const b = page.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${file}: no ${start} … ${end} block`);
  return page.slice(a + start.length, b).replace(/^\n/, '').replace(/\n$/, '');
}

/** Replaces the text between a page's markers; everything else on the page stays. */
export function writeBlock(file, name, text) {
  const page = readFileSync(at(file), 'utf8');
  const [start, end] = markers(name);
  const a = page.indexOf(start);
  const b = page.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${file}: no ${start} … ${end} block`);
  writeFileSync(at(file), page.slice(0, a + start.length) + '\n' + text + '\n' + page.slice(b));
}

/** Loads a TypeScript module of berth's (bundled with esbuild, packages left external) to read its exported data. */
export async function loadSource(entry) {
  const out = await build({ entryPoints: [at(entry)], bundle: true, write: false, format: 'esm', platform: 'node', packages: 'external', logLevel: 'silent' });
  // Written under node_modules so that the packages it leaves external resolve as they do for berth.
  const dir = at('node_modules/.cache/berth-docs');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${path.basename(entry, '.ts')}-${process.pid}-${Date.now()}.mjs`);
  writeFileSync(file, out.outputFiles[0].text);
  try {
    return await import(pathToFileURL(file).href);
  } finally {
    rmSync(file, { force: true });
  }
}

/** True when the script that imports this was run directly (`node scripts/docs-….mjs`), not imported by a test. */
export const isMain = (url) => process.argv[1] && new URL(url).pathname === process.argv[1];
