// Shared by the image, build and registry tests: an in-process CLI run with stdin, the built binary with stdin and
// its `ps` lines captured while it runs, and a docker-credential helper script for PATH.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../src/commands/main.js';
import { exitCodeOf } from '../../src/runtime/core/index.js';
import { repoRoot, type CliResult } from './helpers.js';

/** main(argv) in-process with captured output and optional stdin (what --password-stdin reads). */
export async function runCliStdin(args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (t: string) => void (stdout += t), isTTY: false },
    stderr: { write: (t: string) => void (stderr += t), isTTY: false },
    stdin: stdin === undefined ? undefined : (Readable.from([Buffer.from(stdin)]) as NodeJS.ReadableStream & { isTTY?: boolean }),
    env: { ...process.env, ...env },
  };
  try {
    await main(args, { io });
    return { code: 0, stdout, stderr };
  } catch (err) {
    stderr += `berth: ${(err as Error).message}\n`;
    return { code: exitCodeOf(err), stdout, stderr };
  }
}

export interface BinResult extends CliResult {
  /** Every `ps` line seen while the process ran. */
  ps: string;
}

/** Runs bin/berth with stdin, sampling `ps -eo args` until it exits (what another user on the machine could see). */
export async function runBin(args: string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<BinResult> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/berth'), ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let ps = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(stdin);
  const exited = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    ps += execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20))]);
  }
  return { code: await exited, stdout, stderr, ps };
}

/**
 * Writes docker-credential-<name> into dir: a Node script keeping credentials in $BERTH_TEST_CRED_STORE (JSON) and
 * logging each call's arguments to $BERTH_TEST_CRED_STORE.calls, with docker's "not found" answer.
 */
export function writeCredentialHelper(dir: string, name: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `docker-credential-${name}`);
  fs.writeFileSync(
    file,
    `#!${process.execPath}
const fs = require('fs');
const store = process.env.BERTH_TEST_CRED_STORE;
const action = process.argv[2];
fs.appendFileSync(store + '.calls', JSON.stringify(process.argv.slice(2)) + '\\n');
let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', () => {
  const db = fs.existsSync(store) ? JSON.parse(fs.readFileSync(store, 'utf8')) : {};
  const save = () => fs.writeFileSync(store, JSON.stringify(db));
  const notFound = () => { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); };
  const key = input.trim();
  if (action === 'get') {
    if (!db[key]) notFound();
    process.stdout.write(JSON.stringify({ ServerURL: key, Username: db[key].Username, Secret: db[key].Secret }));
  } else if (action === 'store') {
    const j = JSON.parse(input);
    db[j.ServerURL] = { Username: j.Username, Secret: j.Secret };
    save();
  } else if (action === 'erase') {
    if (!db[key]) notFound();
    delete db[key];
    save();
  } else if (action === 'list') {
    process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(db).map(([k, v]) => [k, v.Username]))));
  } else {
    process.exit(2);
  }
});
`,
    { mode: 0o755 },
  );
  return file;
}

/** Every file under dir (recursively), for searching what berth wrote. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}
