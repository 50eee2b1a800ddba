// berth proxy [--bind HOST:PORT]: route requests by Host header to services deployed with --domain, until Ctrl+C.
import type { CommandModule } from 'yargs';
import { ServiceProxy, parseBind } from '../runtime/services/index.js';
import type { Args, GlobalArgs } from './context.js';

export const proxyCommand: CommandModule<GlobalArgs, Args<{ bind?: string; verbose: boolean }>> = {
  command: 'proxy',
  describe: 'Local reverse proxy: routes by Host header to services with --domain (WebSockets too); loopback by default',
  builder: (y) =>
    y
      .option('bind', { alias: 'b', type: 'string', describe: 'HOST:PORT to listen on (default: config proxy.bind, 127.0.0.1:8480)' })
      .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: 'Also print retried requests' }) as never,
  handler: async ({ ctx, bind, verbose }) => {
    const address = parseBind(bind ?? (await ctx.rt.setting('proxy')).bind);
    const proxy = new ServiceProxy(ctx.rt, (e) => {
      if (e.kind !== 'retry' || verbose) ctx.out.note(`proxy: ${e.message}`);
    });
    const bound = await proxy.listen(address);
    ctx.out.line(`berth proxy listening on http://${bound.host.includes(':') ? `[${bound.host}]` : bound.host}:${bound.port}`);
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) return resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await proxy.close();
  },
};
