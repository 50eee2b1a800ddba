// berth trust check [--agent A] [--room R] [--script TEXT | -- CMD...]: what would happen to this command, and why.
// Exit 0 auto-approved, 1 a person decides, 6 a deny rule refuses.
import type { CommandModule } from 'yargs';
import { UsageError } from '../../runtime/core/index.js';
import { TrustDecisionError, formatPattern } from '../../runtime/host-commands/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { exactWords, trailingWords } from './shared.js';

interface CheckArgs {
  words?: string[];
  _: (string | number)[];
  agent?: string;
  script?: string;
}

export const trustCheckCommand: CommandModule<GlobalArgs, Args<CheckArgs>> = {
  command: 'check [words..]',
  describe: 'Show whether a command would auto-approve and why: exit 0 auto-approved, 1 a person decides, 6 refused',
  builder: (y) =>
    exactWords(y)
      .positional('words', { type: 'string', array: true, describe: 'The command as an argv (put it after --)' })
      .option('agent', { type: 'string', describe: 'Check as this agent (default BERTH_AGENT)' })
      .option('script', { alias: 'c', type: 'string', describe: 'A bash script instead of an argv, as berth shell would run it' })
      .example('$0 trust check -- git log --oneline', 'an argv, run without a shell')
      .example("$0 trust check --script 'git log | grep fix'", 'a script, parsed as bash') as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const words = trailingWords(argv, 2);
    if (argv.script !== undefined && words.length) throw new UsageError('give either --script TEXT or a command after --, not both');
    if (argv.script === undefined && !words.length) throw new UsageError('name the command to check after --, e.g. berth trust check -- git log');
    const scope = { agent: argv.agent ?? ctx.rt.env.BERTH_AGENT, room: argv.room ?? ctx.rt.env.BERTH_ROOM };
    const input = argv.script !== undefined ? { script: argv.script } : { argv: words };
    // As berth shell would decide it here: the rules, then the current directory (berth's data, a git repository).
    const { decideHere } = await import('../../runtime/host-commands/index.js');
    const { resolveCwd } = await import('../../runtime/host-commands/index.js');
    const result = await decideHere(ctx.rt, input, scope, resolveCwd(undefined));
    const command = argv.script ?? formatPattern(words);
    ctx.out.item({ ...result, command, scope }, (r) => [
      ['decision', r.decision === 'allow' ? 'allow (auto-approved)' : r.decision === 'deny' ? 'deny (refused)' : 'ask (a person decides)'],
      ['reason', r.reason],
      ...(r.rule ? ([['rule', `${r.rule.id} ${r.rule.action} ${formatPattern(r.rule.pattern)}`]] as [string, string][]) : []),
      ['command', command],
    ]);
    if (result.decision !== 'allow') throw new TrustDecisionError(result);
  },
};
