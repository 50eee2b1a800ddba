// berth storage rm PATH... [--recursive] [--agent A]
import type { CommandModule } from 'yargs';
import { StorageService } from '../../runtime/files/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const storageRmCommand: CommandModule<GlobalArgs, Args<{ paths: string[]; recursive: boolean; agent?: string }>> = {
  command: 'rm <paths..>',
  describe: 'Remove files (directories with --recursive) from storage; symlinks are removed, never followed',
  builder: (y) =>
    y
      .positional('paths', { type: 'string', array: true, demandOption: true, describe: 'Storage paths' })
      .option('recursive', { alias: 'R', type: 'boolean', default: false, describe: 'Remove directories and their contents' }) as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const room = await ctx.rt.room(argv.room);
    const storage = new StorageService(ctx.rt);
    for (const p of argv.paths) {
      const r = storage.remove({ room, agent: argv.agent }, String(p), { recursive: argv.recursive });
      const done = await r;
      ctx.out.done(`removed ${done.path}`, done, done.path);
    }
  },
};
