// berth serve: the API server's lifecycle — listen (loopback by default; a non-loopback address needs TLS or
// --insecure-http), then on shutdown close WebSocket sessions with a close frame, drain in-flight requests, exit.
import fs from 'node:fs';
import net from 'node:net';
import { buildApp } from './app.js';
import { publishState } from './state.js';
import { Runtime, UsageError } from './runtime.js';

export interface ServeOptions {
  rt: Runtime;
  room: string;
  /** host:port, [v6]:port or a port alone (default 127.0.0.1:8080). */
  listen?: string;
  tlsCert?: string;
  tlsKey?: string;
  insecureHttp?: boolean;
  allowHosts?: string[];
  allowOrigins?: string[];
  headersTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** How long shutdown waits for in-flight requests before cancelling them (default 10 s). */
  drainTimeoutMs?: number;
  bodyLimit?: number;
  log?: (line: string) => void;
  cwd?: string;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  /** Graceful: close frames to WebSocket sessions, in-flight requests drained (then cancelled past the drain timeout). */
  close(): Promise<void>;
}

export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:\]]*)):(\d+)$/.exec(text) ?? (/^\d+$/.test(text) ? [text, undefined, '127.0.0.1', text] : null);
  const port = m ? Number(m[3]) : NaN;
  const host = m ? (m[1] ?? m[2]) || '127.0.0.1' : '';
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`invalid --listen "${text}": use HOST:PORT, e.g. 127.0.0.1:8080`);
  return { host, port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (net.isIPv4(host) && host.startsWith('127.'));
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const { host, port } = parseListen(opts.listen ?? '127.0.0.1:8080');
  if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) throw new UsageError('give both --tls-cert and --tls-key');
  const tls = opts.tlsCert && opts.tlsKey ? { cert: readFile(opts.tlsCert, '--tls-cert'), key: readFile(opts.tlsKey, '--tls-key') } : undefined;
  if (!tls && !isLoopback(host) && !opts.insecureHttp) {
    throw new UsageError(`--listen ${host} is not a loopback address: passwords would cross the network in clear text; give --tls-cert and --tls-key, or --insecure-http`);
  }
  // Open what every request shares before the first one (Runtime.actingFor children share these).
  const rt = opts.rt;
  rt.db();
  await rt.settings();
  await rt.engine();
  const shutdown = new AbortController();
  const { app, sessions, stats } = await buildApp({
    rt,
    room: opts.room,
    tls,
    hosts: { names: opts.allowHosts ?? [], origins: opts.allowOrigins ?? [] },
    bodyLimit: opts.bodyLimit,
    headersTimeoutMs: opts.headersTimeoutMs,
    idleTimeoutMs: opts.idleTimeoutMs,
    cwd: opts.cwd,
    log: opts.log,
    shutdown: shutdown.signal,
  });
  await app.listen({ host, port });
  const address = app.server.address() as net.AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  const url = `${tls ? 'https' : 'http'}://${shown}:${address.port}`;
  // The dashboard's API view reads what this server publishes on its data directory.
  const unpublish = publishState(rt, stats, sessions, { url, room: opts.room });
  return {
    url,
    host: address.address,
    port: address.port,
    close: () =>
      (closing ??= (async () => {
        unpublish();
        await sessions.closeAll();
        const drained = app.close();
        const timer = setTimeout(() => {
          // Past the drain timeout: long work (downloads, execs, waits) is cancelled and the connections closed.
          shutdown.abort(new Error('server shutting down'));
          app.server.closeAllConnections();
        }, opts.drainTimeoutMs ?? 10_000);
        try {
          await drained;
        } finally {
          clearTimeout(timer);
          shutdown.abort(new Error('server shutting down'));
        }
      })()),
  };
}

function readFile(file: string, flag: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new UsageError(`cannot read ${flag} "${file}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The OpenAPI document as the routes describe it (the build writes it to docs/openapi.json). */
export async function openApiDocument(rt: Runtime = new Runtime({ env: {} })): Promise<unknown> {
  const { app } = await buildApp({ rt, room: 'default', shutdown: new AbortController().signal });
  const doc = app.swagger();
  await app.close();
  return doc;
}
