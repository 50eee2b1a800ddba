// berth room create NAME
import type { CommandModule } from 'yargs';
import { RoomService } from '../../runtime/rooms/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const roomCreateCommand: CommandModule<GlobalArgs, Args<{ name: string }>> = {
  command: 'create <name>',
  describe: 'Create a room: a bridge network berth-NAME and a storage directory',
  builder: (y) => y.positional('name', { type: 'string', demandOption: true, describe: 'Room name' }) as never,
  handler: async ({ ctx, name }) => {
    const room = await new RoomService(ctx.rt).create(name);
    ctx.out.done(`created room ${room.name} (network ${room.network}, storage ${room.storage})`, room, room.name);
  },
};
