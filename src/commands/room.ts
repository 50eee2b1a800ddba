// berth room: the room command group.
import type { CommandModule } from 'yargs';
import type { Args, GlobalArgs } from './context.js';
import { roomCreateCommand } from './room/create.js';
import { roomDeleteCommand } from './room/delete.js';
import { roomInspectCommand } from './room/inspect.js';
import { roomListCommand } from './room/list.js';

export const roomCommand: CommandModule<GlobalArgs, Args> = {
  command: 'room',
  describe: 'Rooms: namespaces with their own network and storage',
  builder: (y) =>
    y
      .command(roomListCommand)
      .command(roomCreateCommand)
      .command(roomInspectCommand)
      .command(roomDeleteCommand)
      .demandCommand(1, 'name a room command: list, create, inspect or delete') as never,
  handler: () => {},
};
