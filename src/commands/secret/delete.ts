// berth secret delete NAME
import type { CommandModule } from 'yargs';
import { SecretStore } from '../../runtime/secrets/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const secretDeleteCommand: CommandModule<GlobalArgs, Args<{ name: string }>> = {
  command: ['delete <name>', 'rm <name>'],
  describe: 'Delete a secret (services already running keep the value they were started with)',
  builder: (y) => y.positional('name', { type: 'string', demandOption: true }) as never,
  handler: async ({ ctx, name }) => {
    const result = await new SecretStore(ctx.rt).delete(name);
    ctx.out.done(`deleted secret ${name}`, result, name);
  },
};
