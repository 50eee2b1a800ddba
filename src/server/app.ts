// The Fastify application: plugins (OpenAPI, WebSocket), the hooks every request passes (web safety, Basic or bearer
// auth, the route's grant, one log line), the error shape, each resource's routes, and the watch that closes a
// revoked or expired token's WebSocket sessions.
import http from 'node:http';
import https from 'node:https';
import fastifySwagger from '@fastify/swagger';
import fastifyWebsocket from '@fastify/websocket';
import { Ajv } from 'ajv';
import Fastify, { type FastifyInstance } from 'fastify';
import { requireDeclaredGrant, requireOwnAgent, requireOwnContainers, type RouteGrant } from './access.js';
import { authenticate, envUser, FailureDelay, principalOfRaw, TokenThrottle, type TokenLimits } from './auth.js';
import { buildRoutes } from './build.js';
import { containerRoutes } from './containers.js';
import type { ServerContext } from './context.js';
import { errorHandler } from './errors.js';
import { execRoutes } from './exec.js';
import { ARCHIVE_TYPES, filesRoutes } from './files.js';
import { healthRoutes } from './health.js';
import { hostCommandRoutes } from './host-commands.js';
import { imageRoutes } from './images.js';
import { jobRoutes } from './jobs.js';
import { lifecycleRoutes } from './lifecycle.js';
import { logRoutes } from './logs.js';
import { pluginRoutes } from './plugins.js';
import { recordRoutes } from './records.js';
import { ApiUserVerifier, TokenVerifier, type Runtime } from './runtime.js';
import { serviceRoutes } from './services.js';
import { SocketSessions } from './sockets.js';
import { ServerStats } from './state.js';
import { storageRoutes } from './storage.js';
import { terminalRoutes } from './terminal.js';
import { tokenRoutes } from './tokens.js';
import { webSafety, type HostRules } from './web-safety.js';

export interface AppOptions {
  rt: Runtime;
  room: string;
  tls?: { cert: Buffer; key: Buffer };
  hosts?: Partial<HostRules>;
  /** JSON bodies past this are refused (default 1 MiB). */
  bodyLimit?: number;
  /** A connection must send its headers within this (default 10 s). */
  headersTimeoutMs?: number;
  /** A connection silent this long is closed (default 60 s; long requests and terminals are exempt). */
  idleTimeoutMs?: number;
  /** Where the .env with BERTH_API_USER / BERTH_API_PASSWORD may be (default: the working directory). */
  cwd?: string;
  /** One line per request. */
  log?: (line: string) => void;
  shutdown: AbortSignal;
  /** Failed-auth delay base (tests lower it). */
  authDelayMs?: number;
  /** Per-token rate and concurrency (default: the `api` settings). */
  tokenLimits?: TokenLimits;
  /** How often open token sessions are checked against revocation and expiry (default 250 ms). */
  tokenWatchMs?: number;
}

/** One registered route: what the authorisation matrix is generated from. */
export interface RouteEntry {
  method: string;
  url: string;
  grant: RouteGrant | undefined;
  websocket: boolean;
}

export interface BuiltApp {
  app: FastifyInstance;
  sessions: SocketSessions;
  /** Every route as registered (HEAD routes Fastify adds for GET are left out). */
  routes: RouteEntry[];
  /** Requests per token and recent errors, for the published state. */
  stats: ServerStats;
}

