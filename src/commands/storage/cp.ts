// berth storage cp SRC DST [--agent A]: a leading ":" marks the storage side.
import type { CommandModule } from 'yargs';
import { formatBytes } from '../../runtime/core/index.js';
import { StorageService } from '../../runtime/files/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const storageCpCommand: CommandModule<GlobalArgs, Args<{ src: string; dst: string; agent?: string; extract: boolean }>> = {
  command: 'cp <src> <dst>',
  describe: 'Copy a file or directory into, out of, or within storage (storage paths start with ":")',
  builder: (y) =>
    y
      .positional('src', { type: 'string', demandOption: true })
      .positional('dst', { type: 'string', demandOption: true })
      .option('extract', { alias: 'x', type: 'boolean', default: false, describe: 'SRC is a host zip/tar: unpack it into the storage directory DST (checked, all or nothing)' })
      .example('$0 storage cp data.csv :inputs/', 'a host file into the room storage')
      .example('$0 storage cp --agent ana :out ./results', "a directory out of ana's workspace")
      .example('$0 storage cp -x inputs.zip :inputs', 'unpack a zip into the room storage') as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const room = await ctx.rt.room(argv.room);
    const storage = new StorageService(ctx.rt);
    const scope = { room, agent: argv.agent };
    const r = argv.extract ? await storage.extract(scope, argv.src, argv.dst) : await storage.copy(scope, argv.src, argv.dst);
    ctx.out.done(`copied ${r.from} to ${r.to} (${r.files} file${r.files === 1 ? '' : 's'}, ${formatBytes(r.bytes)})`, r);
  },
};
