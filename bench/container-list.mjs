// Benchmark: `berth container list` vs `docker ps` on a room with 100 running containers, same machine, same run.
// Usage: node bench/container-list.mjs [--containers 100] [--runs 15]   (builds first; needs the fixture image)
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { berthStart, compare, cpuMs, ensureBuilt, node, percentile, removeBenchRoom, table } from './lib.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const count = arg('containers', 100);
const runs = arg('runs', 15);
const image = process.env.BERTH_BENCH_IMAGE ?? 'berth-fixture:latest';
const room = `bench-${randomBytes(3).toString('hex')}`;
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
const env = { ...process.env, BERTH_HOME: home };
const berth = [node, ...berthStart];

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

ensureBuilt();
try {
  const batch = path.join(home, 'batch.json');
  fs.writeFileSync(batch, JSON.stringify(Array.from({ length: count }, (_, i) => ({ name: `c${i}`, image, command: ['sleep', '600'] }))));
  const t0 = Date.now();
  run(berth[0], [...berth.slice(1), '--room', room, 'container', 'batch', 'create', '--file', batch, '--concurrency', '8', '-q']);
  console.log(`created ${count} containers in room ${room} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);

  const cases = [
    { name: `berth container list (${count} running)`, cmd: node, args: [...berthStart, 'container', 'list', '--room', room], opts: { env } },
    { name: `docker ps --filter label (${count} running)`, cmd: 'docker', args: ['ps', '--filter', `label=berth.room=${room}`], opts: { env } },
  ];
  // Both must list every container before their times mean anything.
  for (const c of cases) {
    const rows = run(c.cmd, c.args).trim().split('\n').length - 1;
    if (rows !== count) throw new Error(`${c.name}: expected ${count} rows, got ${rows}`);
  }
  const rows = compare(cases, runs);
  // CPU time (user+sys) as well, interleaved: on a busy machine wall time mostly measures the queue for a CPU.
  const cpu = cases.map((c) => ({ name: c.name, values: [] }));
  for (let i = 0; i < runs; i++) cases.forEach((c, j) => cpu[j].values.push(cpuMs(c.cmd, c.args, env)));
  for (const c of cpu) c.median = percentile(c.values, 50);
  console.log(`\n## container list vs docker ps (${runs} runs each, interleaved; node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)})\n`);
  console.log(table(rows, cases[1].name));
  console.log(`\nCPU time (user+sys, median): ${cpu.map((c) => `${c.name} ${c.median.toFixed(1)} ms`).join(', ')}; ratio ${(cpu[0].median / cpu[1].median).toFixed(2)}×`);
} finally {
  removeBenchRoom(room, env);
  fs.rmSync(home, { recursive: true, force: true });
}
