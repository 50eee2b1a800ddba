// The Docker engine connection: which endpoint (--host, DOCKER_HOST, docker context, default socket) and one
// wrapper that turns connection failures into a single clear error naming the endpoint.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import querystring from 'node:querystring';
import type Docker from 'dockerode';
import { HTTPParser } from 'http-parser-js';
import { EngineUnreachableError, UsageError, fromEngineError } from './errors.js';

export interface EngineEndpoint {
  /** What the user would recognise: unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host. */
  url: string;
  /** Where the endpoint came from: flag, DOCKER_HOST, context NAME, config, default. */
  source: string;
  options: Docker.DockerOptions;
}

export interface EndpointInput {
  host?: string;
  configHost?: string;
  env?: NodeJS.ProcessEnv;
  dockerConfigDir?: string;
}

const DEFAULT_SOCKET = process.platform === 'win32' ? 'npipe:////./pipe/docker_engine' : 'unix:///var/run/docker.sock';

/** Picks the endpoint the way the docker CLI does: --host, DOCKER_HOST, DOCKER_CONTEXT / current context, default. */
export function resolveEndpoint(input: EndpointInput = {}): EngineEndpoint {
  const env = input.env ?? process.env;
  if (input.host) return parseHost(input.host, 'the --host flag', env);
  if (env.DOCKER_HOST) return parseHost(env.DOCKER_HOST, 'DOCKER_HOST', env);
  const dockerDir = input.dockerConfigDir ?? env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker');
  const context = env.DOCKER_CONTEXT ?? readCurrentContext(dockerDir);
  if (context && context !== 'default') {
    const fromContext = readContextEndpoint(dockerDir, context, env);
    if (fromContext) return fromContext;
    throw new UsageError(`docker context "${context}" was not found in ${path.join(dockerDir, 'contexts')}`);
  }
  if (input.configHost) return parseHost(input.configHost, 'berth config (host)', env);
  return parseHost(DEFAULT_SOCKET, 'the default socket', env);
}

export function parseHost(
  url: string,
  source: string,
  env: NodeJS.ProcessEnv = process.env,
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; verify: boolean },
): EngineEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`engine host "${url}" (from ${source}) is not a valid URL: use unix://, tcp:// or ssh://`);
  }
  switch (parsed.protocol) {
    case 'unix:':
      return { url, source, options: { socketPath: parsed.pathname } };
    case 'npipe:':
      return { url, source, options: { socketPath: url.slice('npipe:'.length).replace(/\//g, '\\') } };
    case 'tcp:':
    case 'http:':
    case 'https:': {
      const certs = tls ?? certsFromEnv(env);
      const useTls = parsed.protocol === 'https:' || Boolean(certs.cert) || certs.verify;
      const port = parsed.port ? Number(parsed.port) : useTls ? 2376 : 2375;
      const options: Docker.DockerOptions = {
        host: parsed.hostname,
        port,
        protocol: useTls ? 'https' : 'http',
      };
      if (useTls) Object.assign(options, { ca: certs.ca, cert: certs.cert, key: certs.key });
      return { url, source, options };
    }
    case 'ssh:':
      return {
        url,
        source,
        options: {
          protocol: 'ssh',
          host: parsed.hostname,
          port: parsed.port ? Number(parsed.port) : 22,
          username: decodeURIComponent(parsed.username) || os.userInfo().username,
          sshOptions: { agent: env.SSH_AUTH_SOCK },
        } as Docker.DockerOptions,
      };
    default:
      throw new UsageError(`engine host "${url}" (from ${source}) has an unsupported scheme "${parsed.protocol}"`);
  }
}

function certsFromEnv(env: NodeJS.ProcessEnv) {
  const verify = Boolean(env.DOCKER_TLS_VERIFY) && env.DOCKER_TLS_VERIFY !== '0';
  const dir = env.DOCKER_CERT_PATH;
  if (!dir) return { verify };
  if (!fs.existsSync(dir)) throw new UsageError(`DOCKER_CERT_PATH "${dir}" does not exist: it should hold ca.pem, cert.pem and key.pem`);
  const read = (name: string) => {
    const file = path.join(dir, name);
    return fs.existsSync(file) ? fs.readFileSync(file) : undefined;
  };
  return { verify, ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
}

function readCurrentContext(dockerDir: string): string | undefined {
  try {
    const config = JSON.parse(fs.readFileSync(path.join(dockerDir, 'config.json'), 'utf8')) as { currentContext?: string };
    return config.currentContext;
  } catch {
    return undefined;
  }
}

function readContextEndpoint(dockerDir: string, name: string, env: NodeJS.ProcessEnv): EngineEndpoint | undefined {
  const id = createHash('sha256').update(name).digest('hex');
  let meta: { Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } } };
  try {
    meta = JSON.parse(fs.readFileSync(path.join(dockerDir, 'contexts', 'meta', id, 'meta.json'), 'utf8'));
  } catch {
    return undefined;
  }
  const host = meta.Endpoints?.docker?.Host;
  if (!host) return undefined;
  const tlsDir = path.join(dockerDir, 'contexts', 'tls', id, 'docker');
  const read = (file: string) => (fs.existsSync(path.join(tlsDir, file)) ? fs.readFileSync(path.join(tlsDir, file)) : undefined);
  const cert = read('cert.pem');
  const tls = cert ? { ca: read('ca.pem'), cert, key: read('key.pem'), verify: !meta.Endpoints?.docker?.SkipTLSVerify } : undefined;
  return parseHost(host, `docker context "${name}"`, env, tls);
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ESSHCONNECT',
]);

