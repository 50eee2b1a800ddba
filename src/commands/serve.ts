// berth serve [--listen ADDR] [--tls-cert F --tls-key F]: the HTTP + WebSocket API server, in the foreground until
// Ctrl+C or SIGTERM; berth serve user add|list|remove: who may call it. Fastify loads only when the server starts.
import type { CommandModule } from 'yargs';
import { parseDuration } from '../runtime/core/index.js';
import type { Args, GlobalArgs } from './context.js';
import { serveUserCommand } from './serve/user.js';

interface ServeArgs {
  listen: string;
  tlsCert?: string;
  tlsKey?: string;
  insecureHttp: boolean;
  allowHost?: string | string[];
  allowOrigin?: string | string[];
  idleTimeout: string;
  headerTimeout: string;
  drainTimeout: string;
}

const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export const serveCommand: CommandModule<GlobalArgs, Args<ServeArgs>> = {
  command: 'serve',
  describe: 'The API server: containers of a room over HTTP and WebSocket, HTTP Basic auth, OpenAPI at /openapi.json (docs/api.md)',
  builder: (y) =>
    y
      .command(serveUserCommand)
      .option('listen', { alias: 'l', type: 'string', default: '127.0.0.1:8080', describe: 'HOST:PORT to listen on (a non-loopback address needs TLS or --insecure-http)' })
      .option('tls-cert', { type: 'string', describe: 'PEM certificate file (with --tls-key): serve HTTPS' })
      .option('tls-key', { type: 'string', describe: 'PEM private key file' })
      .option('insecure-http', { type: 'boolean', default: false, describe: 'Allow plain HTTP on a non-loopback address' })
      .option('allow-host', { type: 'string', describe: 'A name clients use in the Host header besides IP addresses and localhost (repeatable)' })
      .option('allow-origin', { type: 'string', describe: 'A browser origin allowed to call (repeatable; default: none)' })
      .option('idle-timeout', { type: 'string', default: '60s', describe: 'Close a connection silent this long' })
      .option('header-timeout', { type: 'string', default: '10s', describe: 'Close a connection that has not sent its request headers in this time' })
      .option('drain-timeout', { type: 'string', default: '10s', describe: 'On SIGTERM, how long in-flight requests may finish before they are cancelled' }) as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const idleTimeoutMs = parseDuration(argv.idleTimeout, '--idle-timeout');
    const headersTimeoutMs = parseDuration(argv.headerTimeout, '--header-timeout');
    const drainTimeoutMs = parseDuration(argv.drainTimeout, '--drain-timeout');
    const { startServer } = await import('../server/index.js');
    const room = await ctx.rt.room(argv.room);
    const server = await startServer({
      rt: ctx.rt,
      room,
      listen: argv.listen,
      tlsCert: argv.tlsCert,
      tlsKey: argv.tlsKey,
      insecureHttp: argv.insecureHttp,
      allowHosts: list(argv.allowHost),
      allowOrigins: list(argv.allowOrigin),
      idleTimeoutMs,
      headersTimeoutMs,
      drainTimeoutMs,
      log: (line) => ctx.io.stderr.write(`${line}\n`),
    });
    ctx.out.note(`berth serve: room ${room}, listening on ${server.url}`);
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) return resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    ctx.out.note('berth serve: shutting down');
    await server.close();
    ctx.signalEnd?.();
  },
};
