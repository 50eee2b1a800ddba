// Benchmark: berth serve against the engine and the docker CLI, same machine, same run: listing 100 containers
// (p50/p99 at 1 and 50 concurrent clients vs the engine's GET /containers/json), exec `true` (vs docker exec), a
// WebSocket terminal keystroke round trip (vs the CLI's exec session in a pty), 200 idle terminals (server RSS and a
// new request's latency), a large upload and download (vs docker cp; server RSS sampled throughout), and listing
// with a bearer token against Basic, then with 1,000 tokens in the store.
// Usage: node bench/serve.mjs [--containers 100] [--terminals 200] [--mib 1024] [--keys 200] [--only list,exec,keys,idle,files,tokens]
// BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") is passed to the server's node. CPU times are
// user+sys from /proc (the server) and from wait4 (docker cp, through /usr/bin/time).
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pty from 'node-pty';
import WebSocket from 'ws';
import { berthStart, ensureBuilt, node, percentile } from './lib.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const count = arg('containers', 100);
const terminals = arg('terminals', 200);
const mib = arg('mib', 1024);
const keys = arg('keys', 200);
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt > 0 ? process.argv[onlyAt + 1].split(',') : undefined;
const want = (part) => !only || only.includes(part);
const image = process.env.BERTH_BENCH_IMAGE ?? 'berth-fixture:latest';
const room = `bench-${randomBytes(3).toString('hex')}`;
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
const env = { ...process.env, BERTH_HOME: home, BERTH_API_USER: 'bench', BERTH_API_PASSWORD: 'bench-password' };
const auth = `Basic ${Buffer.from('bench:bench-password').toString('base64')}`;
const now = () => Number(process.hrtime.bigint()) / 1e6;
const fmt = (v) => v.toFixed(1);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const engineAgent = new http.Agent({ keepAlive: true, maxSockets: 64, socketPath: '/var/run/docker.sock' });

