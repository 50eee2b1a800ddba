// berth service list: services with replicas running/desired and health.
import type { CommandModule } from 'yargs';
import { DeployService, type ServiceSummary } from '../../runtime/services/index.js';
import { formatAge, formatPorts } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';
import type { Column } from '../output.js';

export const serviceColumns: Column<ServiceSummary>[] = [
  { header: 'NAME', value: (s) => s.name },
  { header: 'IMAGE', value: (s) => s.image, flex: true },
  { header: 'REVISION', value: (s) => (s.revision !== null ? String(s.revision) : '-') },
  { header: 'REPLICAS', value: (s) => `${s.running}/${s.desired}` },
  { header: 'HEALTH', value: (s) => s.health },
  { header: 'PORTS', value: (s) => formatPorts(s.ports) || '-', flex: true },
  { header: 'DOMAIN', value: (s) => s.domain ?? '-', flex: true },
  { header: 'UPDATED', value: (s) => formatAge(s.updated) },
  { header: 'MODE', value: (s) => s.mode, wide: true },
  { header: 'ROOM', value: (s) => s.room, wide: true },
];

export const serviceListCommand: CommandModule<GlobalArgs, Args<{ all: boolean }>> = {
  command: ['list', 'ls'],
  describe: 'List the services of the room (--all: of every room)',
  builder: (y) => y.option('all', { alias: 'a', type: 'boolean', default: false, describe: 'Every room' }) as never,
  handler: async ({ ctx, room, all }) => {
    const services = await new DeployService(ctx.rt).list(all ? undefined : await ctx.rt.room(room), ctx.signal);
    // Across rooms two services may share a name: the room leads the row.
    const columns = all ? [{ header: 'ROOM', value: (s: ServiceSummary) => s.room }, ...serviceColumns.filter((c) => c.header !== 'ROOM')] : serviceColumns;
    ctx.out.list(services, columns, { id: (s) => (all ? `${s.room}/${s.name}` : s.name) });
  },
};
