// berth storage ls [PATH] [--agent A]
import type { CommandModule } from 'yargs';
import { formatAge, formatBytes } from '../../runtime/core/index.js';
import { StorageService, type StorageEntry } from '../../runtime/files/index.js';
import type { Args, GlobalArgs } from '../context.js';
import type { Column } from '../output.js';

const columns: Column<StorageEntry>[] = [
  { header: 'NAME', value: (e) => (e.type === 'directory' ? `${e.name}/` : e.linkTarget ? `${e.name} -> ${e.linkTarget}` : e.name), flex: true },
  { header: 'TYPE', value: (e) => e.type },
  { header: 'SIZE', value: (e) => (e.type === 'file' ? formatBytes(e.size) : '-') },
  { header: 'MODE', value: (e) => e.mode.toString(8).padStart(4, '0'), wide: true },
  { header: 'MODIFIED', value: (e) => formatAge(e.mtime) },
  { header: 'PATH', value: (e) => e.path, wide: true },
];

export const storageLsCommand: CommandModule<GlobalArgs, Args<{ path?: string; agent?: string }>> = {
  command: ['ls [path]', 'list'],
  describe: 'List a directory of the room storage (or the agent workspace)',
  builder: (y) => y.positional('path', { type: 'string', describe: 'Storage path (default: the root)' }) as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const room = await ctx.rt.room(argv.room);
    const listing = new StorageService(ctx.rt).list({ room, agent: argv.agent }, argv.path ?? '');
    ctx.out.list(listing.entries, columns, { id: (e) => e.path, extra: { path: listing.path } });
  },
};