/** Node's codes for a server certificate the client does not trust. */
const UNTRUSTED_CERT = /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID|CERT_UNTRUSTED)$/;
/** TLS alerts a server sends when it refuses the client's certificate. */
const REFUSED_CLIENT_CERT = /ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_REQUIRED|CERTIFICATE_UNKNOWN|ACCESS_DENIED|DECRYPT_ERROR)$/;

export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; level?: string; message?: string };
  if (!e) return false;
  if (e.code && CONNECTION_CODES.has(e.code)) return true;
  if (e.code && (UNTRUSTED_CERT.test(e.code) || REFUSED_CLIENT_CERT.test(e.code))) return true;
  if (e.level === 'client-socket' || e.level === 'client-authentication') return true; // ssh2
  return /socket hang up|connect ECONN/i.test(e.message ?? '');
}

function describeConnectionError(err: unknown, endpoint: EngineEndpoint): string {
  const e = err as { code?: string; message?: string };
  const tls = endpoint.options.protocol === 'https';
  if (e.code && UNTRUSTED_CERT.test(e.code)) return `TLS: the engine's certificate is not trusted (${e.code}): ca.pem must hold the CA that signed it`;
  // With TLS 1.3 a refused client certificate often shows only as the server closing the connection after the handshake.
  if (tls && ((e.code && REFUSED_CLIENT_CERT.test(e.code)) || e.code === 'ECONNRESET' || /socket hang up/i.test(e.message ?? ''))) {
    return `TLS: the engine refused berth's client certificate (it closed the connection${e.code && e.code !== 'ECONNRESET' ? `, ${e.code}` : ''}): check cert.pem and key.pem`;
  }
  switch (e.code) {
    case 'ENOENT':
      return 'no such socket (is dockerd running?)';
    case 'ECONNREFUSED':
      return 'connection refused (is dockerd running?)';
    case 'EACCES':
      return 'permission denied (add your user to the docker group, or use sudo)';
    case 'ETIMEDOUT':
      return 'timed out';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'the connection was lost (did dockerd stop or restart?)';
    default:
      if (/socket hang up|^aborted$/i.test(e.message ?? '')) return 'the connection was lost (did dockerd stop or restart?)';
      return (e.message ?? String(err)).split('\n')[0]!;
  }
}

/** An engine call's failure as berth reports it: connection failures name the endpoint; HTTP errors are typed. */
export function translateEngineError(endpoint: EngineEndpoint, err: unknown, what: string): unknown {
  if (isConnectionError(err)) {
    return new EngineUnreachableError(endpoint.url, describeConnectionError(err, endpoint), { cause: err });
  }
  if ((err as { name?: string })?.name === 'AbortError') return err;
  return fromEngineError(err, what);
}

/** A connected engine: the dockerode client plus the endpoint every error names. */
export class Engine {
  constructor(
    readonly endpoint: EngineEndpoint,
    readonly docker: Docker,
    private readonly connection?: EngineConnection,
  ) {}

  /** Runs one engine call, turning connection failures and HTTP errors into typed errors. */
  async call<T>(what: string, fn: (docker: Docker) => Promise<T>): Promise<T> {
    try {
      return await fn(this.docker);
    } catch (err) {
      throw this.translate(err, what);
    }
  }

  translate(err: unknown, what: string): unknown {
    return translateEngineError(this.endpoint, err, what);
  }

  async ping(): Promise<void> {
    await this.call('ping', (d) => d.ping());
  }

  private api?: Promise<string>;

