// berth room delete NAME [--force] [--purge-storage]
import { plural } from '../../runtime/core/index.js';
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
    if (result.removedServices.length) parts.push(`removed ${plural(result.removedServices.length, 'service')} (${result.removedServices.join(', ')})`);
    if (result.removedContainers.length) parts.push(`removed ${plural(result.removedContainers.length, 'container')}`);
    if (result.removedSecrets.length) parts.push(`revoked ${plural(result.removedSecrets.length, 'room token')}`);
    parts.push(result.purgedStorage ? 'purged storage' : 'kept storage');
    ctx.out.done(parts.join(', '), result, name);
  },
};
