// berth agent limits AGENT [--cpus N] [--memory SIZE] [--max-running N] [--on-limit reject|queue] [--clear]
import type { CommandModule } from 'yargs';
import { getAgentLimits, setAgentLimits } from '../../runtime/agents/index.js';
import { type AgentLimits } from '../../runtime/core/index.js';
import { agentArgument } from './agent-argument.js';
import type { Args, GlobalArgs } from '../context.js';

interface LimitsArgs {
  agent: string;
  cpus?: string;
  memory?: string;
  maxRunning?: string;
  onLimit?: string;
  clear: boolean;
}

function describe(agent: string, l: AgentLimits): string {
  const parts = [
    l.cpus ? `CPU quota ${l.cpus}` : '',
    l.memory ? `memory cap ${l.memory} per container` : '',
    l.maxRunning !== undefined ? `max running ${l.maxRunning}` : '',
    l.maxRunning !== undefined || l.cpus ? `on limit ${l.onLimit ?? 'reject'}` : '',
  ].filter(Boolean);
  return `agent ${agent}: ${parts.length ? parts.join(', ') : 'no limits'}`;
}

export const agentLimitsCommand: CommandModule<GlobalArgs, Args<LimitsArgs>> = {
  command: 'limits <agent>',
  describe: 'Show or set an agent\'s limits; "none" removes one, --clear all',
  builder: (y) =>
    y
      .positional('agent', { type: 'string', demandOption: true })
      .option('cpus', { type: 'string', describe: 'CPU quota: the sum over the agent\'s running containers (e.g. 2)' })
      .option('memory', { type: 'string', describe: 'Memory cap per container (e.g. 512m); the default for containers without --memory' })
      .option('max-running', { type: 'string', describe: 'Most containers the agent may have running at once' })
      .option('on-limit', { type: 'string', describe: 'Over a limit: reject (refuse the start, exit 6) or queue (wait until room frees up, first come first served)' })
      .option('clear', { type: 'boolean', default: false, describe: 'Remove every limit of the agent' })
      .example('$0 agent limits bot --cpus 2 --memory 512m --max-running 3 --on-limit queue', '') as never,
  handler: async (argv) => {
    const { ctx, agent } = argv;
    agentArgument(agent);
    const change = { cpus: argv.cpus, memory: argv.memory, maxRunning: argv.maxRunning, onLimit: argv.onLimit, clear: argv.clear };
    if (Object.values(change).every((v) => v === undefined || v === false)) {
      const limits = await getAgentLimits(ctx.rt, agent);
      ctx.out.item({ agent, ...limits }, () => [['limits', describe(agent, limits).replace(/^agent [^:]+: /, '')]]);
      return;
    }
    const limits = await setAgentLimits(ctx.rt, agent, change, { stdinIsTTY: Boolean(ctx.io.stdin?.isTTY) });
    ctx.out.done(describe(agent, limits), { agent, ...limits }, agent);
  },
};
