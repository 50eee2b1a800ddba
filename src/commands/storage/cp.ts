// berth storage cp SRC DST [--agent A]: a leading ":" marks the storage side.
import type { CommandModule } from 'yargs';
import { formatBytes } from '../../runtime/format.js';
import { StorageService } from '../../runtime/storage.js';
import type { Args, GlobalArgs } from '../context.js';

export const storageCpCommand: CommandModule<GlobalArgs, Args<{ src: string; dst: string; agent?: string }>> = {
  command: 'cp <src> <dst>',
  describe: 'Copy a file or directory into, out of, or within storage (storage paths start with ":")',
  builder: (y) =>
    y
      .positional('src', { type: 'string', demandOption: true })
      .positional('dst', { type: 'string', demandOption: true })
      .example('$0 storage cp data.csv :inputs/', 'a host file into the room storage')
      .example('$0 storage cp --agent ana :out ./results', "a directory out of ana's workspace") as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const room = await ctx.rt.room(argv.room);
    const r = await new StorageService(ctx.rt).copy({ room, agent: argv.agent }, argv.src, argv.dst);
    ctx.out.done(`copied ${r.from} to ${r.to} (${r.files} file${r.files === 1 ? '' : 's'}, ${formatBytes(r.bytes)})`, r);
  },
};
