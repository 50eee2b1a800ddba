// Requests lost and latency during 10 back-to-back updates of a web service: `berth deploy` behind `berth proxy`
// (start, health, switch, drain) against the docker CLI way (`docker rm -f` then `docker run` on the same port),
// each with one client looping GETs, in one run. Also the proxy's steady-state cost against a direct request.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { berthStart, ensureBuilt, node, percentile } from './lib.mjs';

const UPDATES = Number(process.env.BENCH_UPDATES ?? 10);
const room = `bench-dp-${process.pid}`;
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-dp-'));
const image = `berth-bench-deploy:${process.pid}`;
const env = { ...process.env, BERTH_HOME: home, BERTH_AGENT: 'bench' };
const DOCKER_PORT = 15180;

function buildImage() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-img-'));
  fs.writeFileSync(
    path.join(dir, 'Dockerfile'),
    'FROM berth-fixture:latest\nCMD ["sh", "-c", "mkdir -p /www && echo $VERSION > /www/index.html && exec httpd -f -p 8080 -h /www"]\n',
  );
  execFileSync('docker', ['build', '-q', '-t', image, dir], { stdio: 'ignore' });
  fs.rmSync(dir, { recursive: true, force: true });
}

const run = promisify(execFile);

/** Asynchronous, so the request loop keeps running in this process while berth or docker works. */
function berth(args) {
  return run(node, [...berthStart, '--room', room, ...args], { env });
}

/** Sequential GETs with a keep-alive agent until stopped: latency of each answer, count of failures. */
function loop(port, host) {
  const agent = new http.Agent({ keepAlive: true });
  const times = [];
  let failed = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      const start = process.hrtime.bigint();
      const ok = await new Promise((resolve) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { host }, agent, timeout: 5000 }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode === 200));
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', () => resolve(false));
      });
      if (ok) times.push(Number(process.hrtime.bigint() - start) / 1e6);
      else {
        failed++;
        await new Promise((r) => setTimeout(r, 5)); // a refused port fails at once: do not spin
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      agent.destroy();
      return { ok: times.length, failed, p50: percentile(times, 50), p99: percentile(times, 99) };
    },
  };
}

async function startProxy() {
  const child = spawn(node, [...berthStart, 'proxy', '--bind', '127.0.0.1:0'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', () => reject(new Error('berth proxy exited')));
  });
  return { port, stop: () => child.kill('SIGTERM') };
}

function dockerRun(version) {
  return run('docker', ['run', '-d', '--name', `${room}-docker`, '--label', `berth.room=${room}`, '--log-opt', 'max-size=1m', '-e', `VERSION=${version}`, '-p', `127.0.0.1:${DOCKER_PORT}:8080`, image]);
}

async function waitAnswer(port, host) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((resolve) => {
      http.get({ host: '127.0.0.1', port, path: '/', headers: { host } }, (res) => { res.resume(); resolve(res.statusCode === 200); }).on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing answers on ${port}`);
}

function cleanup() {
  for (const kind of [['ps', '-aq', '--filter', `label=berth.room=${room}`]]) {
    const ids = execFileSync('docker', kind, { encoding: 'utf8' }).split('\n').filter(Boolean);
    if (ids.length) execFileSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
  }
  const nets = execFileSync('docker', ['network', 'ls', '-q', '--filter', `label=berth.room=${room}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
  if (nets.length) execFileSync('docker', ['network', 'rm', ...nets], { stdio: 'ignore' });
  execFileSync('docker', ['rmi', '-f', image], { stdio: 'ignore' });
  fs.rmSync(home, { recursive: true, force: true });
}

ensureBuilt();
buildImage();
let proxy;
try {
  const domain = 'bench.localhost';
  const deploy = (v) => berth(['deploy', '--tag', image, '--name', 'bench', '--port', '8080', '--domain', domain, '--env', `VERSION=${v}`, '--settle', '1s', '--drain', '1s']);
  await deploy('v0');
  proxy = await startProxy();
  await waitAnswer(proxy.port, domain);

  // Steady state: through the proxy vs straight at the container's published port.
  const published = JSON.parse(execFileSync(node, [...berthStart, '--room', room, 'service', 'list', '-o', 'json'], { env, encoding: 'utf8' })).items[0].ports[0].hostPort;
  const steady = {};
  for (const [name, port, host] of [['through berth proxy', proxy.port, domain], ['direct to the container', published, 'x']]) {
    const l = loop(port, host);
    await new Promise((r) => setTimeout(r, 5000));
    steady[name] = await l.stop();
  }

  // 10 back-to-back berth deploys under a request loop.
  const berthLoop = loop(proxy.port, domain);
  const t0 = Date.now();
  for (let i = 1; i <= UPDATES; i++) await deploy(`v${i}`);
  const berthMs = Date.now() - t0;
  const berthResult = await berthLoop.stop();

  // The docker CLI way: replace the container on the same host port.
  await dockerRun('d0');
  await waitAnswer(DOCKER_PORT, 'x');
  const dockerLoop = loop(DOCKER_PORT, 'x');
  const t1 = Date.now();
  for (let i = 1; i <= UPDATES; i++) {
    await run('docker', ['rm', '-f', `${room}-docker`]);
    await dockerRun(`d${i}`);
  }
  await waitAnswer(DOCKER_PORT, 'x');
  const dockerMs = Date.now() - t1;
  const dockerResult = await dockerLoop.stop();

  const row = (name, r, ms) => `| ${name} | ${r.ok} | ${r.failed} | ${(r.failed / Math.max(1, r.ok + r.failed) * 100).toFixed(2)}% | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${(ms / 1000).toFixed(1)} |`;
  console.log(`${UPDATES} back-to-back updates, one client looping GETs (keep-alive)\n`);
  console.log('| update | answered | lost | lost % | p50 ms | p99 ms | total s |');
  console.log('|---|---|---|---|---|---|---|');
  console.log(row('berth deploy behind berth proxy', berthResult, berthMs));
  console.log(row('docker rm -f + docker run (same port)', dockerResult, dockerMs));
  console.log(`\np99 ratio (berth / docker): ${(berthResult.p99 / dockerResult.p99).toFixed(2)}×; time ratio: ${(berthMs / dockerMs).toFixed(2)}×\n`);
  console.log('Steady state, 5 s each\n');
  console.log('| path | answered | p50 ms | p99 ms | p99 ratio to direct |');
  console.log('|---|---|---|---|---|');
  const direct = steady['direct to the container'];
  for (const [name, r] of Object.entries(steady)) console.log(`| ${name} | ${r.ok} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${(r.p99 / direct.p99).toFixed(2)}× |`);
} finally {
  proxy?.stop();
  cleanup();
}
