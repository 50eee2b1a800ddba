// berth build [PATH] --tag T: build an image in the room from a local directory (or the room's storage) on the
// engine; the context is streamed, build output streams live, Ctrl+C stops the build, --push pushes the result.
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { baseImages, buildCredentialRegistry, buildImage, parseBuildArgs, parseLabels, roomStorageContext, type BuildEvent, type RegistryAuth, parseImageRef, parseRegistry, pushImage } from '../runtime/images/index.js';
import { UsageError, formatBytes, shortId, plural } from '../runtime/core/index.js';
import type { Args, CliContext, GlobalArgs } from './context.js';
import { collect } from './container/shared.js';
import { progressPrinter } from './image/progress.js';
import { authFromFlags, credentialOptions, type CredentialFlags } from './image/shared.js';

interface BuildFlags extends CredentialFlags {
  path?: string;
  tag?: string | string[];
  file?: string;
  buildArg?: string | string[];
  label?: string | string[];
  target?: string;
  cache: boolean;
  pull: boolean;
  push: boolean;
  fromRoomStorage?: string;
  registry?: string;
}

/** Build output for the terminal: upload progress on a TTY, step output on stdout (stderr with -o json). */
function buildPrinter(ctx: CliContext): { onEvent: (e: BuildEvent) => void; finish: () => void } {
  if (ctx.out.options.quiet) return { onEvent: () => {}, finish: () => {} };
  const logs = ctx.out.json ? ctx.io.stderr : ctx.io.stdout;
  const tty = Boolean(ctx.io.stderr.isTTY) && !ctx.out.json;
  let uploading = false;
  let sent: { bytes: number; files: number } | undefined;
  const endUpload = () => {
    if (!sent) return;
    if (uploading) ctx.io.stderr.write('\n');
    else if (!ctx.out.json) ctx.io.stderr.write(`sent build context: ${formatBytes(sent.bytes)} (${plural(sent.files, 'file')})\n`);
    uploading = false;
    sent = undefined;
  };
  const layers = new Map<string, string>();
  return {
    onEvent: (e) => {
      if (e.type === 'context') {
        sent = { bytes: e.bytes, files: e.files };
        if (tty) {
          uploading = true;
          ctx.io.stderr.write(`\r\x1b[Ksending build context: ${formatBytes(e.bytes)} (${plural(e.files, 'file')})`);
        }
        return;
      }
      endUpload();
      if (e.type === 'output') logs.write(e.text);
      else if (e.event.status && (!e.event.id || layers.get(e.event.id) !== e.event.status)) {
        if (e.event.id) layers.set(e.event.id, e.event.status);
        logs.write(`${e.event.id ? `${e.event.id}: ` : ''}${e.event.status}\n`);
      }
    },
    finish: endUpload,
  };
}

export const buildCommand: CommandModule<GlobalArgs, Args<BuildFlags>> = {
  command: 'build [path]',
  describe: 'Build an image in the room from a directory (.dockerignore honoured, context streamed); Ctrl+C stops the build',
  builder: (y) =>
    credentialOptions(
      y
        .positional('path', { type: 'string', describe: 'Context directory (default: the current directory)' })
        .option('tag', { alias: 't', type: 'string', describe: 'Name for the image, e.g. app:dev or 127.0.0.1:5000/app:1 (repeatable; required)' })
        .option('file', { alias: 'f', type: 'string', describe: 'Dockerfile (default PATH/Dockerfile; relative to the current directory)' })
        .option('build-arg', { type: 'string', describe: 'KEY=VALUE build argument, or KEY to take it from the environment (repeatable)' })
        .option('label', { type: 'string', describe: 'KEY=VALUE label on the image (repeatable)' })
        .option('target', { type: 'string', describe: 'Build up to this stage of a multi-stage Dockerfile' })
        .option('cache', { type: 'boolean', default: true, describe: 'Use the build cache (--no-cache builds every step anew)' })
        .option('pull', { type: 'boolean', default: false, describe: 'Always pull newer base images' })
        .option('push', { type: 'boolean', default: false, describe: 'Push every tag after a successful build' })
        .option('from-room-storage', { type: 'string', describe: 'Use this directory of the room\'s storage as the context instead of PATH' })
        .option('registry', { type: 'string', describe: 'The registry --username logs in to (default: the registry the first --tag names, else that of the first FROM line)' }),
    ) as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const room = await ctx.rt.room(argv.room);
    const tags = collect(argv.tag);
    if (tags.length === 0) throw new UsageError('a --tag is required (e.g. --tag app:dev)');
    const refs = tags.map((t) => parseImageRef(t, '--tag'));
    if (argv.fromRoomStorage !== undefined && argv.path !== undefined) throw new UsageError('give either PATH or --from-room-storage, not both');
    const context = argv.fromRoomStorage !== undefined ? roomStorageContext(ctx.rt, room, argv.fromRoomStorage) : path.resolve(argv.path ?? '.');
    const dockerfile = argv.file !== undefined ? path.resolve(argv.file) : undefined;
    const registry = argv.registry !== undefined ? parseRegistry(argv.registry) : buildCredentialRegistry(refs[0]!, baseImages(context, dockerfile));
    const auth = await authFromFlags(ctx, argv, registry);
    const authFor = (host: string): RegistryAuth | undefined => (auth && host === registry ? auth : undefined);
    const printer = buildPrinter(ctx);
    let result;
    try {
      result = await buildImage(ctx.rt, {
        room,
        context,
        tag: tags,
        dockerfile,
        buildArgs: parseBuildArgs(collect(argv.buildArg), ctx.io.env ?? process.env),
        labels: parseLabels(collect(argv.label)),
        target: argv.target,
        noCache: !argv.cache,
        pull: argv.pull,
        auth,
        signal: ctx.signal,
        onEvent: printer.onEvent,
      });
    } finally {
      printer.finish();
    }
    const pushed: { ref: string; digest?: string }[] = [];
    if (argv.push) {
      for (const ref of refs) {
        const progress = progressPrinter(ctx);
        try {
          pushed.push(await pushImage(ctx.rt, { room, ref: ref.original, auth: authFor(ref.registry), signal: ctx.signal, onEvent: progress.onEvent }));
        } finally {
          progress.finish();
        }
      }
    }
    const message = `built ${shortId(result.id)} as ${result.tags.join(', ')} in room ${room}${pushed.length ? `; pushed ${pushed.map((p) => p.ref).join(', ')}` : ''}`;
    ctx.out.done(message, { ...result, room, ...(argv.push ? { pushed } : {}) }, result.id);
  },
};
