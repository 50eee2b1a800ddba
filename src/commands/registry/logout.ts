// berth registry logout [REGISTRY]: forget a registry's credentials in docker's stores.
import type { CommandModule } from 'yargs';
import { logoutRegistry } from '../../runtime/images/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const registryLogoutCommand: CommandModule<GlobalArgs, Args<{ registry?: string }>> = {
  command: 'logout [registry]',
  describe: 'Log out of a registry (default Docker Hub)',
  builder: (y) => y.positional('registry', { type: 'string', describe: 'Registry host[:port]' }) as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const r = await logoutRegistry(ctx.rt, argv.registry);
    ctx.out.done(r.removed ? `logged out of ${r.registry}` : `not logged in to ${r.registry}`, r, r.registry);
  },
};
