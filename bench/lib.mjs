// Shared benchmark helpers: run commands repeatedly, percentiles, peak RSS, and markdown tables with ratios.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** BERTH_BENCH_BIN runs another build's bin/berth instead (a copy of bin/ and dist/ from before a change). */
export const berthBin = process.env.BERTH_BENCH_BIN ?? path.join(repoRoot, 'bin', 'berth');
export const node = process.execPath;
/**
 * What Node is given to start bin/berth as a shell starts it: the options of its shebang
 * (`#!/usr/bin/env -S node OPTIONS --`), then the file. The benches run it so, with this Node.
 */
export function berthStartOf(bin) {
  const options = fs.readFileSync(bin, 'utf8').split('\n', 1)[0].replace(/^#!.*?\bnode\b/, '').trim().split(/\s+/).filter(Boolean);
  return [...options, bin];
}
export const berthStart = berthStartOf(berthBin);

// A bench piped into \`head\` loses its stdout halfway: the writes then fail quietly, so the run still reaches its
// clean-up instead of dying with its containers left running.
process.stdout.on('error', (err) => {
  if (err.code !== 'EPIPE') throw err;
});

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Runs a command once, returning wall ms, exit code and peak RSS (KiB, via /usr/bin/time when present). */
export function runOnce(cmd, args, opts = {}) {
  const useTime = spawnSync('sh', ['-c', 'command -v /usr/bin/time'], { encoding: 'utf8' }).status === 0;
  const start = process.hrtime.bigint();
  const r = useTime
    ? spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 30, ...opts })
    : spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const rssKiB = useTime ? Number((r.stderr ?? '').trim().split('\n').pop()) : NaN;
  return { ms, status: r.status, stdout: r.stdout, stderr: r.stderr, rssKiB };
}

/** Times each case `runs` times, interleaved so machine noise hits every case alike. */
export function compare(cases, runs = 15) {
  const results = cases.map((c) => ({ ...c, times: [], rss: [] }));
  for (const c of results) runOnce(c.cmd, c.args, c.opts); // warm caches once
  for (let i = 0; i < runs; i++) {
    for (const c of results) {
      const r = runOnce(c.cmd, c.args, c.opts);
      if (r.status !== 0) throw new Error(`${c.name} failed (${r.status}): ${r.stderr}`);
      c.times.push(r.ms);
      c.rss.push(r.rssKiB);
    }
  }
  return results.map((c) => ({
    name: c.name,
    median: percentile(c.times, 50),
    p95: percentile(c.times, 95),
    rssMiB: percentile(c.rss, 50) / 1024,
  }));
}

/** A markdown table; ratio is each row's median over the baseline row's median. */
export function table(rows, baselineName) {
  const base = rows.find((r) => r.name === baselineName) ?? rows[0];
  const lines = ['| command | median ms | p95 ms | peak RSS MiB | ratio to ' + base.name + ' |', '|---|---|---|---|---|'];
  for (const r of rows) {
    lines.push(`| ${r.name} | ${r.median.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.rssMiB.toFixed(1)} | ${(r.median / base.median).toFixed(2)}× |`);
  }
  return lines.join('\n');
}

export function ensureBuilt() {
  const r = spawnSync(node, ['scripts/build.mjs'], { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

export function spawnAsync(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'ignore', ...opts });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

/**
 * Removes a bench room whatever happened: its containers (docker rm -f), then the room with its storage. dockerd
 * can refuse the network for a moment after many removals ("has active endpoints"), so the delete is tried again
 * for a few seconds, and a room still left is said on stderr.
 */
export function removeBenchRoom(room, env) {
  const ids = spawnSync('docker', ['ps', '-aq', '--filter', `label=berth.room=${room}`], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
  if (ids.length) spawnSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
  for (let attempt = 0; attempt < 20; attempt++) {
    const r = spawnSync(node, [...berthStart, 'room', 'delete', room, '--force', '--purge-storage', '-q'], { env, encoding: 'utf8' });
    if (r.status === 0 || /not found/.test(r.stderr)) return;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
  }
  console.error(`bench: room ${room} is still there; remove it with: berth room delete ${room} --force`);
}

const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * user+sys ms of one run of cmd, from bash's `times` (its children's line), which has millisecond resolution:
 * /usr/bin/time's has 10 ms, as much as all of `docker ps`. An exit status not in `ok` throws (the figure would be wrong).
 */
export function cpuMs(cmd, args, env = process.env, ok = [0]) {
  const line = [cmd, ...args].map(quote).join(' ');
  const r = spawnSync('bash', ['-c', `${line} >/dev/null 2>&1 </dev/null; s=$?; times; exit $s`], { env, encoding: 'utf8' });
  if (!ok.includes(r.status)) throw new Error(`${line} failed (${r.status})`);
  const [user, sys] = r.stdout.trim().split('\n').pop().split(/\s+/).map((t) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    return Number(m[1]) * 60000 + Number(m[2]) * 1000;
  });
  return user + sys;
}
