// Start-up: CPU time (user+sys) of berth's commands above bare `node -e ''`, side by side with the docker CLI, in one
// interleaved run; then `berth container exec --tty` vs `docker exec -it` time to prompt (under node-pty).
// CPU, not wall time: on a shared, loaded machine wall time mostly measures the queue for a CPU.
// Node's compile cache (bin/berth) is measured on and off in the same run. BERTH_BENCH_BASELINE='NODE BIN' adds the
// same commands run by another node and install (e.g. '/usr/bin/node /tmp/berth-node20/bin/berth': Node 20 and the
// build before the move to Node 24), each above that node's own `node -e ''`.
// Usage: node bench/startup.mjs [--runs 20] [--containers 100] [--prompts 5]   (builds first; needs the fixture image)
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pty from 'node-pty';
import { berthStart, berthStartOf, cpuMs, ensureBuilt, node, percentile, removeBenchRoom } from './lib.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const runs = arg('runs', Number(process.env.BENCH_RUNS ?? 20));
const count = arg('containers', 100);
const prompts = arg('prompts', 5);
const image = process.env.BERTH_BENCH_IMAGE ?? 'berth-fixture:latest';
const room = `bench-${randomBytes(3).toString('hex')}`;
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
const env = { ...process.env, BERTH_HOME: home, BERTH_ROOM: room, TERM: 'xterm-256color' };

/** user+sys ms of one run (lib.mjs); trust check exits 1 for a command that is not trusted. */
const cpuOnce = (cmd, args, extraEnv = {}) => cpuMs(cmd, args, { ...env, ...extraEnv }, args.includes('trust') ? [0, 1] : [0]);

function run(cmd, args) {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

const PROMPT = /[#$] (\x1b\[(6n|J))?$/; // busybox ash asks for the cursor position (ESC[6n) and may redraw (ESC[J)
/** ms from spawning the client under a pty to the shell's prompt. */
function timeToPrompt(cmd, args) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const term = pty.spawn(cmd, args, { name: 'xterm-256color', cols: 120, rows: 40, env });
    let out = '';
    let done = false;
    const timer = setTimeout(() => finish(new Error(`${cmd}: no prompt in 60 s: ${JSON.stringify(out.slice(-200))}`)), 60_000);
    const finish = (err, ms) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const exited = new Promise((r) => term.onExit(r));
      term.write('exit\r');
      Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]).then(() => {
        try {
          term.kill();
        } catch {}
        if (err) reject(err);
        else resolve(ms);
      });
    };
    term.onData((d) => {
      out += d;
      if (PROMPT.test(out)) finish(undefined, Number(process.hrtime.bigint() - start) / 1e6);
    });
  });
}

/** ms from spawning cmd under a pty to output matching `until`; `quit` is typed then (the dashboard's q). */
function timeToOutput(cmd, args, until, quit) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const term = pty.spawn(cmd, args, { name: 'xterm-256color', cols: 140, rows: 40, env });
    let out = '';
    let ms;
    const timer = setTimeout(() => {
      term.kill();
      reject(new Error(`${cmd}: no match in 60 s: ${JSON.stringify(out.slice(-300))}`));
    }, 60_000);
    term.onData((d) => {
      out += d;
      if (ms === undefined && until.test(out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ' '))) {
        ms = Number(process.hrtime.bigint() - start) / 1e6;
        if (quit) term.write(quit);
      }
    });
    term.onExit(() => {
      clearTimeout(timer);
      if (ms === undefined) reject(new Error(`${cmd} exited before a match: ${JSON.stringify(out.slice(-300))}`));
      else resolve(ms);
    });
  });
}

