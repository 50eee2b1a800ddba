// berth trust add [--deny] [--agent A] [--room R] -- PATTERN...: store an allow (or deny) rule.
import type { CommandModule } from 'yargs';
import { addTrustRule, formatPattern } from '../../runtime/host-commands/index.js';
import { UsageError } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { exactWords, trailingWords } from './shared.js';

interface AddArgs {
  words?: string[];
  _: (string | number)[];
  deny: boolean;
  agent?: string;
}

export const trustAddCommand: CommandModule<GlobalArgs, Args<AddArgs>> = {
  command: 'add [words..]',
  describe: 'Add a rule: an argv prefix after -- (`*` matches exactly one argument), e.g. berth trust add -- git log',
  builder: (y) =>
    exactWords(y)
      .positional('words', { type: 'string', array: true, describe: 'The pattern (put it after --)' })
      .option('deny', { type: 'boolean', default: false, describe: 'Refuse matching commands (deny rules win over allow rules)' })
      .option('agent', { type: 'string', describe: 'Only for this agent' })
      .example('$0 trust add -- git log', 'auto-approve git log with any further arguments')
      .example('$0 trust add --agent ci -- npm test', 'only for the agent ci')
      .example('$0 trust add --deny -- git push', 'always refuse git push') as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const pattern = trailingWords(argv, 2);
    if (!pattern.length) {
      throw new UsageError(
        argv.deny ? 'name the command to refuse after --, e.g. berth trust add --deny -- git push' : 'name the command to trust after --, e.g. berth trust add -- git log',
      );
    }
    // An allow rule is a person's act (refused for BERTH_AGENT or without a terminal on stdin); a deny rule is not.
    const rule = await addTrustRule(
      ctx.rt,
      { pattern, action: argv.deny ? 'deny' : 'allow', agent: argv.agent, room: argv.room },
      { stdinIsTTY: Boolean(ctx.io.stdin?.isTTY) },
    );
    const scope = [rule.agent ? `agent ${rule.agent}` : '', rule.room ? `room ${rule.room}` : ''].filter(Boolean).join(', ');
    ctx.out.done(`added ${rule.action} rule ${rule.id}: ${formatPattern(rule.pattern)}${scope ? ` (${scope})` : ''}`, rule, rule.id);
  },
};
