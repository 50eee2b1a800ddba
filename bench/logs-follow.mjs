// logs --follow throughput: a container that printed 1M numbered lines (`seq 1000000`), read with
// `berth container logs --follow` and `docker logs --follow` in one run: lines/s, every line there, peak RSS.
// Also one "live" pass each, following a fresh container from its start while it is still printing.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { berthStart, ensureBuilt, node, percentile, removeBenchRoom } from './lib.mjs';

const LINES = Number(process.env.BENCH_LOG_LINES ?? 1_000_000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const IMAGE = 'berth-fixture:latest';

function ensureFixture() {
  if (spawnSync('docker', ['image', 'inspect', IMAGE], { stdio: 'ignore' }).status === 0) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-fixture-'));
  fs.copyFileSync('/bin/busybox', path.join(dir, 'busybox'));
  fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCMD ["/bin/sh"]\n');
  execFileSync('docker', ['build', '-q', '-t', IMAGE, dir], { stdio: 'ignore' });
  fs.rmSync(dir, { recursive: true, force: true });
}

ensureBuilt();
ensureFixture();
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
const env = { ...process.env, BERTH_HOME: home };
const room = `bench-logs-${process.pid}`;
execFileSync(node, [...berthStart, 'room', 'create', room], { env, stdio: 'ignore' });

function startSeq(name) {
  execFileSync('docker', [
    'run', '-d', '--log-opt', 'max-size=10m', '--log-opt', 'max-file=3', '--name', `${room}.${name}`, '--network', `berth-${room}`,
    '--label', `berth.room=${room}`, '--label', 'berth.kind=container', '--label', `berth.name=${name}`,
    IMAGE, 'seq', String(LINES),
  ], { stdio: 'ignore' });
}

/**
 * Runs one reader under /usr/bin/time, checks no line was lost (count and last line), returns wall seconds, CPU
 * seconds (user + system: what the reader itself spent, which a loaded machine distorts far less) and peak RSS.
 */
function measure(label, cmd, args) {
  const start = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', cmd, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 30 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${label} failed (${r.status}): ${r.stderr}`);
  const [rssKiB, user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  const out = r.stdout;
  let count = 0;
  for (let i = out.indexOf('\n'); i >= 0; i = out.indexOf('\n', i + 1)) count++;
  const last = out.slice(out.lastIndexOf('\n', out.length - 2) + 1).trim();
  if (count !== LINES || last !== String(LINES)) throw new Error(`${label} lost lines: ${count} lines, last "${last}"`);
  return { seconds, cpu: user + sys, rssKiB };
}

try {
  startSeq('seq');
  execFileSync('docker', ['wait', `${room}.seq`], { stdio: 'ignore' });
  const cases = [
    { name: 'berth container logs --follow', cmd: node, args: [...berthStart, 'container', 'logs', '--follow', 'seq', '--room', room] },
    { name: 'docker logs --follow', cmd: 'docker', args: ['logs', '--follow', `${room}.seq`] },
  ].map((c) => ({ ...c, seconds: [], cpu: [], rss: [] }));
  for (let i = 0; i < runs; i++) {
    for (const c of cases) {
      const m = measure(c.name, c.cmd, c.args);
      c.seconds.push(m.seconds);
      c.cpu.push(m.cpu);
      c.rss.push(m.rssKiB);
    }
  }

  // Live: follow a container from its start while it prints, until it exits.
  const live = [];
  for (const [name, cmd, args] of [
    ['berth (live)', node, (n) => [...berthStart, 'container', 'logs', '--follow', n, '--room', room]],
    ['docker (live)', 'docker', (n) => ['logs', '--follow', `${room}.${n}`]],
  ]) {
    const n = `live-${live.length}`;
    startSeq(n);
    live.push({ name, ...measure(name, cmd, args(n)) });
  }

  console.log(`## logs --follow, ${LINES.toLocaleString('en')} lines (${runs} runs each, interleaved; every run checked: line count and last line)\n`);
  console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs\n`);
  console.log('| reader | median wall s | lines/s | median CPU s (user+sys) | peak RSS MiB | wall ratio to docker | CPU ratio to docker |');
  console.log('|---|---|---|---|---|---|---|');
  const dockerWall = percentile(cases[1].seconds, 50);
  const dockerCpu = percentile(cases[1].cpu, 50);
  for (const c of cases) {
    const wall = percentile(c.seconds, 50);
    const cpu = percentile(c.cpu, 50);
    console.log(
      `| ${c.name} | ${wall.toFixed(2)} | ${Math.round(LINES / wall).toLocaleString('en')} | ${cpu.toFixed(2)} | ${(percentile(c.rss, 50) / 1024).toFixed(1)} | ${(wall / dockerWall).toFixed(2)}× | ${(cpu / dockerCpu).toFixed(2)}× |`,
    );
  }
  for (const l of live) {
    console.log(`| ${l.name}: started, followed to its exit | ${l.seconds.toFixed(2)} | ${Math.round(LINES / l.seconds).toLocaleString('en')} | ${l.cpu.toFixed(2)} | ${(l.rssKiB / 1024).toFixed(1)} | | |`);
  }
} finally {
  removeBenchRoom(room, env);
  fs.rmSync(home, { recursive: true, force: true });
}
