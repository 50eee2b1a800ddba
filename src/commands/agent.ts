// berth agent: agents' running containers and usage, their limits, and their workspaces.
import type { CommandModule } from 'yargs';
import type { Args, GlobalArgs } from './context.js';
import { agentLimitsCommand } from './agent/limits.js';
import { agentListCommand } from './agent/list.js';
import { agentWorkspaceCommand } from './agent/workspace.js';

export const agentCommand: CommandModule<GlobalArgs, Args> = {
  command: 'agent',
  describe: 'Agents: running containers and usage, limits (CPU quota, memory cap, max running), workspaces',
  builder: (y) =>
    y
      .command(agentListCommand)
      .command(agentLimitsCommand)
      .command(agentWorkspaceCommand)
      .demandCommand(1, 'name an agent command: list, limits or workspace') as never,
  handler: () => {},
};
