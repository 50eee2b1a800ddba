// berth service remove NAME: its containers (or Swarm service) and its kept revisions.
import type { CommandModule } from 'yargs';
import { DeployService } from '../../runtime/services/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const serviceRemoveCommand: CommandModule<GlobalArgs, Args<{ name: string }>> = {
  command: ['remove <name>', 'rm <name>'],
  describe: 'Remove a service: stop and remove its containers and forget its revisions',
  builder: (y) => y.positional('name', { type: 'string', demandOption: true }) as never,
  handler: async ({ ctx, room, name }) => {
    const result = await new DeployService(ctx.rt).remove(await ctx.rt.room(room), name);
    ctx.out.done(`removed service ${name}${result.removed.length ? ` (${result.removed.join(', ')})` : ''}`, result, name);
  },
};
