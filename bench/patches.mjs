// What each build-time patch, stand-in and plugin (scripts/source-patches.mjs, scripts/build.mjs) saves on this
// Node: builds the bundle once with everything and once without each one (BERTH_BUILD_WITHOUT, in a copy of the
// repository under the temp dir), then runs the same commands with every build, interleaved, and reports CPU
// medians (user+sys). The dashboard's first frame is measured as the dashboard process's CPU until the first frame
// that lists the room's containers (from /proc, 10 ms ticks), on a 140x40 pty.
// Usage: node bench/patches.mjs [--runs 15] [--containers 20] [--frames 7] [--only name,...]
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pty from 'node-pty';
import { node, percentile, removeBenchRoom, repoRoot } from './lib.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const runs = Number(arg('runs', 15));
const count = Number(arg('containers', 20));
const frames = Number(arg('frames', 7));
const names = ['ink-same-frame', 'ink-resize-redraw', 'yargs-main-filename', 'docker-modem-inspect', 'yoga-fetch', 'ansi-tokenize-same-styles', 'yargs-help-cache', 'lazy-require', 'string-width', 'take-builtins', 'yargs-script'];
const only = arg('only')?.split(',');
const variants = ['', ...names.filter((n) => !only || only.includes(n))];
const image = process.env.BERTH_BENCH_IMAGE ?? 'berth-fixture:latest';
const room = `bench-${randomBytes(3).toString('hex')}`;
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
const env = { ...process.env, BERTH_HOME: home, BERTH_ROOM: room, TERM: 'xterm-256color' };
const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** A copy of the repository (sources, scripts, package files; node_modules linked) built without `name`. */
function buildVariant(name) {
  const dir = path.join(home, `build-${name || 'all'}`);
  fs.mkdirSync(dir);
  for (const part of ['bin', 'src', 'scripts', 'docs', 'package.json', 'package-lock.json', 'tsconfig.json']) {
    if (fs.existsSync(path.join(repoRoot, part))) fs.cpSync(path.join(repoRoot, part), path.join(dir, part), { recursive: true });
  }
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'));
  run(node, ['scripts/build.mjs'], { cwd: dir, env: { ...env, BERTH_BUILD_WITHOUT: name } });
  return path.join(dir, 'bin', 'berth');
}

function cpuOnce(args) {
  const r = spawnSync('bash', ['-c', `${args.map(quote).join(' ')} >/dev/null 2>&1 </dev/null; s=$?; times; exit $s`], { env, encoding: 'utf8' });
  if (r.status !== 0 && !(r.status === 1 && args.includes('trust'))) throw new Error(`${args.join(' ')} failed (${r.status})`);
  const [user, sys] = r.stdout.trim().split('\n').pop().split(/\s+/).map((t) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    return Number(m[1]) * 60000 + Number(m[2]) * 1000;
  });
  return user + sys;
}

/** CPU ms of the dashboard process until its first frame lists the room's containers. */
function frameCpu(bin) {
  return new Promise((resolve, reject) => {
    const term = pty.spawn(node, [bin], { name: 'xterm-256color', cols: 140, rows: 40, env });
    let out = '';
    let done = false;
    const timer = setTimeout(() => finish(new Error(`no first frame in 60 s: ${JSON.stringify(out.slice(-200))}`)), 60_000);
    const finish = (err, ms) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      term.write('q');
      setTimeout(() => {
        try {
          term.kill();
        } catch {}
        err ? reject(err) : resolve(ms);
      }, 300);
    };
    const first = new RegExp(`Containers in ${room}[\\s\\S]*\\bc\\d+\\b`);
    term.onData((d) => {
      out += d;
      if (!done && first.test(out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ' '))) {
        const stat = fs.readFileSync(`/proc/${term.pid}/stat`, 'utf8').split(') ')[1].split(' ');
        finish(undefined, (Number(stat[11]) + Number(stat[12])) * 10);
      }
    });
  });
}

try {
  const bins = variants.map((v) => ({ name: v || 'all patches', bin: buildVariant(v) }));
  const batch = path.join(home, 'batch.json');
  fs.writeFileSync(batch, JSON.stringify(Array.from({ length: count }, (_, i) => ({ name: `c${i}`, image, command: ['sleep', '3600'] }))));
  run(node, [bins[0].bin, 'container', 'batch', 'create', '--file', batch, '--concurrency', '8', '-q']);
  const commands = [
    ['container list', ['container', 'list']],
    ['trust check -- ls', ['trust', 'check', '--', 'ls']],
    ['container --help (yargs)', ['container', '--help']],
  ];
  const cells = bins.map((b) => ({ ...b, cpu: commands.map(() => []), frame: [] }));
  for (const c of cells) for (const [, args] of commands) cpuOnce([node, c.bin, ...args]);
  const bare = [];
  for (let i = 0; i < runs; i++) {
    bare.push(cpuOnce([node, '-e', '']));
    for (const c of cells) commands.forEach(([, args], j) => c.cpu[j].push(cpuOnce([node, c.bin, ...args])));
  }
  for (let i = 0; i < frames; i++) for (const c of cells) c.frame.push(await frameCpu(c.bin));
  const med = (a) => percentile(a, 50);
  console.log(`\n## CPU medians (ms) by build, ${runs} runs (first frame: ${frames}), interleaved; node ${process.version}, load ${os.loadavg()[0].toFixed(1)}; bare node -e '' ${med(bare).toFixed(0)} ms\n`);
  console.log(`| build | ${commands.map(([n]) => n).join(' | ')} | dashboard to first frame (${count} containers) |`);
  console.log(`|---|${commands.map(() => '---|').join('')}---|`);
  const all = cells[0];
  for (const c of cells) {
    const diff = (v, base) => (c === all ? `${v.toFixed(0)}` : `${v.toFixed(0)} (${v - base >= 0 ? '+' : ''}${(v - base).toFixed(0)})`);
    console.log(`| ${c === all ? c.name : `without ${c.name}`} | ${c.cpu.map((a, j) => diff(med(a), med(all.cpu[j]))).join(' | ')} | ${diff(med(c.frame), med(all.frame))} |`);
  }
} finally {
  removeBenchRoom(room, env);
  fs.rmSync(home, { recursive: true, force: true });
}
