// berth trust list [--agent A]: the stored rules (deny rules first: they win).
import type { CommandModule } from 'yargs';
import { loadTrustRules } from '../../runtime/host-commands/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { ruleColumns } from './shared.js';

export const trustListCommand: CommandModule<GlobalArgs, Args<{ agent?: string }>> = {
  command: ['list', 'ls'],
  describe: 'List trust rules',
  builder: (y) => y.option('agent', { type: 'string', describe: 'Only rules that apply to this agent' }) as never,
  handler: async (argv) => {
    const { ctx } = argv;
    let rules = await loadTrustRules(ctx.rt);
    if (argv.agent !== undefined) rules = rules.filter((r) => r.agent === undefined || r.agent === argv.agent);
    if (argv.room !== undefined) rules = rules.filter((r) => r.room === undefined || r.room === argv.room);
    rules = [...rules].sort((a, b) => (a.action === b.action ? 0 : a.action === 'deny' ? -1 : 1));
    ctx.out.list(rules, ruleColumns, { id: (r) => r.id });
  },
};