/** One request; a kept-alive socket the server closed just as it was reused is retried once on a new one. */
function get(opts, body, retried = false) {
  return new Promise((resolve, reject) => {
    const req = http.request(opts, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => (res.statusCode < 300 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${opts.path}: ${res.statusCode} ${Buffer.concat(chunks)}`))));
    });
    req.on('error', (err) => (!retried && err.code === 'ECONNRESET' && req.reusedSocket ? get(opts, body, true).then(resolve, reject) : reject(err)));
    req.end(body);
  });
}

let port;
const api = (method, p, body, authorization = auth) =>
  get({ host: '127.0.0.1', port, method, path: p, agent, headers: { authorization, ...(body ? { 'content-type': 'application/json' } : {}) } }, body && JSON.stringify(body));

/** `berth token create -q` in a pty (creating a token is a person's act): the token's text. */
function createToken(args) {
  return new Promise((resolve, reject) => {
    const term = pty.spawn(node, [...berthStart, 'token', 'create', '-q', ...args], { env, cols: 200, rows: 10 });
    let out = '';
    term.onData((d) => (out += d));
    term.onExit(({ exitCode }) => {
      const m = /berth_tok_[A-Za-z0-9_-]{43}/.exec(out);
      return exitCode === 0 && m ? resolve(m[0]) : reject(new Error(`token create failed (${exitCode}): ${out}`));
    });
  });
}

/** `total` requests with `concurrency` in flight; each one's latency. */
async function load(fn, total, concurrency) {
  const times = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < total) {
        const t = now();
        await fn();
        times.push(now() - t);
      }
    }),
  );
  return times;
}

/** CPU seconds (user+sys) a process has used so far. */
function cpuSec(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A command's wall ms and CPU s (user+sys), through /usr/bin/time. */
function timed(cmd, args) {
  const t = now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', cmd, ...args], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = now() - t;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const [u, s] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { ms, cpu: u + s };
}

function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) / 1024;
}

ensureBuilt();
// The rate limit is for agents in a loop, not for a benchmark's thousands of requests a second.
fs.mkdirSync(path.join(home, 'config'), { recursive: true });
fs.writeFileSync(path.join(home, 'config', 'config.json'), JSON.stringify({ api: { tokenRate: 100_000, tokenBurst: 100_000, tokenConcurrency: 1000 } }));
const serverNodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
const server = spawn(node, [...serverNodeArgs, ...berthStart, 'serve', '--room', room, '--listen', '127.0.0.1:0', '--idle-timeout', '600s'], { env, stdio: ['ignore', process.env.BENCH_SERVER_LOG ? 'inherit' : 'ignore', 'pipe'] });
let serverLog = '';
server.stderr.on('data', (d) => (serverLog += d));
if (process.env.BENCH_SERVER_LOG) server.stderr.pipe(process.stderr);
const results = [];
const say = (line) => {
  results.push(line);
  console.log(line);
};
try {
  port = await new Promise((resolve, reject) => {
    server.stderr.on('data', () => {
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(serverLog);
      if (m) resolve(Number(m[1]));
    });
    server.on('exit', (c) => reject(new Error(`berth serve exited ${c}: ${serverLog}`)));
  });
  // API containers (each with its /app), created and started through the API, ten at a time.
  for (let i = 0; i < count; i += 10) {
    const configs = Array.from({ length: Math.min(10, count - i) }, (_, j) => ({ name: `c${i + j}`, image }));
    const r = JSON.parse(await api('POST', '/v1/containers/batch-create', { configs }));
    if (r.results.some((x) => x.error)) throw new Error(JSON.stringify(r.results.find((x) => x.error)));
    await Promise.all(configs.map((c) => api('POST', `/v1/containers/${c.name}/start`)));
  }
  console.log(`${count} containers in room ${room}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);

  // 1. Listing.
  if (want('list')) {
  const enginePath = `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ label: [`berth.room=${room}`] }))}`;
  const listApi = async () => {
    const page = JSON.parse(await api('GET', '/v1/containers?limit=1000'));
    if (page.containers.length !== count) throw new Error(`API listed ${page.containers.length}`);
  };
  const listEngine = async () => {
    const list = JSON.parse(await get({ path: enginePath, agent: engineAgent }));
    if (list.length !== count) throw new Error(`engine listed ${list.length}`);
  };
  await load(listApi, 10, 1);
  await load(listEngine, 10, 1);
  say('| list 100 containers | clients | p50 ms | p99 ms |');
  say('|---|---|---|---|');
  for (const c of [1, 50]) {
    const total = c === 1 ? 100 : 500;
    // Interleaved halves, so machine noise hits both alike.
    const a = [...(await load(listApi, total / 2, c)), ...[]];
    const e = await load(listEngine, total / 2, c);
    a.push(...(await load(listApi, total / 2, c)));
    e.push(...(await load(listEngine, total / 2, c)));
    say(`| berth serve GET /v1/containers | ${c} | ${fmt(percentile(a, 50))} | ${fmt(percentile(a, 99))} |`);
    say(`| engine GET /containers/json | ${c} | ${fmt(percentile(e, 50))} | ${fmt(percentile(e, 99))} |`);
  }

  }
  // 2. Exec `true`.
  if (want('exec')) {
  const execApi = async () => {
    const r = JSON.parse(await api('POST', '/v1/containers/c0/exec', { command: ['true'] }));
    if (r.exit_code !== 0) throw new Error('exec failed');
  };
  const execDocker = async () => run('docker', ['exec', `${room}.c0`, 'true']);
  const ea = [];
  const ed = [];
  for (let i = 0; i < 30; i++) {
    let t = now();
    await execApi();
    ea.push(now() - t);
    t = now();
    await execDocker();
    ed.push(now() - t);
  }
  say('');
  say(`| exec \`true\` (30 each, interleaved) | p50 ms | p95 ms |`);
  say('|---|---|---|');
  say(`| berth serve POST /v1/containers/c0/exec | ${fmt(percentile(ea, 50))} | ${fmt(percentile(ea, 95))} |`);
  say(`| docker exec | ${fmt(percentile(ed, 50))} | ${fmt(percentile(ed, 95))} |`);
  say(`ratio p50: ${(percentile(ea, 50) / percentile(ed, 50)).toFixed(2)}×`);

  }
  // 3. Keystroke round trip: the API's WebSocket terminal vs the CLI's exec session in a pty.
  if (want('keys')) {
  const wsKeys = await new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/containers/c1/terminal?cols=120&rows=40`, { headers: { authorization: auth } });
    let out = '';
    let waiter;
    ws.on('message', (d, bin) => {
      if (bin) out += d.toString();
      waiter?.();
    });
    ws.on('error', reject);
    const until = (test) => new Promise((r) => { const check = () => (test() ? r() : (waiter = check)); check(); });
    ws.on('open', async () => {
      await until(() => out.includes('#'));
      const samples = [];
      for (let i = 0; i < keys; i++) {
        const ch = String.fromCharCode(97 + (i % 26));
        const mark = out.length;
        const t = now();
        ws.send(Buffer.from(ch));
        await until(() => out.slice(mark).includes(ch));
        samples.push(now() - t);
        if (i % 50 === 49) ws.send(Buffer.from('\x15'));
      }
      ws.close();
      resolve(samples);
    });
  });
  const cliKeys = await new Promise((resolve) => {
    const term = pty.spawn(node, [...berthStart, 'container', 'exec', '--room', room, '--tty', 'c2', '--', 'sh'], { name: 'xterm-256color', cols: 120, rows: 40, env });
    let out = '';
    let waiter;
    term.onData((d) => {
      out += d;
      waiter?.();
    });
    const until = (test) => new Promise((r) => { const check = () => (test() ? r() : (waiter = check)); check(); });
    (async () => {
      await until(() => out.includes('#'));
      const samples = [];
      for (let i = 0; i < keys; i++) {
        const ch = String.fromCharCode(97 + (i % 26));
        const mark = out.length;
        const t = now();
        term.write(ch);
        await until(() => out.slice(mark).includes(ch));
        samples.push(now() - t);
        if (i % 50 === 49) term.write('\x15');
      }
      term.write('\x15exit\r');
      setTimeout(() => { try { term.kill(); } catch {} }, 2000);
      resolve(samples);
    })();
  });
  say('');
  say(`| keystroke round trip (${keys} keys) | p50 ms | p95 ms |`);
  say('|---|---|---|');
  say(`| berth serve WebSocket terminal | ${fmt(percentile(wsKeys, 50))} | ${fmt(percentile(wsKeys, 95))} |`);
  say(`| berth container exec --tty (pty) | ${fmt(percentile(cliKeys, 50))} | ${fmt(percentile(cliKeys, 95))} |`);

  }
  // 4. Idle terminals.
  if (want('idle')) {
  const rssBefore = rssMiB(server.pid);
  const open = [];
  for (let i = 0; i < terminals; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/containers/c${10 + (i % Math.max(1, count - 10))}/terminal`, { headers: { authorization: auth } });
    await new Promise((resolve, reject) => {
      ws.once('message', resolve);
      ws.once('error', reject);
    });
    open.push(ws);
  }
  const rssIdle = rssMiB(server.pid);
  // Interleaved with the engine calls the status route makes: the room's listing (to resolve the name), then the
  // container's inspect.
  const during = [];
  const engineDuring = [];
  for (let i = 0; i < 200; i++) {
    during.push(...(await load(() => api('GET', '/v1/containers/c3/status'), 1, 1)));
    engineDuring.push(...(await load(async () => {
      await get({ path: `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ label: [`berth.room=${room}`] }))}`, agent: engineAgent });
      await get({ path: `/containers/${room}.c3/json`, agent: engineAgent });
    }, 1, 1)));
  }
  say('');
  say(`| ${terminals} idle WebSocket terminals | value |`);
  say('|---|---|');
  say(`| server RSS before / with them open | ${fmt(rssBefore)} / ${fmt(rssIdle)} MiB |`);
  say(`| GET status while open: p50 / p99 | ${fmt(percentile(during, 50))} / ${fmt(percentile(during, 99))} ms |`);
  say(`| engine: list the room, then GET /containers/{id}/json, same time: p50 / p99 | ${fmt(percentile(engineDuring, 50))} / ${fmt(percentile(engineDuring, 99))} ms |`);
  for (const ws of open) ws.close();

  }
  // 5. Large upload and download vs docker cp, interleaved (BENCH_FILES_RUNS rounds, default 1): wall time, CPU
  // (the server's own for berth, the docker CLI's for docker cp) and the server's peak RSS.
  if (want('files')) {
  const rounds = Number(process.env.BENCH_FILES_RUNS ?? 1);
  const dir = path.join(home, 'big');
  fs.mkdirSync(dir);
  run('dd', ['if=/dev/urandom', `of=${path.join(dir, 'big.bin')}`, 'bs=1M', `count=${mib}`], { stdio: 'ignore' });
  const zip = path.join(home, 'big.zip');
  run('python3', ['-c', `import zipfile; z = zipfile.ZipFile(${JSON.stringify(zip)}, 'w', zipfile.ZIP_STORED, allowZip64=True); z.write(${JSON.stringify(path.join(dir, 'big.bin'))}, 'big.bin'); z.close()`]);
  const tarFile = path.join(home, 'big.tar');
  run('tar', ['-cf', tarFile, '-C', dir, 'big.bin']);
  const sample = async (fn) => {
    const peaks = [];
    const cpu0 = cpuSec(server.pid);
    const t0 = now();
    const timer = setInterval(() => peaks.push(rssMiB(server.pid)), 100);
    await fn().finally(() => clearInterval(timer));
    return { ms: now() - t0, cpu: cpuSec(server.pid) - cpu0, rss: Math.max(...peaks, rssMiB(server.pid)) };
  };
  const put = (file, type) =>
    sample(() =>
      new Promise((resolve, reject) => {
        // A fresh connection: an idle keep-alive one may have been closed by the server meanwhile.
        const req = http.request({ host: '127.0.0.1', port, method: 'PUT', path: '/v1/containers/c4/files', agent: false, headers: { authorization: auth, 'content-type': type, 'content-length': fs.statSync(file).size } }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`upload ${type} ${res.statusCode} ${body}`))));
        });
        req.on('error', reject);
        fs.createReadStream(file, { highWaterMark: 1024 * 1024 }).pipe(req);
      }),
    );
  const download = () =>
    sample(() =>
      new Promise((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: '/v1/containers/c4/files?path=big.bin', agent: false, headers: { authorization: auth } }, (res) => {
          const out = fs.createWriteStream(path.join(home, 'down.bin'));
          res.pipe(out);
          out.on('finish', () => (res.statusCode === 200 ? resolve() : reject(new Error(`download ${res.statusCode}`))));
        }).on('error', reject);
      }),
    );
  // The floor for any server in the middle: a bare Node relay (no auth, no checks, no tar parsing) that pipes a PUT
  // body to the engine's archive API and the engine's archive of one file back as the response. Its CPU is its own.
  const relayScript = `const http = require('node:http');
    const server = http.createServer((req, res) => {
      const q = req.method === 'PUT' ? '/containers/' + process.argv[1] + '/archive?path=/app' : '/containers/' + process.argv[1] + '/archive?path=/app/big.bin';
      const up = http.request({ socketPath: '/var/run/docker.sock', method: req.method, path: q, headers: req.method === 'PUT' ? { 'content-type': 'application/x-tar', 'transfer-encoding': 'chunked' } : {} }, (r) => {
        res.writeHead(r.statusCode);
        r.pipe(res);
      });
      if (req.method === 'PUT') req.pipe(up); else up.end();
    });
    server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;
  const relay = spawn(process.execPath, ['-e', relayScript, run('docker', ['inspect', '-f', '{{.Id}}', `${room}.c3`]).trim()], { stdio: ['ignore', 'pipe', 'inherit'] });
  process.on('exit', () => relay.kill());
  const relayPort = Number(await new Promise((resolve) => relay.stdout.once('data', resolve)));
  const viaRelay = (fn) => async () => {
    const cpu0 = cpuSec(relay.pid);
    const t0 = now();
    await fn();
    return { ms: now() - t0, cpu: cpuSec(relay.pid) - cpu0 };
  };
  const relayPut = viaRelay(() => new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: relayPort, method: 'PUT', path: '/', agent: false, headers: { 'content-length': fs.statSync(tarFile).size } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`relay upload ${res.statusCode}`))));
    });
    req.on('error', reject);
    fs.createReadStream(tarFile, { highWaterMark: 1024 * 1024 }).pipe(req);
  }));
  const relayGet = viaRelay(() => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: relayPort, path: '/', agent: false }, (res) => {
      const out = fs.createWriteStream(path.join(home, 'down-relay.tar'));
      res.pipe(out);
      out.on('finish', () => (res.statusCode === 200 ? resolve() : reject(new Error(`relay download ${res.statusCode}`))));
    }).on('error', reject);
  }));
  const cases = {
    'upload, zip body': () => put(zip, 'application/zip'),
    'upload, tar body': () => put(tarFile, 'application/x-tar'),
    'docker cp FILE C:/app/': async () => timed('docker', ['cp', path.join(dir, 'big.bin'), `${room}.c5:/app/big.bin`]),
    'bare Node relay, upload': relayPut,
    'download one file': download,
    'bare Node relay, download': relayGet,
    'docker cp C:/app/FILE FILE': async () => {
      fs.rmSync(path.join(home, 'down-cp.bin'), { force: true });
      return timed('docker', ['cp', `${room}.c5:/app/big.bin`, path.join(home, 'down-cp.bin')]);
    },
  };
  const got = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < rounds; i++) {
    for (const [name, fn] of Object.entries(cases)) {
      if (process.env.BENCH_FILES_CASES && !process.env.BENCH_FILES_CASES.split(',').some((c) => name.includes(c))) continue;
      try {
        got[name].push(await fn());
      } catch (err) {
        if (!/415/.test(String(err))) throw err;
      }
    }
  }
  const med = (name, key) => percentile(got[name].map((r) => r[key]), 50);
  say('');
  say(`| ${mib} MiB, ${rounds} round(s) | wall s | CPU s (server, or docker CLI) | server peak RSS MiB | time / docker cp | CPU / docker cp |`);
  say('|---|---|---|---|---|---|');
  relay.kill();
  for (const [name, base] of [['upload, zip body', 'docker cp FILE C:/app/'], ['upload, tar body', 'docker cp FILE C:/app/'], ['bare Node relay, upload', 'docker cp FILE C:/app/'], ['docker cp FILE C:/app/', 'docker cp FILE C:/app/'], ['download one file', 'docker cp C:/app/FILE FILE'], ['bare Node relay, download', 'docker cp C:/app/FILE FILE'], ['docker cp C:/app/FILE FILE', 'docker cp C:/app/FILE FILE']]) {
    if (!got[name].length) continue;
    if (!got[base].length) got[base] = [{ ms: NaN, cpu: NaN }];
    const rss = got[name][0].rss !== undefined ? fmt(Math.max(...got[name].map((r) => r.rss))) : '';
    say(`| ${name} | ${(med(name, 'ms') / 1000).toFixed(2)} | ${med(name, 'cpu').toFixed(2)} | ${rss} | ${(med(name, 'ms') / med(base, 'ms')).toFixed(2)}× | ${(med(name, 'cpu') / med(base, 'cpu')).toFixed(2)}× |`);
  }
  }
  // 6. Listing with a bearer token (one cached SHA-256 lookup and one generation read per request) against Basic,
  // then with 1,000 tokens in the store.
  if (want('tokens')) {
    const token = `Bearer ${await createToken(['--agent', 'bench', '--room', room, '--grant', 'containers'])}`;
    const listAs = (authorization) => async () => {
      const page = JSON.parse(await api('GET', '/v1/containers?limit=1000', undefined, authorization));
      if (page.containers.length !== count) throw new Error(`API listed ${page.containers.length}`);
    };
    const rounds = async (cases, total) => {
      const times = cases.map(() => []);
      for (let r = 0; r < 10; r++) for (const [i, fn] of cases.entries()) times[i].push(...(await load(fn, total / 10, 1)));
      return times;
    };
    await load(listAs(token), 10, 1);
    const [basic, bearer] = await rounds([listAs(auth), listAs(token)], 200);
    // 999 more tokens, written as `token create` writes them (only their hashes).
    const require = createRequire(import.meta.url);
    const Sqlite = require('better-sqlite3');
    const db = new Sqlite(path.join(home, 'data', 'berth.db'));
    const insert = db.prepare('INSERT INTO api_tokens (id, name, agent, rooms, grants, token_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < 999; i++) {
        const id = randomBytes(6).toString('hex');
        const secret = `berth_tok_${randomBytes(32).toString('base64url')}`;
        insert.run(id, `bench-${i}`, `agent-${i % 50}`, JSON.stringify([room]), '["containers:read"]', createHash('sha256').update(secret).digest('hex'), new Date().toISOString(), 'bench');
      }
    })();
    const stored = db.prepare('SELECT count(*) AS n FROM api_tokens').get().n;
    db.close();
    const [basic2, many] = await rounds([listAs(auth), listAs(token)], 200);
    say('');
    say(`| list ${count} containers, 1 client | p50 ms | p99 ms |`);
    say('|---|---|---|');
    say(`| HTTP Basic (admin) | ${fmt(percentile(basic, 50))} | ${fmt(percentile(basic, 99))} |`);
    say(`| Bearer token, 1 token stored | ${fmt(percentile(bearer, 50))} | ${fmt(percentile(bearer, 99))} |`);
    say(`| HTTP Basic, again | ${fmt(percentile(basic2, 50))} | ${fmt(percentile(basic2, 99))} |`);
    say(`| Bearer token, ${stored} tokens stored | ${fmt(percentile(many, 50))} | ${fmt(percentile(many, 99))} |`);
  }
  say(`load average after: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.on('exit', r));
  const ids = run('docker', ['ps', '-aq', '--filter', `label=berth.room=${room}`]).split('\n').filter(Boolean);
  if (ids.length) spawnSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
  const vols = run('docker', ['volume', 'ls', '-q', '--filter', `name=berth-files-${room}.`]).split('\n').filter(Boolean);
  if (vols.length) spawnSync('docker', ['volume', 'rm', ...vols], { stdio: 'ignore' });
  spawnSync('docker', ['network', 'rm', `berth-${room}`], { stdio: 'ignore' });
  fs.rmSync(home, { recursive: true, force: true });
}
