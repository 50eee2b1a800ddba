// Shared by the deploy tests: test images built FROM the fixture, the built berth binary run as a child (so it can
// be SIGKILLed and fed stdin), berth proxy on port 0, a request loop through it, and cleanup.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { FIXTURE_IMAGE, docker, repoRoot } from './helpers.js';

const BIN = path.join(repoRoot, 'bin', 'berth');

/**
 * The plain-engine tests pin the plain path: test/services/deploy-swarm.test.ts may turn the shared engine into a Swarm manager
 * while they run. The Swarm file overrides it with BERTH_DEPLOY_MODE=auto.
 */
export const ENGINE_MODE = { BERTH_DEPLOY_MODE: 'engine' } as const;

/** Builds an image FROM the fixture with the given Dockerfile lines; returns its tag. */
export async function buildTestImage(tag: string, lines: string[]): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-deploy-img-'));
  try {
    fs.writeFileSync(path.join(dir, 'Dockerfile'), [`FROM ${FIXTURE_IMAGE}`, 'LABEL berth.test.deploy=true', ...lines, ''].join('\n'));
    const stream = await docker.buildImage({ context: dir, src: ['Dockerfile'] }, { t: tag });
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
        const failed = out?.find((o) => o.error);
        if (err || failed) reject(err ?? new Error(failed!.error));
        else resolve();
      }),
    );
    return tag;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A web service: index.html says $VERSION, /health exists; busybox httpd on 8080. */
export const WEB_IMAGE_LINES = [
  'CMD ["sh", "-c", "mkdir -p /www && echo \\"${VERSION:-v0}\\" > /www/index.html && echo ok > /www/health && echo started ${VERSION:-v0} && exec httpd -f -p 8080 -h /www"]',
];

/** Prints its env var DB_PASSWORD (to test redaction) and exits 1. */
export const EXIT1_IMAGE_LINES = ['ENTRYPOINT ["sh", "-c", "echo boom ${DB_PASSWORD:-none}; echo failing for good >&2; exit 1"]'];

export function uniqueTag(what: string): string {
  return `berth-dt-${randomBytes(3).toString('hex')}:${what}`;
}

export async function removeImages(tags: string[]): Promise<void> {
  for (const t of tags) await docker.getImage(t).remove({ force: true }).catch(() => {});
}

export interface Spawned {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when stdout and stderr are closed: 'exit' can come before their last bytes are read. */
  closed: Promise<void>;
  /** Resolves when stderr (or stdout) has a line matching. */
  waitFor: (match: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number) => Promise<string>;
}

