// Upload and download of 1 GB (a directory of 8 x 128 MiB random files plus 1000 small ones), berth vs docker cp,
// interleaved in one run: wall seconds, MB/s and peak RSS. Every byte is checked once, and the 1 GB files are
// deleted afterwards (on the host and in the container). BERTH_BENCH_BASELINE='NODE BIN' adds the three berth commands
// run by another node and install (e.g. Node 20 and the build before the move to Node 24) to the same run.
// BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/fprof") is passed to node for the three berth commands.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { berthStart, ensureBuilt, node, percentile } from './lib.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const BIG_FILES = Number(process.env.BENCH_BIG_FILES ?? 8);
const BIG_SIZE = 128 * 1024 * 1024;
const IMAGE = 'berth-fixture:latest';

ensureBuilt();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-files-'));
const home = path.join(work, 'home');
const env = { ...process.env, BERTH_HOME: home };
const room = `bench-files-${process.pid}`;
const name = 'xfer';
const cid = `${room}.${name}`;
const src = path.join(work, 'src');

function makeSource() {
  fs.mkdirSync(path.join(src, 'small'), { recursive: true });
  const chunk = Buffer.alloc(4 * 1024 * 1024);
  for (let i = 0; i < BIG_FILES; i++) {
    const fd = fs.openSync(path.join(src, `big-${i}.bin`), 'w');
    for (let off = 0; off < BIG_SIZE; off += chunk.length) {
      // Pseudo-random but cheap: a seeded pattern per chunk (not compressible by the transport, which never compresses anyway).
      chunk.writeUInt32LE(i * 1e6 + off, 0);
      for (let j = 4; j < chunk.length; j += 4096) chunk.writeUInt32LE((j * 2654435761 + off + i) >>> 0, j);
      fs.writeSync(fd, chunk);
    }
    fs.closeSync(fd);
  }
  for (let i = 0; i < 1000; i++) fs.writeFileSync(path.join(src, 'small', `f${i}.txt`), `small file ${i}\n`.repeat(20));
}

function treeHash(root) {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const n of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, n);
      const st = fs.lstatSync(p);
      hash.update(`${path.relative(root, p)}\0`);
      if (st.isDirectory()) walk(p);
      else hash.update(fs.readFileSync(p));
    }
  };
  walk(root);
  return hash.digest('hex');
}

function measure(label, cmd, args, opts = {}) {
  const start = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', cmd, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${label} failed (${r.status}): ${r.stderr}`);
  const [rssKiB, user, sys] = (r.stderr ?? '').trim().split('\n').pop().split(' ').map(Number);
  return { seconds, cpu: user + sys, rssKiB };
}

function sh(cmd) {
  execFileSync('docker', ['exec', cid, 'sh', '-c', cmd], { stdio: 'ignore' });
}

const totalBytes = () => {
  let n = 0;
  const walk = (d) => fs.readdirSync(d).forEach((x) => {
    const p = path.join(d, x);
    const st = fs.statSync(p);
    if (st.isDirectory()) walk(p);
    else n += st.size;
  });
  walk(src);
  return n;
};

