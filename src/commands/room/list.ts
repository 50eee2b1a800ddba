// berth room list
import type { CommandModule } from 'yargs';
import { formatAge, formatBytes } from '../../runtime/core/index.js';
import { RoomService, type RoomSummary } from '../../runtime/rooms/index.js';
import type { Args, GlobalArgs } from '../context.js';
import type { Column } from '../output.js';

export const roomColumns: Column<RoomSummary>[] = [
  { header: 'NAME', value: (r) => r.name },
  { header: 'CONTAINERS', value: (r) => `${r.running}/${r.containers}` },
  { header: 'SERVICES', value: (r) => String(r.services) },
  { header: 'NETWORK', value: (r) => r.network },
  { header: 'CREATED', value: (r) => formatAge(r.created) },
  { header: 'DISK', value: (r) => (r.disk ? formatBytes(r.disk.total) : '-') },
  { header: 'LAYERS', value: (r) => (r.disk ? formatBytes(r.disk.writable) : '-'), wide: true },
  { header: 'LOGS', value: (r) => (r.disk ? (r.disk.logsKnown ? formatBytes(r.disk.logs) : '?') : '-'), wide: true },
  { header: 'STORAGE-SIZE', value: (r) => (r.disk ? formatBytes(r.disk.storage) : '-'), wide: true },
  { header: 'STORAGE', value: (r) => r.storage, wide: true },
];

export const roomListCommand: CommandModule<GlobalArgs, Args> = {
  command: ['list', 'ls'],
  describe: 'List rooms with running/total containers, services and disk use (layers + logs + storage; -o wide splits it)',
  handler: async ({ ctx }) => {
    const rooms = await new RoomService(ctx.rt).list(ctx.signal, { disk: !ctx.out.options.quiet });
    ctx.out.list(rooms, roomColumns, { id: (r) => r.name });
  },
};
