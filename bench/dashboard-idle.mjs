// Dashboard idle cost: 100 running containers in one room, the built dashboard in a pseudo-terminal showing them,
// left alone for 60 s: CPU seconds it used (/proc/PID/stat) and bytes/frames it wrote to the pty. Side by side
// with `docker stats` on the same containers in the same pty size for the same time.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pty from 'node-pty';
import { berthStart, ensureBuilt, node, removeBenchRoom, spawnAsync } from './lib.mjs';

const COUNT = Number(process.env.BENCH_IDLE_CONTAINERS ?? 100);
const SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const WARMUP_MS = 8000;
const IMAGE = 'berth-fixture:latest';
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

ensureBuilt();
if (spawnSync('docker', ['image', 'inspect', IMAGE], { stdio: 'ignore' }).status !== 0) {
  throw new Error(`${IMAGE} is missing: run the test suite once (test/support/global-setup.ts builds it) or bench/logs-follow.mjs`);
}
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
const env = { ...process.env, BERTH_HOME: home, TERM: 'xterm-256color' };
const room = `bench-idle-${process.pid}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime + stime
}

async function createContainers() {
  execFileSync(node, [...berthStart, 'room', 'create', room], { env, stdio: 'ignore' });
  const names = Array.from({ length: COUNT }, (_, i) => `c${String(i).padStart(3, '0')}`);
  // Ten at a time: docker run is slow enough one by one to dominate the benchmark's set-up.
  for (let i = 0; i < names.length; i += 10) {
    const codes = await Promise.all(
      names.slice(i, i + 10).map((name) =>
        spawnAsync('docker', [
          'run', '-d', '--log-opt', 'max-size=10m', '--log-opt', 'max-file=3', '--name', `${room}.${name}`, '--network', `berth-${room}`,
          '--label', `berth.room=${room}`, '--label', 'berth.kind=container', '--label', `berth.name=${name}`,
          IMAGE, 'sleep', '3600',
        ]),
      ),
    );
    if (codes.some((c) => c !== 0)) throw new Error('docker run failed');
  }
}

/** Runs a program in a 140x40 pty; `ready` decides when the screen is up; then measures the idle window. */
async function idle(label, file, args, ready) {
  const term = pty.spawn(file, args, { name: 'xterm-256color', cols: 140, rows: 40, cwd: process.cwd(), env });
  let screen = '';
  let measuring = false;
  let bytes = 0;
  let chunks = 0;
  let frames = 0;
  term.onData((d) => {
    screen = (screen + d).slice(-200_000);
    if (!measuring) return;
    bytes += Buffer.byteLength(d);
    chunks++;
    // A redraw starts by moving to column 1 after erasing (Ink) or by homing the cursor (docker stats).
    frames += (d.match(/\x1b\[G|\x1b\[H/g) ?? []).length;
  });
  const exited = new Promise((resolve) => term.onExit(resolve));
  await ready(term, () => screen);
  await sleep(WARMUP_MS);
  // The dashboard's header counts the room events it saw: other activity on a shared engine is not "nothing".
  const eventsSeen = () => Number([...plain(screen).matchAll(/(\d+) events/g)].pop()?.[1] ?? NaN);
  const eventsBefore = eventsSeen();
  const before = cpuSeconds(term.pid);
  measuring = true;
  await sleep(SECONDS * 1000);
  measuring = false;
  const cpu = cpuSeconds(term.pid) - before;
  const events = eventsSeen() - eventsBefore;
  term.write('q');
  setTimeout(() => term.kill(), 2000);
  await exited;
  return { label, cpu, bytes, chunks, frames, events };
}

function plain(text) {
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
}

async function waitScreen(screen, test, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (test(plain(screen()))) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}; screen ends with: ${JSON.stringify(plain(screen()).slice(-300))}`);
}

try {
  await createContainers();
  const berth = await idle('berth dashboard', node, berthStart, async (term, screen) => {
    await waitScreen(screen, (s) => s.includes('Rooms'), 'the dashboard');
    // Walk the room list to the benchmark room (other rooms may exist on this engine).
    for (let i = 0; i < 200 && !plain(screen()).includes(`Containers in ${room}`); i++) {
      term.write('j');
      await sleep(150);
    }
    await waitScreen(screen, (s) => /c0\d\d\s+berth-fixture:latest\s+running/.test(s), 'the containers');
  });
  console.error(`berth done: ${JSON.stringify(berth)}`);
  const ids = execFileSync('docker', ['ps', '-q', '--filter', `label=berth.room=${room}`], { encoding: 'utf8' }).trim().split('\n');
  const docker = await idle('docker stats (same containers)', 'docker', ['stats', ...ids], async (_term, screen) => {
    await waitScreen(screen, (s) => s.includes('CPU %'), 'docker stats', 120_000);
  });
  console.log(`## Dashboard idle: ${COUNT} running containers, ${SECONDS} s untouched in a 140x40 pty (after ${WARMUP_MS / 1000} s warm-up)\n`);
  console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs\n`);
  console.log('| program | CPU s used | CPU % of one core | bytes written | writes | redraws | engine events for berth rooms in the window |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of [berth, docker]) {
    const events = Number.isFinite(r.events) ? String(r.events) : '-';
    console.log(`| ${r.label} | ${r.cpu.toFixed(2)} | ${((r.cpu / SECONDS) * 100).toFixed(1)}% | ${r.bytes.toLocaleString('en')} | ${r.chunks} | ${r.frames} | ${events} |`);
  }
} finally {
  removeBenchRoom(room, env);
  fs.rmSync(home, { recursive: true, force: true });
}
