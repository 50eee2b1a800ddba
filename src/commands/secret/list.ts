// berth secret list: names and dates only.
import type { CommandModule } from 'yargs';
import { formatAge } from '../../runtime/core/index.js';
import { SecretStore, type SecretInfo } from '../../runtime/secrets/index.js';
import type { Args, GlobalArgs } from '../context.js';
import type { Column } from '../output.js';

const columns: Column<SecretInfo>[] = [
  { header: 'NAME', value: (s) => s.name },
  { header: 'CREATED', value: (s) => formatAge(s.created) },
  { header: 'UPDATED', value: (s) => formatAge(s.updated) },
];

export const secretListCommand: CommandModule<GlobalArgs, Args> = {
  command: ['list', 'ls'],
  describe: 'List secrets (names and dates; values are never shown)',
  handler: async ({ ctx }) => {
    ctx.out.list(new SecretStore(ctx.rt).list(), columns, { id: (s) => s.name });
  },
};
