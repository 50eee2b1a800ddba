// berth plugin: plugin releases code@version (a directory with a Dockerfile and berth-plugin.yaml), run with params.
import type { CommandModule } from 'yargs';
import type { Args, GlobalArgs } from './context.js';
import { pluginAddCommand } from './plugin/add.js';
import { pluginListCommand } from './plugin/list.js';
import { pluginRemoveCommand } from './plugin/remove.js';
import { pluginRunCommand } from './plugin/run.js';
import { pluginShowCommand } from './plugin/show.js';

export const pluginCommand: CommandModule<GlobalArgs, Args> = {
  command: ['plugin', 'plugins'],
  describe: 'Plugin releases code@version: add a directory (Dockerfile + berth-plugin.yaml), list, show, run, remove',
  builder: (y) =>
    y
      .command(pluginAddCommand)
      .command(pluginListCommand)
      .command(pluginShowCommand)
      .command(pluginRunCommand)
      .command(pluginRemoveCommand)
      .demandCommand(1, 'name a plugin command: berth plugin --help lists them') as never,
  handler: () => {},
};
