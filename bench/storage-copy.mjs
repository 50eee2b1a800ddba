// storage cp of a directory of 1,000 small files (1 KiB each) into room storage, and back out: berth (the whole
// command, start-up included) next to `berth storage ls` (start-up and room look-up alone) and `cp -a` (the floor),
// interleaved in one run. The copy's own cost is the cp row minus the ls row.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { berthStart, ensureBuilt, node, percentile, runOnce } from './lib.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const FILES = Number(process.env.BENCH_FILES ?? 1000);

ensureBuilt();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-storage-'));
const home = path.join(work, 'home');
const env = { ...process.env, BERTH_HOME: home, BERTH_AGENT: 'bench' };
const room = `bench-storage-${process.pid}`;
try {
  const src = path.join(work, 'src');
  for (let i = 0; i < FILES; i++) {
    const dir = path.join(src, `d${i % 10}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `f${i}.txt`), Buffer.alloc(1024, i % 251));
  }
  const storage = path.join(home, 'data', 'rooms', room);
  fs.mkdirSync(storage, { recursive: true });
  const berth = (...args) => runOnce(node, [...berthStart, '--room', room, ...args], { env });
  const times = { ls: [], in: [], out: [], cpa: [] };
  for (let i = 0; i < RUNS + 1; i++) {
    const steps = [
      ['ls', () => berth('storage', 'ls', ':')],
      ['in', () => berth('storage', 'cp', src, `:c${i}`)],
      ['out', () => berth('storage', 'cp', `:c${i}`, path.join(work, `out${i}`))],
      ['cpa', () => runOnce('cp', ['-a', src, path.join(work, `cpa${i}`)])],
    ];
    for (const [name, run] of steps) {
      const r = run();
      if (r.status !== 0) throw new Error(`${name} failed (${r.status}): ${r.stderr}`);
      if (i > 0) times[name].push(r.ms); // the first round warms caches
    }
  }
  const med = (k) => percentile(times[k], 50);
  console.log(`| step (${FILES} files of 1 KiB, ${RUNS} runs) | median ms |`);
  console.log('|---|---|');
  console.log(`| berth storage ls (start-up, room look-up) | ${med('ls').toFixed(1)} |`);
  console.log(`| berth storage cp DIR :c (into storage) | ${med('in').toFixed(1)} |`);
  console.log(`| berth storage cp :c DIR (out of storage) | ${med('out').toFixed(1)} |`);
  console.log(`| cp -a DIR DIR2 | ${med('cpa').toFixed(1)} |`);
  console.log(`\ncopy alone (cp − ls): into ${(med('in') - med('ls')).toFixed(1)} ms, out ${(med('out') - med('ls')).toFixed(1)} ms`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
