// berth image: images in a room (list, pull, tag, push, delete, inspect).
import type { CommandModule } from 'yargs';
import type { Args, GlobalArgs } from './context.js';
import { imageDeleteCommand } from './image/delete.js';
import { imageInspectCommand } from './image/inspect.js';
import { imageListCommand } from './image/list.js';
import { imagePullCommand } from './image/pull.js';
import { imagePushCommand } from './image/push.js';
import { imageTagCommand } from './image/tag.js';

export const imageCommand: CommandModule<GlobalArgs, Args> = {
  command: ['image', 'images'],
  describe: 'Images in a room: list, pull, tag, push, delete, inspect',
  builder: (y) =>
    y
      .command(imageListCommand)
      .command(imagePullCommand)
      .command(imageTagCommand)
      .command(imagePushCommand)
      .command(imageDeleteCommand)
      .command(imageInspectCommand)
      .demandCommand(1, 'name an image command: berth image --help lists them') as never,
  handler: () => {},
};