try {
  makeSource();
  const bytes = totalBytes();
  const srcHash = treeHash(src);
  execFileSync(node, [...berthStart, 'room', 'create', room], { env, stdio: 'ignore' });
  execFileSync('docker', ['run', '-d', '--name', cid, '--network', `berth-${room}`, '--log-opt', 'max-size=1m', '--label', `berth.room=${room}`, '--label', 'berth.kind=container', '--label', `berth.name=${name}`, IMAGE, 'sleep', '3600'], { stdio: 'ignore' });
  sh('mkdir -p /bench');
  const cases = {
    'upload: berth container upload DIR': () => {
      sh('rm -rf /bench/up');
      return measure('berth upload', node, [...nodeArgs, ...berthStart, '--room', room, 'container', 'upload', name, src, '--dest', '/bench/up']);
    },
    'upload: docker cp DIR/. C:/bench/up': () => {
      sh('rm -rf /bench/up && mkdir -p /bench/up');
      return measure('docker cp in', 'docker', ['cp', `${src}/.`, `${cid}:/bench/up`]);
    },
    'download: berth container download --extract-to': () => {
      fs.rmSync(path.join(work, 'out-b'), { recursive: true, force: true });
      return measure('berth download -x', node, [...nodeArgs, ...berthStart, '--room', room, 'container', 'download', name, '/bench/up', '--extract-to', path.join(work, 'out-b')]);
    },
    'download: docker cp C:/bench/up DIR': () => {
      fs.rmSync(path.join(work, 'out-d'), { recursive: true, force: true });
      return measure('docker cp out', 'docker', ['cp', `${cid}:/bench/up`, path.join(work, 'out-d')]);
    },
    'download: berth container download --format tar > /dev/null': () =>
      measure('berth download tar', 'sh', ['-c', `"${node}" ${[...nodeArgs, ...berthStart].map((a) => `"${a}"`).join(' ')} --room ${room} container download ${name} /bench/up --format tar > /dev/null`]),
    'download: docker cp C:/bench/up - > /dev/null': () => measure('docker cp tar', 'sh', ['-c', `docker cp ${cid}:/bench/up - > /dev/null`]),
  };
  const baseline = process.env.BERTH_BENCH_BASELINE?.split(' ');
  if (baseline) {
    const [bNode, bBin] = baseline;
    Object.assign(cases, {
      'upload: berth container upload DIR (baseline)': () => {
        sh('rm -rf /bench/up');
        return measure('baseline upload', bNode, [bBin, '--room', room, 'container', 'upload', name, src, '--dest', '/bench/up']);
      },
      'download: berth container download --extract-to (baseline)': () => {
        fs.rmSync(path.join(work, 'out-bb'), { recursive: true, force: true });
        return measure('baseline download -x', bNode, [bBin, '--room', room, 'container', 'download', name, '/bench/up', '--extract-to', path.join(work, 'out-bb')]);
      },
      'download: berth container download --format tar > /dev/null (baseline)': () =>
        measure('baseline download tar', 'sh', ['-c', `"${bNode}" "${bBin}" --room ${room} container download ${name} /bench/up --format tar > /dev/null`]),
    });
  }
  // Correctness once (outside the timings): both download paths give back exactly what went up.
  cases['upload: berth container upload DIR']();
  cases['download: berth container download --extract-to']();
  if (treeHash(path.join(work, 'out-b')) !== srcHash) throw new Error('berth round trip differs from the source');
  const pairs = [
    ['upload: berth container upload DIR', 'upload: docker cp DIR/. C:/bench/up'],
    ['download: berth container download --extract-to', 'download: docker cp C:/bench/up DIR'],
    ['download: berth container download --format tar > /dev/null', 'download: docker cp C:/bench/up - > /dev/null'],
  ];
  if (baseline) pairs.push(...pairs.map(([b, d]) => [`${b} (baseline)`, d]));
  const results = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) {
    // Upload pairs first (each leaves /bench/up for the downloads). Within a pair, who goes first alternates, and
    // the disk is synced before each case: the gigabyte the case before wrote is not written back during this one.
    for (const pair of pairs) {
      for (const k of i % 2 ? [...pair].reverse() : pair) {
        spawnSync('sync');
        results[k].push(cases[k]());
      }
    }
  }
  const mb = bytes / 1e6;
  const row = (k) => {
    const rs = results[k];
    const s = percentile(rs.map((r) => r.seconds), 50);
    return { k, s, mbps: mb / s, cpu: percentile(rs.map((r) => r.cpu), 50), rss: Math.max(...rs.map((r) => r.rssKiB)) / 1024 };
  };
  console.log(`${(bytes / 1024 ** 3).toFixed(2)} GiB (${BIG_FILES} x 128 MiB + 1000 small files), ${runs} runs each, median; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  if (baseline) console.log(`baseline: ${baseline.join(' ')}\n`);
  console.log('| command | wall s | MB/s | CPU s | peak RSS MiB | time ratio to docker cp |');
  console.log('|---|---|---|---|---|---|');
  for (const [b, d] of pairs) {
    const rb = row(b);
    const rd = row(d);
    console.log(`| ${b} | ${rb.s.toFixed(2)} | ${rb.mbps.toFixed(0)} | ${rb.cpu.toFixed(2)} | ${rb.rss.toFixed(1)} | ${(rb.s / rd.s).toFixed(2)}× (CPU ${(rb.cpu / rd.cpu).toFixed(2)}×) |`);
    console.log(`| ${d} | ${rd.s.toFixed(2)} | ${rd.mbps.toFixed(0)} | ${rd.cpu.toFixed(2)} | ${rd.rss.toFixed(1)} | 1.00× |`);
  }
} finally {
  spawnSync('docker', ['rm', '-f', cid], { stdio: 'ignore' });
  spawnSync('docker', ['network', 'rm', `berth-${room}`], { stdio: 'ignore' });
  fs.rmSync(work, { recursive: true, force: true });
}
