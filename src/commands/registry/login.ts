// berth registry login [REGISTRY] --username U --password-stdin: check the credentials through the engine and store
// them where docker login does (the registry's credential helper, else config.json).
import type { CommandModule } from 'yargs';
import { UsageError } from '../../runtime/core/index.js';
import { loginRegistry } from '../../runtime/images/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { credentialOptions, readStdin, type CredentialFlags } from '../image/shared.js';

export const registryLoginCommand: CommandModule<GlobalArgs, Args<CredentialFlags & { registry?: string }>> = {
  command: 'login [registry]',
  describe: 'Log in to a registry (default Docker Hub): --username with the password on stdin (--password-stdin)',
  builder: (y) => credentialOptions(y.positional('registry', { type: 'string', describe: 'Registry host[:port]' })) as never,
  handler: async (argv) => {
    const { ctx } = argv;
    if (argv.password !== undefined) throw new UsageError('--password is not accepted (it would show in process lists): pipe the password to --password-stdin');
    if (!argv.username) throw new UsageError('a --username is required (the password comes from stdin with --password-stdin)');
    if (!argv.passwordStdin) throw new UsageError('give the password on stdin with --password-stdin, e.g. printf %s "$PASS" | berth registry login HOST -u USER --password-stdin');
    const password = await readStdin(ctx);
    const r = await loginRegistry(ctx.rt, { registry: argv.registry, username: argv.username, password, signal: ctx.signal });
    ctx.out.done(`logged in to ${r.registry} as ${r.username} (stored in ${r.store})`, r, r.registry);
  },
};