ensureBuilt();
try {
  const batch = path.join(home, 'batch.json');
  fs.writeFileSync(batch, JSON.stringify(Array.from({ length: count }, (_, i) => ({ name: `c${i}`, image, command: ['sleep', '3600'] }))));
  const t0 = Date.now();
  run(node, [...berthStart, 'container', 'batch', 'create', '--file', batch, '--concurrency', '8', '-q']);
  console.log(`created ${count} containers in room ${room} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);

  const berthCases = (nodeBin, start, suffix = '', extraEnv) => [
    { name: `berth --help${suffix}`, cmd: nodeBin, args: [...start, '--help'], env: extraEnv },
    { name: `berth --version${suffix}`, cmd: nodeBin, args: [...start, '--version'], env: extraEnv },
    // -q: without it room list sizes every container's writable layer on the engine (minutes on a busy one).
    { name: `berth room list -q${suffix}`, cmd: nodeBin, args: [...start, 'room', 'list', '-q'], env: extraEnv },
    { name: `berth container list (${count})${suffix}`, cmd: nodeBin, args: [...start, 'container', 'list'], env: extraEnv },
    { name: `berth trust check -- ls${suffix}`, cmd: nodeBin, args: [...start, 'trust', 'check', '--', 'ls'], env: extraEnv },
  ];
  const cases = [
    { name: "node -e ''", cmd: node, args: ['-e', ''] },
    ...berthCases(node, berthStart),
    ...berthCases(node, berthStart, ', no compile cache', { NODE_DISABLE_COMPILE_CACHE: '1' }).filter((c) => !c.name.includes('--version')),
    { name: 'docker --help', cmd: 'docker', args: ['--help'] },
    { name: 'docker --version', cmd: 'docker', args: ['--version'] },
    { name: `docker ps --filter label (${count})`, cmd: 'docker', args: ['ps', '--filter', `label=berth.room=${room}`] },
  ];
  const baseline = process.env.BERTH_BENCH_BASELINE?.split(' ');
  if (baseline) {
    const version = run(baseline[0], ['-v']).trim();
    const suffix = ` (${version}, baseline)`;
    cases.push({ name: `node -e ''${suffix}`, cmd: baseline[0], args: ['-e', ''], base: true }, ...berthCases(baseline[0], berthStartOf(baseline[1]), suffix));
  }
  const rows = run(node, [...berthStart, 'container', 'list', '-q']).trim().split('\n').length;
  if (rows !== count) throw new Error(`berth container list: expected ${count} rows, got ${rows}`);
  for (const c of cases) {
    cpuOnce(c.cmd, c.args, c.env); // warm the page cache (and the compile cache) once
    c.cpu = [];
  }
  for (let i = 0; i < runs; i++) for (const c of cases) c.cpu.push(cpuOnce(c.cmd, c.args, c.env));
  console.log(`\n## Start-up CPU (user+sys, ${runs} runs each, interleaved; node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)})\n`);
  const med = (name) => percentile(cases.find((c) => c.name.startsWith(name)).cpu, 50);
  const dockerPs = med('docker ps');
  console.log("| command | CPU median ms | p90 ms | above its node -e '' ms | / docker ps | target |");
  console.log('|---|---|---|---|---|---|');
  let base = cases[0];
  for (const c of cases) {
    if (c === cases[0] || c.base) base = c;
    const median = percentile(c.cpu, 50);
    const above = median - percentile(base.cpu, 50);
    // The targets: --help and --version within node -e '' + 15 ms; a listing within 3 × docker ps.
    const target = !c.name.startsWith('berth')
      ? ''
      : /--help|--version/.test(c.name)
        ? (above <= 15 ? 'ok (≤ +15)' : 'over (+15)')
        : /list|trust/.test(c.name) && !c.name.includes('room')
          ? (median <= 3 * dockerPs ? 'ok (≤ 3× docker ps)' : 'over (3× docker ps)')
          : '';
    console.log(`| ${c.name} | ${median.toFixed(0)} | ${percentile(c.cpu, 90).toFixed(0)} | ${c === base ? '' : above.toFixed(0)} | ${c.name.startsWith('node') ? '' : (median / dockerPs).toFixed(2) + '×'} | ${target} |`);
  }
  console.log(`\nberth container list / docker ps: ${(med('berth container list') / med('docker ps')).toFixed(2)}×; berth --help / docker --help: ${(med('berth --help') / med('docker --help')).toFixed(2)}×`);

  // Time to an exec prompt, alternating the clients (and the baseline's) on one container.
  run('docker', ['run', '-d', '--log-opt', 'max-size=10m', '--log-opt', 'max-file=3', '--name', `${room}.box`, '--label', `berth.room=${room}`, '--label', 'berth.name=box', '--label', 'berth.kind=container', image, 'sleep', '3600']);
  const times = { berth: [], docker: [], baseline: [] };
  for (let i = 0; i < prompts; i++) {
    times.berth.push(await timeToPrompt(node, [...berthStart, 'container', 'exec', '--tty', 'box', '--', 'sh']));
    times.docker.push(await timeToPrompt('docker', ['exec', '-it', `${room}.box`, 'sh']));
    if (baseline) times.baseline.push(await timeToPrompt(baseline[0], [baseline[1], 'container', 'exec', '--tty', 'box', '--', 'sh']));
  }
  const b = percentile(times.berth, 50);
  const d = percentile(times.docker, 50);
  console.log(`\n## exec --tty time to prompt (${prompts} each, alternating; wall ms)\n`);
  console.log(`berth container exec --tty: ${b.toFixed(0)} ms, docker exec -it: ${d.toFixed(0)} ms; ratio ${(b / d).toFixed(2)}×, berth − docker = ${(b - d).toFixed(0)} ms (target ≤ +100)`);
  if (baseline) {
    const bb = percentile(times.baseline, 50);
    console.log(`baseline (${baseline.join(' ')}): ${bb.toFixed(0)} ms; ratio ${(bb / d).toFixed(2)}×, baseline − docker = ${(bb - d).toFixed(0)} ms`);
  }

  // Dashboard cold start: spawning `berth` on a pty to the first frame that lists the room's containers, against a
  // bare node that prints one line on the same pty.
  const firstFrame = new RegExp(`Containers in ${room}[\\s\\S]*\\bc\\d+\\b`);
  const cold = { berth: [], node: [], baseline: [], baselineNode: [] };
  for (let i = 0; i < prompts; i++) {
    cold.berth.push(await timeToOutput(node, berthStart, firstFrame, 'q'));
    cold.node.push(await timeToOutput(node, ['-e', 'console.log("ready")'], /ready/));
    if (baseline) {
      cold.baseline.push(await timeToOutput(baseline[0], berthStartOf(baseline[1]), firstFrame, 'q'));
      cold.baselineNode.push(await timeToOutput(baseline[0], ['-e', 'console.log("ready")'], /ready/));
    }
  }
  const cb = percentile(cold.berth, 50);
  const cn = percentile(cold.node, 50);
  console.log(`\n## Dashboard cold start to the first frame with the room's containers (${prompts} each, alternating; wall ms)\n`);
  console.log(`berth: ${cb.toFixed(0)} ms, bare node: ${cn.toFixed(0)} ms; berth − node = ${(cb - cn).toFixed(0)} ms (target ≤ +200)`);
  if (baseline) {
    const bb = percentile(cold.baseline, 50);
    const bn = percentile(cold.baselineNode, 50);
    console.log(`baseline: ${bb.toFixed(0)} ms, its bare node: ${bn.toFixed(0)} ms; baseline − its node = ${(bb - bn).toFixed(0)} ms`);
  }
} finally {
  removeBenchRoom(room, env);
  fs.rmSync(home, { recursive: true, force: true });
}