export async function buildApp(opts: AppOptions): Promise<BuiltApp> {
  const headersTimeout = opts.headersTimeoutMs ?? 10_000;
  const serverOptions: http.ServerOptions = {
    headersTimeout,
    // Uploads and downloads of any size: their progress is bounded by the idle timeout instead.
    requestTimeout: 0,
    keepAliveTimeout: 5_000,
    connectionsCheckingInterval: Math.min(1_000, headersTimeout),
  };
  const app = Fastify({
    logger: false,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    connectionTimeout: opts.idleTimeoutMs ?? 60_000,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    serverFactory: (handler) =>
      opts.tls ? https.createServer({ ...serverOptions, cert: opts.tls.cert, key: opts.tls.key }, handler) : http.createServer(serverOptions, handler),
  });
  const sessions = new SocketSessions();
  const routes: RouteEntry[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) {
      if (method === 'HEAD' && (r as { exposeHeadRoute?: boolean }).exposeHeadRoute === undefined && routes.some((x) => x.url === r.url && x.method === 'GET')) continue;
      routes.push({ method, url: r.url, grant: r.config?.grant, websocket: Boolean((r as { websocket?: boolean }).websocket) });
    }
  });
  const ctx: ServerContext = { room: opts.room, shutdown: opts.shutdown };
  const startedAt = Date.now();

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'berth Container Management API', version: '1', description: 'berth serve: containers in one room over HTTP and WebSocket (docs/api.md). Admin users authenticate with HTTP Basic, agents with bearer tokens.' },
      components: { securitySchemes: { basicAuth: { type: 'http', scheme: 'basic' }, bearerAuth: { type: 'http', scheme: 'bearer', description: 'A token from berth token create' } } },
      security: [{ basicAuth: [] }, { bearerAuth: [] }],
    },
  });
  await app.register(fastifyWebsocket, { options: { maxPayload: 1024 * 1024 } });

  // Bodies are JSON and must have the declared types ("5" is not a number); query strings and paths are text, so
  // their numbers, booleans and lists are read from it. Unknown fields are refused, never silently dropped.
  const ajvOptions = { removeAdditional: false, useDefaults: true, allowUnionTypes: true, strict: false } as const;
  const strict = new Ajv({ ...ajvOptions, coerceTypes: false });
  const coercing = new Ajv({ ...ajvOptions, coerceTypes: 'array' });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema));
  app.setErrorHandler(errorHandler(opts.rt));
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
  });
  const verifier = new ApiUserVerifier(opts.rt, envUser(opts.rt.env, opts.cwd ?? process.cwd()));
  app.addHook('onRequest', webSafety({ names: opts.hosts?.names ?? [], origins: opts.hosts?.origins ?? [] }));
  const tokens = new TokenVerifier(opts.rt);
  const stats = new ServerStats();
  const stored = { ...defaultApiLimits, ...((await opts.rt.setting('api')) as Partial<BerthSettingsApi> | undefined) };
  const throttle = new TokenThrottle(opts.tokenLimits ?? { rate: stored.tokenRate, burst: stored.tokenBurst, concurrency: stored.tokenConcurrency });
  app.addHook('onRequest', authenticate({ rt: opts.rt, users: verifier, tokens, delays: new FailureDelay(opts.authDelayMs ?? 200), throttle, onTokenRequest: (p) => stats.requested(p) }));
  app.addHook('onRequest', requireDeclaredGrant());
  // Before the schema: a token naming another agent is refused as such, whatever else is wrong with the request.
  app.addHook('preValidation', requireOwnAgent());
  // A token's commands and file transfers stay in its own agent's containers (another's has that agent's workspace).
  app.addHook('preHandler', requireOwnContainers(ctx));
  // Every WebSocket connection is told who opened it, so a revoked token's sessions can be found and closed.
  app.websocketServer.on('connection', (socket: import('ws').WebSocket, raw: http.IncomingMessage) => {
    const owner = principalOfRaw(raw);
    if (owner) sessions.own(socket, { ...owner, url: (raw.url ?? '').split('?')[0]! });
  });
  const watch = watchTokens(sessions, tokens, opts.tokenWatchMs ?? 250);
  app.addHook('onClose', async () => clearInterval(watch));
  app.addHook('onResponse', async (req, reply) => stats.answered(req.principal, req.method, req.url.split('?')[0]!, reply.statusCode));
  if (opts.log) {
    const log = opts.log;
    // Method, path (no query string: it may hold a command), status, time, principal; never a body or a header.
    app.addHook('onResponse', async (req, reply) => {
      log(`${req.method} ${req.url.split('?')[0]} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)}ms ${req.principal ? `${req.principal.kind}:${req.principal.name}` : '-'}`);
    });
  }

  // Archive bodies (uploads, build contexts) reach their routes as the request stream, never buffered here.
  app.addContentTypeParser(ARCHIVE_TYPES, (_req, payload, done) => done(null, payload));
  app.get('/openapi.json', { config: { grant: 'public' }, schema: { hide: true } }, async () => app.swagger());
  healthRoutes(app, startedAt);
  containerRoutes(app, ctx);
  lifecycleRoutes(app, ctx);
  filesRoutes(app, ctx);
  execRoutes(app, ctx, sessions);
  terminalRoutes(app, ctx, sessions);
  tokenRoutes(app);
  pluginRoutes(app, ctx);
  recordRoutes(app, ctx);
  imageRoutes(app, ctx);
  jobRoutes(app, ctx);
  logRoutes(app, ctx, sessions);
  storageRoutes(app, ctx);
  serviceRoutes(app, ctx, sessions);
  buildRoutes(app, ctx);
  hostCommandRoutes(app, ctx);
  await app.ready();
  return { app, sessions, routes, stats };
}

type BerthSettingsApi = { tokenRate: number; tokenBurst: number; tokenConcurrency: number };
const defaultApiLimits: BerthSettingsApi = { tokenRate: 100, tokenBurst: 500, tokenConcurrency: 64 };

/**
 * Every `ms`: when a token was revoked (the generation rose) or an open session's token has expired, that token's
 * sessions are closed. A revocation costs one small read per tick while sessions are open.
 */
function watchTokens(sessions: SocketSessions, tokens: TokenVerifier, ms: number): NodeJS.Timeout {
  let seen = -1;
  let busy = false;
  const timer = setInterval(() => {
    const open = sessions.tokens();
    if (busy || !open.size) return;
    busy = true;
    try {
      const now = Date.now();
      const generation = tokens.refresh();
      const changed = generation !== seen;
      seen = generation;
      for (const [id, expiresAt] of open) {
        const expired = expiresAt !== null && Date.parse(expiresAt) <= now;
        if (expired) void sessions.closeToken(id, 'token expired');
        else if (changed && !tokens.stillValid(id, now)) void sessions.closeToken(id, 'token revoked');
      }
    } catch {
      // a busy database is checked again at the next tick
    } finally {
      busy = false;
    }
  }, ms);
  timer.unref();
  return timer;
}
