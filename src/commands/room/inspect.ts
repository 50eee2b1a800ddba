// berth room inspect NAME
import type { CommandModule } from 'yargs';
import { shortId } from '../../runtime/core/index.js';
import { RoomService } from '../../runtime/rooms/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const roomInspectCommand: CommandModule<GlobalArgs, Args<{ name: string }>> = {
  command: 'inspect <name>',
  describe: 'Show a room: network, subnet, storage and members',
  builder: (y) => y.positional('name', { type: 'string', demandOption: true }) as never,
  handler: async ({ ctx, name }) => {
    const room = await new RoomService(ctx.rt).inspect(name);
    ctx.out.item(
      room,
      (r) => [
        ['name', r.name],
        ['network', `${r.network} (${shortId(r.networkId)})`],
        ['subnet', r.subnet ?? '-'],
        ['storage', r.storage],
        ['containers', `${r.running} running of ${r.containers}`],
        ['services', String(r.services)],
        ['members', r.members.length ? r.members.map((m) => `${m.name} (${m.kind}, ${m.state})`).join(', ') : '-'],
      ],
      (r) => r.name,
    );
  },
};
