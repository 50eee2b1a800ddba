// Benchmark: `berth container exec --tty` vs `docker exec -it`, both under node-pty, same container, same run:
// time to prompt, keystroke round-trip (type a character, wait for its echo) p50/p95, and output throughput of
// `seq 200000` (bytes/s through the whole chain to the outer terminal).
// Usage: node bench/exec-tty.mjs [--rounds 10] [--keys 200] [--seq-runs 3]   (builds first; needs the fixture image)
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pty from 'node-pty';
import { berthStart, ensureBuilt, percentile } from './lib.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const rounds = arg('rounds', 10);
const keys = arg('keys', 200);
const seqRuns = arg('seq-runs', 3);
const image = process.env.BERTH_BENCH_IMAGE ?? 'berth-fixture:latest';
const room = `bench-${randomBytes(3).toString('hex')}`;
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
const env = { ...process.env, BERTH_HOME: home, BERTH_ROOM: room, TERM: 'xterm-256color' };
const PROMPT = /[#$] (\x1b\[(6n|J))?$/; // busybox ash asks for the cursor position (ESC[6n) and may redraw (ESC[J)
/** `seq 200000` through a pty: every number and "\r\n". */
const SEQ_PAYLOAD = Array.from({ length: 200000 }, (_, i) => String(i + 1).length + 2).reduce((a, b) => a + b, 0);

const clients = {
  berth: [process.execPath, [...berthStart, 'container', 'exec', '--tty', 'box', '--', 'sh']],
  docker: ['docker', ['exec', '-it', `${room}.box`, 'sh']],
};

function docker(args) {
  const r = spawnSync('docker', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** One client under a pty, with a way to wait for output to match. */
function open(which) {
  const [cmd, args] = clients[which];
  const term = pty.spawn(cmd, args, { name: 'xterm-256color', cols: 120, rows: 40, env });
  const session = { term, out: '', waiters: [] };
  term.onData((d) => {
    session.out += d;
    for (const w of session.waiters.splice(0)) w();
  });
  session.until = (test) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${which}: timed out; output ${JSON.stringify(session.out.slice(-200))}`)), 30_000);
      const check = () => {
        if (test(session.out)) {
          clearTimeout(timer);
          resolve();
        } else session.waiters.push(check);
      };
      check();
    });
  session.close = async () => {
    const exited = new Promise((r) => term.onExit(r));
    term.write('exit\r');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    try {
      term.kill();
    } catch {}
  };
  return session;
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

async function timeToPrompt(which) {
  const start = now();
  const s = open(which);
  await s.until((o) => PROMPT.test(o));
  const ms = now() - start;
  await s.close();
  return ms;
}

async function keystrokes(which) {
  const s = open(which);
  await s.until((o) => PROMPT.test(o));
  const samples = [];
  for (let i = 0; i < keys; i++) {
    const ch = String.fromCharCode(97 + (i % 26));
    const mark = s.out.length;
    const start = now();
    s.term.write(ch);
    await s.until((o) => o.slice(mark).includes(ch));
    samples.push(now() - start);
    if (i % 50 === 49) {
      s.term.write('\x15'); // Ctrl+U: clear the line so it never wraps
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  await s.close();
  return samples;
}

async function throughput(which) {
  const s = open(which);
  await s.until((o) => PROMPT.test(o));
  const mark = s.out.length;
  const start = now();
  s.term.write("seq 200000; echo SEQ''DONE\r");
  await s.until((o) => o.includes('SEQDONE', mark));
  const ms = now() - start;
  const bytes = Buffer.byteLength(s.out.slice(mark));
  await s.close();
  // The payload is the same for both clients (seq's output, as the container's pty sends it), so bytes/s compare.
  return { ms, bytesPerSec: (SEQ_PAYLOAD / ms) * 1000, bytes };
}

ensureBuilt();
docker(['run', '-d', '--log-opt', 'max-size=10m', '--log-opt', 'max-file=3', '--name', `${room}.box`, '--label', `berth.room=${room}`, '--label', 'berth.name=box', '--label', 'berth.kind=container', image, 'sleep', '3600']);
try {
  const prompt = { berth: [], docker: [] };
  for (const which of ['berth', 'docker']) await timeToPrompt(which); // warm-up
  for (let i = 0; i < rounds; i++) for (const which of ['berth', 'docker']) prompt[which].push(await timeToPrompt(which));
  const rtt = {};
  for (const which of ['berth', 'docker']) rtt[which] = await keystrokes(which);
  const seq = { berth: [], docker: [] };
  for (let i = 0; i < seqRuns; i++) for (const which of ['berth', 'docker']) seq[which].push(await throughput(which));

  const fmt = (n) => n.toFixed(1);
  const mib = (n) => (n / 1024 / 1024).toFixed(1);
  console.log(`docker ${docker(['version', '--format', '{{.Server.Version}}'])}, node ${process.version}, ${os.cpus().length} CPUs, image ${image}`);
  console.log(`rounds ${rounds}, keystrokes ${keys}, seq runs ${seqRuns}\n`);
  console.log('| client | time to prompt p50 ms | p95 ms | keystroke RTT p50 ms | p95 ms | seq 200000 ms (median) | MiB/s | bytes to the outer terminal |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const which of ['berth', 'docker']) {
    const tp = seq[which].map((r) => r.bytesPerSec);
    console.log(
      `| ${which === 'berth' ? 'berth container exec --tty' : 'docker exec -it'} | ${fmt(percentile(prompt[which], 50))} | ${fmt(percentile(prompt[which], 95))} | ${percentile(rtt[which], 50).toFixed(2)} | ${percentile(rtt[which], 95).toFixed(2)} | ${fmt(percentile(seq[which].map((r) => r.ms), 50))} | ${mib(percentile(tp, 50))} | ${seq[which][0].bytes} |`,
    );
  }
  const ratio = (a, b) => (a / b).toFixed(2);
  console.log(
    `\nratios berth/docker: prompt p50 ${ratio(percentile(prompt.berth, 50), percentile(prompt.docker, 50))}×, ` +
      `keystroke p50 ${ratio(percentile(rtt.berth, 50), percentile(rtt.docker, 50))}×, ` +
      `throughput ${ratio(percentile(seq.berth.map((r) => r.bytesPerSec), 50), percentile(seq.docker.map((r) => r.bytesPerSec), 50))}×`,
  );
} finally {
  spawnSync('docker', ['rm', '-f', `${room}.box`]);
  fs.rmSync(home, { recursive: true, force: true });
}
