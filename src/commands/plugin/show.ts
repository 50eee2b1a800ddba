// berth plugin show CODE[@VERSION]: a release's manifest, digest, params schema and env defaults (secrets masked).
import type { CommandModule } from 'yargs';
import { PluginService } from '../../runtime/plugins/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const pluginShowCommand: CommandModule<GlobalArgs, Args<{ release: string }>> = {
  command: ['show <release>', 'get <release>', 'inspect <release>'],
  describe: 'Show a plugin release: description, digest, image, params schema, env defaults (secrets masked)',
  builder: (y) => y.positional('release', { type: 'string', demandOption: true, describe: 'code@version (or a code with one version)' }) as never,
  handler: async ({ ctx, release }) => {
    const r = new PluginService(ctx.rt).get(release);
    ctx.out.item(
      r,
      (v) => [
        ['release', v.release],
        ['description', v.description || '-'],
        ['digest', v.digest],
        ['image', v.image],
        ['source', v.source],
        ['added', v.createdAt],
        ['updated', v.updatedAt],
        ['env', Object.entries(v.env).map(([k, val]) => `${k}=${val}`).join(' ') || '-'],
        ['params', JSON.stringify(v.params)],
      ],
      (v) => v.release,
    );
  },
};
