// berth image push REF: push a local image to its registry with stored or given credentials; progress on a terminal.
import { pushImage } from '../../runtime/images/index.js';
import { transferCommand } from './transfer.js';

export const imagePushCommand = transferCommand({
  command: 'push <ref>',
  describe: 'Push an image to its registry (credentials: docker login\'s stores, or --username with --password-stdin)',
  ref: 'Image reference with its registry, e.g. 127.0.0.1:5000/app:1',
  transfer: (ctx, opts) => pushImage(ctx.rt, opts),
  report: (ctx, pushed) => ctx.out.done(`pushed ${pushed.ref}${pushed.digest ? ` (${pushed.digest})` : ''}`, pushed, pushed.digest ?? pushed.ref),
});