/** Runs the built bin/berth with BERTH_HOME=home; stdin gets `input` (then closes) when given. */
export function spawnBerth(home: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, BERTH_HOME: home, BERTH_AGENT: 'tester', ...ENGINE_MODE, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: { match: RegExp; stream: 'stdout' | 'stderr'; resolve: (l: string) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const text = w.stream === 'stdout' ? out : err;
      const line = text.split('\n').find((l) => w.match.test(l));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    check();
  });
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
    check();
  });
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  else child.stdin!.end();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exit,
    closed,
    waitFor: (match, stream = 'stderr', timeoutMs = 60_000) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${match} in ${stream}: ${stream === 'stdout' ? out : err}`)), timeoutMs);
        waiters.push({
          match,
          stream,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        void exit.then(() => setImmediate(() => {
          if (waiters.some((w) => w.match === match)) reject(new Error(`berth exited before ${match}: ${err}`));
        }));
        check();
      }),
  };
}

/** Runs bin/berth to completion. */
export async function runBerth(home: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}) {
  const s = spawnBerth(home, args, opts);
  const { code } = await s.exit;
  // All of stdout and stderr, not what was read by the exit (bounded: a process berth started may hold the pipes).
  await Promise.race([s.closed, new Promise((resolve) => setTimeout(resolve, 5000))]);
  return { code: code ?? -1, stdout: s.stdout(), stderr: s.stderr() };
}

/** berth proxy on a free loopback port. */
export async function startProxy(home: string): Promise<{ port: number; proc: Spawned; stop: () => Promise<void> }> {
  const proc = spawnBerth(home, ['proxy', '--bind', '127.0.0.1:0', '--verbose']);
  const line = await proc.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+/, 'stdout', 30_000);
  const port = Number(/:(\d+)$/.exec(line.trim())![1]);
  return {
    port,
    proc,
    stop: async () => {
      if (proc.child.exitCode === null) proc.child.kill('SIGTERM');
      await proc.exit;
    },
  };
}

export function get(port: number, host: string, urlPath = '/', agent?: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, headers: { host }, agent, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Sequential GETs through the proxy until stopped: counts answers by body and every failure (status or error). */
export function requestLoop(port: number, host: string) {
  const agent = new http.Agent({ keepAlive: true });
  const seen = new Map<string, number>();
  const failures: string[] = [];
  let ok = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      try {
        const r = await get(port, host, '/', agent);
        if (r.status === 200) {
          ok++;
          seen.set(r.body.trim(), (seen.get(r.body.trim()) ?? 0) + 1);
        } else failures.push(`${r.status} ${r.body.trim()}`);
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
  })();
  return {
    get ok() {
      return ok;
    },
    seen,
    failures,
    async stop() {
      running = false;
      await done;
      agent.destroy();
      return { ok, failures, seen };
    },
  };
}

/** Removes the service containers, networks and images the tests made, even when a test failed. */
export async function removeServiceRooms(rooms: string[]): Promise<void> {
  for (const room of rooms) {
    const containers = await docker.listContainers({ all: true, filters: { label: [`berth.room=${room}`] } });
    await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => {})));
    const networks = await docker.listNetworks({ filters: { label: [`berth.room=${room}`] } });
    await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove().catch(() => {})));
  }
}

export async function serviceContainers(room: string, service: string) {
  return docker.listContainers({ all: true, filters: { label: [`berth.room=${room}`, 'berth.kind=service', `berth.service=${service}`] } });
}

/** Runs a command in a container (docker exec, no TTY): exit code and stdout+stderr, for checking what a service sees. */
export async function execIn(id: string, cmd: string[]): Promise<{ code: number; output: string }> {
  const exec = await docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  const { PassThrough } = await import('node:stream');
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => chunks.push(c));
  docker.modem.demuxStream(stream, sink, sink);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  const { ExitCode } = await exec.inspect();
  return { code: ExitCode ?? -1, output: Buffer.concat(chunks).toString() };
}

/** The one running container of a service (the active revision after a deploy returned). */
export async function serviceContainerId(room: string, service: string): Promise<string> {
  const list = (await serviceContainers(room, service)).filter((c) => c.State === 'running');
  if (list.length !== 1) throw new Error(`expected one running container of ${room}/${service}, found ${list.length}`);
  return list[0]!.Id;
}

/**
 * A WebSocket echo on 8080 with busybox alone: nc runs a script per connection that reads the Upgrade request,
 * answers 101 with the RFC 6455 Sec-WebSocket-Accept (sha1sum | xxd -r -p | base64), then echoes every byte back.
 */
export const WS_ECHO_IMAGE_LINES = [
  `RUN printf '%s\\n' '#!/bin/sh' 'key=' 'while IFS= read -r line; do' '  line=$(printf %s "$line" | tr -d "\\r")' '  [ -z "$line" ] && break' '  case "$line" in [Ss]ec-[Ww]eb[Ss]ocket-[Kk]ey:*) key=$(printf %s "\${line#*:}" | tr -d " ");; esac' 'done' 'accept=$(printf %s258EAFA5-E914-47DA-95CA-C5AB0DC85B11 "$key" | sha1sum | cut -d" " -f1 | xxd -r -p | base64)' 'printf "HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: %s\\r\\n\\r\\n" "$accept"' 'exec cat' > /ws.sh && chmod 755 /ws.sh`,
  'CMD ["sh", "-c", "echo ws echo on 8080 && exec nc -ll -p 8080 -e /ws.sh"]',
];
