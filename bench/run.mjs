// Runs every benchmark script in bench/ in turn (or those named on the command line) and prints their tables.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const scripts = readdirSync(dir)
  .filter((f) => f.endsWith('.mjs') && !['lib.mjs', 'run.mjs'].includes(f))
  .filter((f) => !wanted.length || wanted.some((w) => f.startsWith(w)));
for (const script of scripts) {
  console.log(`\n# ${script}\n`);
  const r = spawnSync(process.execPath, [path.join(dir, script)], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}
