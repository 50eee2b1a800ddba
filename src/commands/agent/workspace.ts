// berth agent workspace AGENT: the host path of the agent's workspace in the room (mounted at /workspace).
import type { CommandModule } from 'yargs';
import { ensureWorkspace } from '../../runtime/agents/index.js';
import { agentArgument } from './agent-argument.js';
import type { Args, GlobalArgs } from '../context.js';

export const agentWorkspaceCommand: CommandModule<GlobalArgs, Args<{ agent: string }>> = {
  command: 'workspace <agent>',
  describe: 'Print the host path of the agent\'s workspace in the room (created when missing), mounted at /workspace in its containers',
  builder: (y) => y.positional('agent', { type: 'string', demandOption: true }) as never,
  handler: async ({ ctx, agent, room }) => {
    const dir = ensureWorkspace(ctx.rt, await ctx.rt.room(room), agentArgument(agent));
    ctx.out.done(dir, { agent, path: dir }, dir);
  },
};
