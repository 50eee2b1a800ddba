// Build-context upload: a directory of incompressible 1 MiB files (BENCH_CONTEXT_MIB of them, default 500) built with
// a one-line Dockerfile, berth build vs docker build (legacy builder: the same tar upload over the same API) in one
// run, interleaved; wall time and peak RSS of the client. Two sizes show whether berth's RSS grows with the context.
// The directory and the images are removed afterwards. BERTH_BENCH_BASELINE='NODE BIN' adds another install's build.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { berthStart, ensureBuilt, node, percentile, runOnce } from './lib.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const FILES = Number(process.env.BENCH_CONTEXT_MIB ?? 500);
if (!Number.isInteger(FILES) || FILES < 1) throw new Error(`BENCH_CONTEXT_MIB must be a whole number of MiB, not ${process.env.BENCH_CONTEXT_MIB}`);
const FILE_SIZE = 1024 * 1024;

ensureBuilt();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-ctx-'));
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-home-'));
const dockerConfig = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-docker-'));
const tags = { berth: `berth-bench-ctx-berth:${process.pid}`, docker: `berth-bench-ctx-docker:${process.pid}` };
try {
  fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM berth-fixture:latest\nLABEL berth.bench=build-context\n');
  fs.mkdirSync(path.join(dir, 'data'));
  const chunk = randomBytes(FILE_SIZE);
  for (let i = 0; i < FILES; i++) {
    chunk.writeUInt32LE(i, 0); // distinct files
    fs.writeFileSync(path.join(dir, 'data', `blob-${String(i).padStart(5, '0')}.bin`), chunk);
  }
  const env = { ...process.env, BERTH_HOME: home, DOCKER_CONFIG: dockerConfig, DOCKER_BUILDKIT: '0' };
  const cases = [
    { name: 'berth build', cmd: node, args: [...berthStart, 'build', dir, '-t', tags.berth, '--room', 'bench', '-q'] },
    { name: 'docker build', cmd: 'docker', args: ['build', '-q', '-t', tags.docker, dir] },
  ];
  // BERTH_BENCH_BASELINE='NODE BIN': the same build by another install (the build before a change), in the same run.
  const baseline = process.env.BERTH_BENCH_BASELINE?.split(' ');
  if (baseline) {
    tags.baseline = `berth-bench-ctx-baseline:${process.pid}`;
    cases.splice(1, 0, { name: 'berth build (baseline)', cmd: baseline[0], args: [baseline[1], 'build', dir, '-t', tags.baseline, '--room', 'bench', '-q'] });
  }
  const results = cases.map((c) => ({ ...c, times: [], rss: [] }));
  for (let i = 0; i < RUNS; i++) {
    for (const c of results) {
      const r = runOnce(c.cmd, c.args, { env });
      if (r.status !== 0) throw new Error(`${c.name} failed (${r.status}): ${r.stderr}`);
      c.times.push(r.ms);
      c.rss.push(r.rssKiB);
    }
  }
  const mib = (FILES * FILE_SIZE) / 1024 / 1024;
  const base = results.find((r) => r.name === 'docker build');
  const baseMedian = percentile(base.times, 50);
  const baseRss = percentile(base.rss, 50);
  console.log(`context: ${FILES} files, ${mib} MiB; ${RUNS} runs each, interleaved\n`);
  console.log('| client | median wall s | min s | MiB/s (median) | peak RSS MiB (median) | max RSS MiB | wall ratio to docker | RSS ratio to docker |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const med = percentile(r.times, 50);
    const rss = percentile(r.rss, 50);
    console.log(
      `| ${r.name} | ${(med / 1000).toFixed(2)} | ${(Math.min(...r.times) / 1000).toFixed(2)} | ${(mib / (med / 1000)).toFixed(0)} | ${(rss / 1024).toFixed(1)} | ${(Math.max(...r.rss) / 1024).toFixed(1)} | ${(med / baseMedian).toFixed(2)}× | ${(rss / baseRss).toFixed(2)}× |`,
    );
  }
} finally {
  for (const t of Object.values(tags)) spawnSync('docker', ['rmi', '-f', t], { stdio: 'ignore', env: { ...process.env, DOCKER_CONFIG: dockerConfig } });
  for (const d of [dir, home, dockerConfig]) fs.rmSync(d, { recursive: true, force: true });
}
