// berth image push REF: push a local image to its registry with stored or given credentials; progress on a terminal.
import type { CommandModule } from 'yargs';
import { pushImage } from '../../runtime/images/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { progressPrinter } from './progress.js';
import { authFromFlags, credentialOptions, registryOfRef, type CredentialFlags } from './shared.js';

export const imagePushCommand: CommandModule<GlobalArgs, Args<CredentialFlags & { ref: string }>> = {
  command: 'push <ref>',
  describe: 'Push an image to its registry (credentials: docker login\'s stores, or --username with --password-stdin)',
  builder: (y) => credentialOptions(y.positional('ref', { type: 'string', demandOption: true, describe: 'Image reference with its registry, e.g. 127.0.0.1:5000/app:1' })) as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const room = await ctx.rt.room(argv.room);
    const auth = await authFromFlags(ctx, argv, registryOfRef(argv.ref));
    const progress = progressPrinter(ctx);
    try {
      const pushed = await pushImage(ctx.rt, { room, ref: argv.ref, auth, signal: ctx.signal, onEvent: progress.onEvent });
      progress.finish();
      ctx.out.done(`pushed ${pushed.ref}${pushed.digest ? ` (${pushed.digest})` : ''}`, pushed, pushed.digest ?? pushed.ref);
    } finally {
      progress.finish();
    }
  },
};
