// berth image pull REF: pull into the room with stored or given credentials; layer progress on a terminal.
import type { CommandModule } from 'yargs';
import { pullImage } from '../../runtime/images/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { progressPrinter } from './progress.js';
import { authFromFlags, credentialOptions, registryOfRef, type CredentialFlags } from './shared.js';

export const imagePullCommand: CommandModule<GlobalArgs, Args<CredentialFlags & { ref: string }>> = {
  command: 'pull <ref>',
  describe: 'Pull an image into the room (credentials: docker login\'s stores, or --username with --password-stdin)',
  builder: (y) => credentialOptions(y.positional('ref', { type: 'string', demandOption: true, describe: 'Image reference, e.g. registry.example.com/team/app:1' })) as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const room = await ctx.rt.room(argv.room);
    const auth = await authFromFlags(ctx, argv, registryOfRef(argv.ref));
    const progress = progressPrinter(ctx);
    try {
      const pulled = await pullImage(ctx.rt, { room, ref: argv.ref, auth, signal: ctx.signal, onEvent: progress.onEvent });
      progress.finish();
      ctx.out.done(`pulled ${pulled.ref} (${pulled.id.replace(/^sha256:/, '').slice(0, 12)}) into room ${room}`, { ...pulled, room }, pulled.id);
    } finally {
      progress.finish();
    }
  },
};
