// berth room delete NAME [--force] [--purge-storage]
import type { CommandModule } from 'yargs';
import { deleteRoom } from '../../runtime/services/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const roomDeleteCommand: CommandModule<GlobalArgs, Args<{ name: string; force: boolean; purgeStorage: boolean }>> = {
  command: ['delete <name>', 'rm <name>'],
  describe: 'Delete a room; refuses while it has containers or services unless --force',
  builder: (y) =>
    y
      .positional('name', { type: 'string', demandOption: true })
      .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Also remove the room\'s containers, services (their revisions and routes) and room tokens' })
      .option('purge-storage', { type: 'boolean', default: false, describe: 'Also delete the room\'s storage directory' }) as never,
  handler: async ({ ctx, name, force, purgeStorage }) => {
    const result = await deleteRoom(ctx.rt, name, { force, purgeStorage });
    const parts = [`deleted room ${name}`];
    if (result.removedServices.length) parts.push(`removed ${result.removedServices.length} service(s) (${result.removedServices.join(', ')})`);
    if (result.removedContainers.length) parts.push(`removed ${result.removedContainers.length} container(s)`);
    if (result.removedSecrets.length) parts.push(`revoked ${result.removedSecrets.length} room token(s)`);
    parts.push(result.purgedStorage ? 'purged storage' : 'kept storage');
    ctx.out.done(parts.join(', '), result, name);
  },
};
