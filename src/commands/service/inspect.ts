// berth service inspect NAME: spec (secrets as references), containers and the kept revisions.
import type { CommandModule } from 'yargs';
import { DeployService } from '../../runtime/services/index.js';
import { formatAge, formatPorts, shortId } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const serviceInspectCommand: CommandModule<GlobalArgs, Args<{ name: string }>> = {
  command: ['inspect <name>', 'get <name>'],
  describe: 'Show a service: spec, containers and deploy history',
  builder: (y) => y.positional('name', { type: 'string', demandOption: true }) as never,
  handler: async ({ ctx, room, name }) => {
    const s = await new DeployService(ctx.rt).inspect(await ctx.rt.room(room), name, ctx.signal);
    ctx.out.item(
      s,
      (v) => [
        ['name', v.name],
        ['room', v.room],
        ['mode', v.mode],
        ['image', v.image],
        ['revision', v.revision !== null ? String(v.revision) : '-'],
        ['replicas', `${v.running}/${v.desired}`],
        ['health', v.health],
        ['identity', v.identity],
        ['ports', formatPorts(v.ports) || '-'],
        ['domain', v.domain ?? '-'],
        ['liveness', v.liveness ? (v.liveness.kind === 'http' ? `http:${v.liveness.path}` : v.liveness.command) : '-'],
        ['restart', v.restart],
        ['token', v.token ? 'BERTH_TOKEN (masked)' : 'no'],
        ['env', v.env.join(' ') || '-'],
        ['mounts', v.mounts.map((m) => `${m.type}:${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`).join(' ') || '-'],
        ['containers', v.containers.map((c) => `${c.name} ${shortId(c.id)} r${c.revision} ${c.state}${c.health ? ` (${c.health})` : ''}`).join(', ') || '-'],
        ...v.history.map((h): [string, string] => [
          `r${h.revision}`,
          `${h.status} ${h.image} by ${h.actor} ${formatAge(h.created)}${h.rollbackOf !== null ? ` (rollback to r${h.rollbackOf})` : ''}${h.message ? `: ${h.message}` : ''}`,
        ]),
      ],
      (v) => v.name,
    );
  },
};
