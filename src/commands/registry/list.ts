// berth registry list: the registries docker's stores hold credentials for, with the user and the store (never a secret).
import type { CommandModule } from 'yargs';
import { listLogins } from '../../runtime/images/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const registryListCommand: CommandModule<GlobalArgs, Args> = {
  command: ['list', 'ls'],
  describe: 'List registries with stored credentials (user and store; never the password)',
  handler: async (argv) => {
    const { ctx } = argv;
    const entries = await listLogins(ctx.rt);
    ctx.out.list(
      entries,
      [
        { header: 'REGISTRY', value: (e) => e.registry },
        { header: 'USER', value: (e) => e.username || '-' },
        { header: 'STORE', value: (e) => e.store },
      ],
      { id: (e) => e.registry },
    );
  },
};