  /** The Engine API version the engine speaks (`1.41`), asked once per connection. */
  apiVersion(): Promise<string> {
    this.api ??= this.call('read the engine version', (d) => d.version()).then((v) => v.ApiVersion);
    this.api.catch(() => (this.api = undefined));
    return this.api;
  }

  /** Whether the engine speaks at least Engine API `wanted` (`1.45`). */
  async speaks(wanted: string): Promise<boolean> {
    const [have, want] = [await this.apiVersion(), wanted].map((v) => v.split('.').map(Number));
    return have![0]! > want![0]! || (have![0] === want![0] && have![1]! >= want![1]!);
  }

  /**
   * Drops every open connection (requests still waiting fail), so that calls left waiting on a hung engine do not
   * hold the process once it is done. Endpoints with berth's own agent only (unix sockets, ssh).
   */
  close(): void {
    (this.docker.modem as { agent?: http.Agent }).agent?.destroy();
    for (const socket of this.connection?.sockets ?? []) socket.destroy();
  }
}

/** How berth reaches an engine: its endpoint and the options dockerode (or berth's own request) connects with. */
export interface EngineConnection {
  endpoint: EngineEndpoint;
  options: Docker.DockerOptions;
  /** The sockets of berth's own requests still open (getOverSocket), which Engine.close ends too. */
  sockets: Set<net.Socket>;
}

/**
 * dockerode is loaded only when a command actually talks to the engine. ssh endpoints go through the system ssh
 * (ssh-connection.ts) as plain HTTP over its tunnel: docker-modem's own ssh path builds a malformed URL (Node's
 * DEP0170 warning) and skips known_hosts.
 */
export async function connectEngine(endpoint: EngineEndpoint, env: NodeJS.ProcessEnv = process.env): Promise<Engine> {
  return engineOver(await engineConnection(endpoint, env));
}

/** The dockerode client over a connection (loads dockerode). */
export async function engineOver(connection: EngineConnection): Promise<Engine> {
  const { default: DockerCtor } = await import('dockerode');
  let options = connection.options;
  if (options.socketPath) {
    // The global agent's settings, with TLS's server name set (to none): otherwise every first request derives one
    // from the Host header through net.isIP, whose IPv6 pattern V8 compiles on first use (~15 ms of start-up).
    const global = (http.globalAgent as http.Agent & { options: http.AgentOptions }).options;
    options = { ...options, agent: new http.Agent({ ...global, servername: '' } as http.AgentOptions) } as Docker.DockerOptions;
  }
  return new Engine(connection.endpoint, new DockerCtor(options), connection);
}

/** The options an endpoint is reached with (an ssh endpoint through an agent of berth's own), without dockerode. */
export async function engineConnection(endpoint: EngineEndpoint, env: NodeJS.ProcessEnv = process.env): Promise<EngineConnection> {
  let options = endpoint.options;
  if (options.protocol === 'ssh') {
    // Lazy for start-up: only ssh:// engines load the ssh transport.
    const { sshAgent, sshTarget } = await import('./ssh-connection.js');
    options = { protocol: 'http', host: options.host, port: options.port, agent: sshAgent(sshTarget(endpoint.url), env) } as Docker.DockerOptions;
  }
  return { endpoint, options, sockets: new Set() };
}

/**
 * GET /containers/json (what dockerode's listContainers asks) straight over a local socket, without loading dockerode
 * or Node's HTTP client (dockerode ~5 ms, the HTTP client's first request ~8 ms of a listing's start-up): the same
 * answer, or the same error docker-modem makes of a status other than 200 (getOverSocket). Undefined for an
 * endpoint that is not a local socket, and when DEBUG is set (docker-modem's debug log would show the request).
 */
export function listContainersOverSocket(
  connection: EngineConnection,
  what: string,
  query: { all: boolean; filters: Record<string, string[]> },
  signal: AbortSignal | undefined,
  env: NodeJS.ProcessEnv,
): Promise<Docker.ContainerInfo[]> | undefined {
  // docker-modem's query string: object values as JSON, the rest as querystring writes them.
  const target = `/containers/json?${querystring.stringify({ all: query.all, filters: JSON.stringify(query.filters) })}`;
  const chunks: Buffer[] = [];
  const got = getOverSocket(connection, what, target, { 400: 'bad parameter', 500: 'server error' }, signal, env, (pieces) => {
    chunks.push(Buffer.concat(pieces)); // a copy: the pieces are views of the read buffer
  });
  return got?.then(() => {
    // As docker-modem: the body as JSON, or as it came when it is not JSON.
    const body = Buffer.concat(chunks);
    try {
      return (JSON.parse(body.toString()) || body) as Docker.ContainerInfo[];
    } catch {
      return body as unknown as Docker.ContainerInfo[];
    }
  });
}

