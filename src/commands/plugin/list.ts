// berth plugin list: every registered plugin release.
import type { CommandModule } from 'yargs';
import { formatAge } from '../../runtime/core/index.js';
import { PluginService, type PluginRelease } from '../../runtime/plugins/index.js';
import type { Args, GlobalArgs } from '../context.js';
import type { Column } from '../output.js';

const columns: Column<PluginRelease>[] = [
  { header: 'RELEASE', value: (r) => r.release },
  { header: 'DESCRIPTION', value: (r) => r.description || '-', flex: true },
  { header: 'DIGEST', value: (r) => r.digest.slice(7, 19) },
  { header: 'ADDED', value: (r) => formatAge(r.createdAt) },
  { header: 'IMAGE', value: (r) => r.image, wide: true },
  { header: 'SOURCE', value: (r) => r.source, wide: true },
];

export const pluginListCommand: CommandModule<GlobalArgs, Args> = {
  command: ['list', 'ls'],
  describe: 'List plugin releases',
  handler: async ({ ctx }) => {
    ctx.out.list(new PluginService(ctx.rt).list(), columns, { id: (r) => r.release });
  },
};
