// berth container update CONTAINER: resources in place; env, tags, image, ports by recreating under the same name.
import type { CommandModule } from 'yargs';
import { ContainerService } from '../../runtime/containers/index.js';
import { parseWholeNumber } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { collect, pullProgress } from './shared.js';
import { logLimitOptions, resourceOptions } from '../flag-groups.js';

interface UpdateArgs {
  container: string;
  /** Repeatable: yargs gives a string once, an array when repeated (not `array: true`, which would swallow the next positional). */
  env?: string | string[];
  unsetEnv?: string | string[];
  tag?: string | string[];
  clearTags?: boolean;
  cpus?: string;
  memory?: string;
  pids?: string;
  image?: string;
  port?: string | string[];
  clearPorts?: boolean;
  time?: string;
  logMaxSize?: string;
  logMaxFiles?: string;
  recreate?: boolean;
}

export const containerUpdateCommand: CommandModule<GlobalArgs, Args<UpdateArgs>> = {
  command: 'update <container>',
  describe: 'Change env, tags, resources, image or ports (recreates the container when Docker cannot change it in place)',
  builder: (y) =>
    y
      .positional('container', { type: 'string', demandOption: true, describe: 'Name, id or id prefix' })
      .option('env', { alias: 'e', type: 'string', describe: 'Add or change KEY=VALUE (repeatable)' })
      .option('unset-env', { type: 'string', describe: 'Remove a variable (repeatable)' })
      .option('tag', { type: 'string', describe: 'Replace the tags with these (repeatable)' })
      .option('clear-tags', { type: 'boolean', describe: 'Remove every tag' })
      .options(resourceOptions({ cpus: 'CPU limit (other limits are kept)', memory: 'Memory limit (other limits are kept)', pids: 'Process count limit (other limits are kept)' }))
      .option('image', { type: 'string', describe: 'Run this image instead' })
      .option('port', { alias: 'p', type: 'string', describe: 'Replace the published ports with these ([address:]host:container; loopback unless an address is given)' })
      .option('clear-ports', { type: 'boolean', describe: 'Unpublish every port' })
      .option('time', { alias: 't', type: 'string', describe: 'Grace seconds when the old container stops for a recreate' })
      .option('recreate', { type: 'boolean', describe: 'Recreate even when files written in the container (outside its mounts) would be lost' })
      .options(logLimitOptions({ maxSize: 'Largest log file before it rotates (recreates)', maxFiles: 'Log files kept (recreates)' }))
      .conflicts('tag', 'clear-tags')
      .conflicts('port', 'clear-ports') as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const r = await new ContainerService(ctx.rt).update(
      await ctx.rt.room(argv.room),
      argv.container,
      {
        env: argv.env !== undefined ? collect(argv.env) : undefined,
        unsetEnv: argv.unsetEnv !== undefined ? collect(argv.unsetEnv) : undefined,
        tags: argv.clearTags ? [] : argv.tag !== undefined ? collect(argv.tag) : undefined,
        cpus: argv.cpus,
        memory: argv.memory,
        pids: argv.pids,
        image: argv.image,
        ports: argv.clearPorts ? [] : argv.port !== undefined ? collect(argv.port) : undefined,
        time: argv.time !== undefined ? parseWholeNumber('--time', argv.time) : undefined,
        logMaxSize: argv.logMaxSize,
        logMaxFiles: argv.logMaxFiles,
        confirmRecreate: argv.recreate,
      },
      { signal: ctx.signal, onPull: pullProgress(ctx) },
    );
    const what = r.changed.join(', ');
    const message = r.recreated
      ? `recreated ${r.container.name} (Docker cannot change ${r.changed.filter((f) => ['env', 'tags', 'image', 'ports', 'logs'].includes(f)).join(', ')} in place): ${what} changed, new id ${r.container.id.slice(0, 12)} replaces ${r.previousId!.slice(0, 12)}`
      : `updated ${r.container.name} in place: ${what}`;
    ctx.out.done(message, r, r.container.id);
  },
};