/** The body bytes one socket read brought, handed over before the next read reuses their buffer; a promise pauses reading until it settles. */
export type BodyReader = (pieces: Buffer[]) => void | Promise<void>;

/**
 * A GET straight over a local socket: no dockerode, no Node HTTP client, no stream per read. The answer is read by
 * http-parser-js into one buffer that every socket read reuses, and a 200's body goes to `onBody` read by read
 * (docs/BENCHMARKS.md: a 512 MiB archive at docker cp's CPU, where Node's HTTP client took twice it). Any other
 * status fails with the error docker-modem makes of it (statusCode, json, `errors[status]` as its reason). A
 * connection that fails, or ends before the whole answer, fails as Node's client does (ECONNRESET). Undefined for
 * an endpoint that is not a local socket, and when DEBUG is set (docker-modem's debug log would show the request).
 */
export function getOverSocket(
  connection: EngineConnection,
  what: string,
  target: string,
  errors: Record<number, string>,
  signal: AbortSignal | undefined,
  env: NodeJS.ProcessEnv,
  onBody: BodyReader,
): Promise<void> | undefined {
  const { socketPath } = connection.options as { socketPath?: string };
  if (!socketPath || process.platform === 'win32' || env.DEBUG) return undefined;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    let settled = false;
    // The engine's failures as Engine.call makes them; the reader's own (a closed pipe) as they are.
    const finish = (err: unknown, fromReader = false) => {
      if (settled) return;
      settled = true;
      connection.sockets.delete(socket);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) reject(fromReader ? err : translateEngineError(connection.endpoint, err, what));
      else resolve();
    };
    const onAbort = () => finish(abortError(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });
    const lost = () => finish(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));

    const parser = new HTTPParser(HTTPParser.RESPONSE);
    let status = 0;
    let pieces: Buffer[] = [];
    const errorBody: Buffer[] = [];
    parser[HTTPParser.kOnHeadersComplete] = (info) => {
      status = info.statusCode;
    };
    parser[HTTPParser.kOnBody] = (chunk, offset, length) => {
      const piece = chunk.subarray(offset, offset + length);
      if (status === 200) pieces.push(piece);
      else errorBody.push(Buffer.from(piece));
    };
    parser[HTTPParser.kOnMessageComplete] = () => {
      if (status === 200) return void (complete = true);
      const body = Buffer.concat(errorBody);
      let json: unknown;
      try {
        json = JSON.parse(body.toString());
      } catch {
        json = null;
      }
      json ||= body;
      const cause = json as { message?: string; error?: string };
      const err = new Error(`(HTTP code ${status}) ${errors[status] || 'unexpected'} - ${cause.message || cause.error || cause} `) as Error & { reason?: string; statusCode?: number; json?: unknown };
      err.reason = errors[status];
      err.statusCode = status;
      err.json = json;
      finish(err);
    };
    let complete = false;
    // Each read is parsed, and its body handed over, before the next one overwrites the buffer. An answer the
    // parser cannot read, or one cut short, is a lost connection, never a wait for ever.
    const buffer = Buffer.allocUnsafe(256 * 1024);
    const socket = net.connect({
      path: socketPath,
      onread: {
        buffer,
        // Returns false to pause reading (net's onread), until the reader has written what it was given.
        callback: (n) => {
          if (settled) return false;
          // (Once the answer is complete, what the parser makes of the rest is not read: it counts a read that ends an
          // answer toward the next one's header size, and fails a big one.)
          if (parser.execute(buffer, 0, n) instanceof Error && !complete) return lost(), false;
          const read = pieces;
          pieces = [];
          let waiting: void | Promise<void> = undefined;
          try {
            if (read.length) waiting = onBody(read);
          } catch (err) {
            return finish(err, true), false;
          }
          if (waiting) {
            waiting.then(
              () => (complete ? finish(undefined) : socket.resume()),
              (err: unknown) => finish(err, true),
            );
            return false;
          }
          if (complete) finish(undefined);
          return true;
        },
      },
    });
    connection.sockets.add(socket);
    socket.on('end', () => {
      parser.finish(); // an answer that runs to the end of the connection completes here
      if (complete) finish(undefined);
      lost();
    });
    socket.on('close', lost);
    socket.on('error', (err) => finish(err));
    socket.write(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
  });
}

/** Node's error for an aborted request (name AbortError, the signal's reason as its cause). */
function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' });
}
