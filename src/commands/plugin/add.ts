// berth plugin add PATH [--force]: register a plugin directory as release code@version.
import type { CommandModule } from 'yargs';
import { PluginService } from '../../runtime/plugins/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const pluginAddCommand: CommandModule<GlobalArgs, Args<{ path: string; force: boolean }>> = {
  command: 'add <path>',
  describe: 'Register a plugin directory (Dockerfile + berth-plugin.yaml) as release code@version; its files are kept as added',
  builder: (y) =>
    y
      .positional('path', { type: 'string', demandOption: true, describe: 'The plugin directory' })
      .option('force', { type: 'boolean', default: false, describe: 'Replace a release of the same code@version with other contents (refused while a record runs it)' }) as never,
  handler: async ({ ctx, path, force }) => {
    const r = await new PluginService(ctx.rt).add(path, { force, signal: ctx.signal });
    const verb = r.changed === 'unchanged' ? 'already added, same contents:' : r.changed;
    ctx.out.done(`${verb} ${r.release} (${r.digest.slice(0, 19)})`, r, r.release);
  },
};
