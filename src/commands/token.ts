// berth token create|list|revoke: bearer tokens for berth serve, one per agent and purpose, with the rooms it may see
// and the grants it holds. Creating and revoking are a person's acts; the token is printed once, at creation.
import type { CommandModule } from 'yargs';
import type { Args, GlobalArgs } from './context.js';
import { tokenCreateCommand, tokenListCommand, tokenRevokeCommand } from './token/commands.js';

export const tokenCommand: CommandModule<GlobalArgs, Args> = {
  command: 'token',
  describe: 'API tokens for berth serve: per-agent bearer tokens with rooms and grants (create, list, revoke)',
  builder: (y) =>
    y
      .command(tokenCreateCommand)
      .command(tokenListCommand)
      .command(tokenRevokeCommand)
      .demandCommand(1, 'name a token command: create, list or revoke') as never,
  handler: () => {},
};
