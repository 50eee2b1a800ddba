// berth image pull REF: pull into the room with stored or given credentials; layer progress on a terminal.
import { pullImage } from '../../runtime/images/index.js';
import { transferCommand } from './transfer.js';

export const imagePullCommand = transferCommand({
  command: 'pull <ref>',
  describe: 'Pull an image into the room (credentials: docker login\'s stores, or --username with --password-stdin)',
  ref: 'Image reference, e.g. registry.example.com/team/app:1',
  transfer: (ctx, opts) => pullImage(ctx.rt, opts),
  report: (ctx, pulled, room) => ctx.out.done(`pulled ${pulled.ref} (${pulled.id.replace(/^sha256:/, '').slice(0, 12)}) into room ${room}`, { ...pulled, room }, pulled.id),
});
