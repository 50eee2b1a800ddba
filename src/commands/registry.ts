// berth registry: log in to, log out of and list registries, in the same stores docker login uses.
import type { CommandModule } from 'yargs';
import type { Args, GlobalArgs } from './context.js';
import { registryListCommand } from './registry/list.js';
import { registryLoginCommand } from './registry/login.js';
import { registryLogoutCommand } from './registry/logout.js';

export const registryCommand: CommandModule<GlobalArgs, Args> = {
  command: 'registry',
  describe: 'Registry credentials (docker\'s config.json and credential helpers): login, logout, list',
  builder: (y) =>
    y
      .command(registryLoginCommand)
      .command(registryLogoutCommand)
      .command(registryListCommand)
      .demandCommand(1, 'name a registry command: berth registry --help lists them') as never,
  handler: () => {},
};
