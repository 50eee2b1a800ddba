// The Fastify application: plugins (OpenAPI, WebSocket), the hooks every request passes (web safety, Basic auth,
// one log line), the error shape, and each resource's routes.
import http from 'node:http';
import https from 'node:https';
import fastifySwagger from '@fastify/swagger';
import fastifyWebsocket from '@fastify/websocket';
import { Ajv } from 'ajv';
import Fastify, { type FastifyInstance } from 'fastify';
import { requireDeclaredGrant } from './access.js';
import { authenticate, envUser, FailureDelay } from './auth.js';
import { buildRoutes } from './build.js';
import { containerRoutes } from './containers.js';
import type { ServerContext } from './context.js';
import { errorHandler } from './errors.js';
import { execRoutes } from './exec.js';
import { filesRoutes } from './files.js';
import { healthRoutes } from './health.js';
import { hostCommandRoutes } from './host-commands.js';
import { imageRoutes } from './images.js';
import { jobRoutes } from './jobs.js';
import { lifecycleRoutes } from './lifecycle.js';
import { logRoutes } from './logs.js';
import { pluginRoutes } from './plugins.js';
import { recordRoutes } from './records.js';
import { ApiUserVerifier, type Runtime } from './runtime.js';
import { serviceRoutes } from './services.js';
import { SocketSessions } from './sockets.js';
import { storageRoutes } from './storage.js';
import { terminalRoutes } from './terminal.js';
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
}

export interface BuiltApp {
  app: FastifyInstance;
  sessions: SocketSessions;
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
  const ctx: ServerContext = { room: opts.room, shutdown: opts.shutdown };
  const startedAt = Date.now();

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'berth Container Management API', version: '1', description: 'berth serve: containers in one room over HTTP and WebSocket (docs/api.md).' },
      components: { securitySchemes: { basicAuth: { type: 'http', scheme: 'basic' } } },
      security: [{ basicAuth: [] }],
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
  app.addHook('onRequest', authenticate(opts.rt, verifier, new FailureDelay(opts.authDelayMs ?? 200)));
  app.addHook('onRequest', requireDeclaredGrant());
  if (opts.log) {
    const log = opts.log;
    // Method, path (no query string: it may hold a command), status, time, principal; never a body or a header.
    app.addHook('onResponse', async (req, reply) => {
      log(`${req.method} ${req.url.split('?')[0]} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)}ms ${req.principal ? `${req.principal.kind}:${req.principal.name}` : '-'}`);
    });
  }

  app.get('/openapi.json', { config: { grant: 'public' }, schema: { hide: true } }, async () => app.swagger());
  healthRoutes(app, startedAt);
  containerRoutes(app, ctx);
  lifecycleRoutes(app, ctx);
  filesRoutes(app, ctx);
  execRoutes(app, ctx, sessions);
  terminalRoutes(app, ctx, sessions);
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
  return { app, sessions };
}
