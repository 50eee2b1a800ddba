// berth container get|inspect CONTAINER [--show-secrets]: config, env (secrets masked), tags, resources, ports, mounts, labels.
import type { CommandModule } from 'yargs';
import { ContainerService } from '../../runtime/containers/index.js';
import { formatBytes, formatPorts } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const containerGetCommand: CommandModule<GlobalArgs, Args<{ container: string; showSecrets: boolean }>> = {
  command: ['get <container>', 'inspect <container>'],
  describe: 'Show a container: image, command, env (secrets masked), tags, resources, ports, mounts, labels',
  builder: (y) =>
    y
      .positional('container', { type: 'string', demandOption: true, describe: 'Name, id or id prefix' })
      .option('show-secrets', { type: 'boolean', default: false, describe: 'Print real env values (refused for agents, i.e. when BERTH_AGENT is set; audited)' }) as never,
  handler: async ({ ctx, room, container, showSecrets }) => {
    const c = await new ContainerService(ctx.rt).inspect(await ctx.rt.room(room), container, ctx.signal, { showSecrets });
    ctx.out.item(
      c,
      (d) => [
        ['name', d.name],
        ['id', d.id],
        ['room', d.room],
        ['kind', d.kind],
        ['agent', d.role ? `${d.agent} (${d.role})` : d.agent || '-'],
        ['image', d.image],
        ['command', d.command.length ? JSON.stringify(d.command) : '-'],
        ['state', `${d.state} (${d.status})`],
        ['created', d.created],
        ['tags', d.tags.join(', ') || '-'],
        ['cpus', d.resources.cpus !== undefined ? String(d.resources.cpus) : 'unlimited'],
        ['memory', d.resources.memory !== undefined ? formatBytes(d.resources.memory) : 'unlimited'],
        ['pids', d.resources.pids !== undefined ? String(d.resources.pids) : 'unlimited'],
        ['ports', formatPorts(d.ports) || '-'],
        ['network', d.network ? `${d.network.name}${d.network.ip ? ` ${d.network.ip}` : ''} (alias ${d.network.aliases.join(', ') || '-'})` : '-'],
        ['logs', d.logs.maxSize ? `${d.logs.driver}, ${d.logs.maxSize} × ${d.logs.maxFiles ?? 1} files` : d.logs.bounded ? d.logs.driver : `${d.logs.driver}, unbounded`],
        ['mounts', d.mounts.map((m) => `${m.source} -> ${m.target}${m.readOnly ? ' (ro)' : ''}`).join(', ') || '-'],
        ['env', d.env.join(' ') || '-'],
        ['labels', Object.entries(d.labels).map(([k, v]) => `${k}=${v}`).join(' ')],
      ],
      (d) => d.id,
    );
  },
};
