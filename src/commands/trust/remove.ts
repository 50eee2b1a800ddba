// berth trust remove ID | berth trust remove [--deny] [--agent A] [--room R] -- PATTERN...
import type { CommandModule } from 'yargs';
import { formatPattern, removeTrustRule } from '../../runtime/host-commands/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { exactWords } from './shared.js';

interface RemoveArgs {
  id?: string;
  words?: string[];
  _: (string | number)[];
  deny?: boolean;
  agent?: string;
}

export const trustRemoveCommand: CommandModule<GlobalArgs, Args<RemoveArgs>> = {
  command: ['remove [id]', 'rm [id]'],
  describe: 'Remove a rule by id (berth trust list), or by its exact pattern after --',
  builder: (y) =>
    exactWords(y)
      .positional('id', { type: 'string', describe: 'Rule id' })
      .option('deny', { type: 'boolean', describe: 'With a pattern: the deny rule (default: whichever exists)' })
      .option('agent', { type: 'string', describe: 'With a pattern: the rule scoped to this agent' }) as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const pattern = argv._.slice(2).map(String);
    const rule = await removeTrustRule(
      ctx.rt,
      argv.id !== undefined && !pattern.length
        ? { id: argv.id }
        : { pattern: [...(argv.id !== undefined ? [argv.id] : []), ...pattern], action: argv.deny === undefined ? undefined : argv.deny ? 'deny' : 'allow', agent: argv.agent, room: argv.room },
      { stdinIsTTY: Boolean(ctx.io.stdin?.isTTY) },
    );
    ctx.out.done(`removed ${rule.action} rule ${rule.id}: ${formatPattern(rule.pattern)}`, rule, rule.id);
  },
};
