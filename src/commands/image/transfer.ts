// What `image pull` and `image push` share: one image reference, the credential flags, layer progress on stderr,
// and one line with the result.
import type { CommandModule } from 'yargs';
import type { pullImage } from '../../runtime/images/index.js';
import type { Args, CliContext, GlobalArgs } from '../context.js';
import { progressPrinter } from './progress.js';
import { authFromFlags, credentialOptions, registryOfRef, type CredentialFlags } from './shared.js';

/** What pullImage and pushImage take: room, ref, credentials, signal and progress. */
type TransferOptions = Parameters<typeof pullImage>[1];

/** A command that moves one image between the room's engine and a registry. */
export function transferCommand<R>(spec: {
  command: string;
  describe: string;
  /** The help line of the <ref> positional. */
  ref: string;
  /** Pulls or pushes. */
  transfer: (ctx: CliContext, opts: TransferOptions) => Promise<R>;
  /** The result line (and what -o json and -q print). */
  report: (ctx: CliContext, result: R, room: string) => void;
}): CommandModule<GlobalArgs, Args<CredentialFlags & { ref: string }>> {
  return {
    command: spec.command,
    describe: spec.describe,
    builder: (y) => credentialOptions(y.positional('ref', { type: 'string', demandOption: true, describe: spec.ref })) as never,
    handler: async (argv) => {
      const { ctx } = argv;
      const room = await ctx.rt.room(argv.room);
      const auth = await authFromFlags(ctx, argv, registryOfRef(argv.ref));
      const progress = progressPrinter(ctx);
      try {
        const result = await spec.transfer(ctx, { room, ref: argv.ref, auth, signal: ctx.signal, onEvent: progress.onEvent });
        progress.finish();
        spec.report(ctx, result, room);
      } finally {
        progress.finish();
      }
    },
  };
}
