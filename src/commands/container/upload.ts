// berth container upload CONTAINER [DIR] [--file LOCAL[:REMOTE]]... [--archive F|-] [--dest PATH]
import type { CommandModule } from 'yargs';
import { formatBytes, plural } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { collect } from './shared.js';
import { parseFileSpec, transferProgress } from './transfer.js';

interface UploadArgs {
  container: string;
  dir?: string;
  file?: string | string[];
  archive?: string;
  dest?: string;
}

export const containerUploadCommand: CommandModule<GlobalArgs, Args<UploadArgs>> = {
  command: 'upload <container> [dir]',
  describe: 'Copy a directory, files, or a zip/tar (a file or stdin) into a container, running or stopped',
  builder: (y) =>
    y
      .positional('container', { type: 'string', demandOption: true, describe: 'Name, id or unique id prefix' })
      .positional('dir', { type: 'string', describe: 'Host directory whose contents go into --dest' })
      .option('file', { type: 'string', describe: 'LOCAL[:REMOTE] file, REMOTE relative to --dest (repeatable)' })
      .option('archive', { alias: 'a', type: 'string', describe: 'A zip or tar (.tar.gz too) to unpack into --dest; - reads stdin' })
      .option('dest', { type: 'string', describe: "Directory in the container (default: its working directory; created when missing)" })
      .example('$0 container upload web ./site --dest /srv', 'the contents of ./site into /srv')
      .example('$0 container upload web --file run.sh --file conf.json:etc/app.json', 'two files into the working directory')
      .example('tar c . | $0 container upload web --dest /src', 'an archive from stdin') as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const room = await ctx.rt.room(argv.room);
    const files = collect(argv.file).map(parseFileSpec);
    const stdin = ctx.io.stdin;
    const fromStdin = argv.archive === '-' || (!argv.dir && !files.length && argv.archive === undefined && stdin !== undefined && !stdin.isTTY);
    const progress = transferProgress(ctx, 'uploading');
    const { uploadToContainer } = await import('../../runtime/files/index.js');
    const result = await uploadToContainer(ctx.rt, room, argv.container, {
      dir: argv.dir,
      files,
      archive: fromStdin ? (stdin as NodeJS.ReadStream) : argv.archive,
      dest: argv.dest,
      signal: ctx.signal,
      onProgress: progress.update,
    }).finally(progress.done);
    const what = [result.files && plural(result.files, 'file'), result.dirs && plural(result.dirs, 'dir'), result.symlinks && plural(result.symlinks, 'symlink')].filter(Boolean).join(', ') || 'nothing';
    ctx.out.done(`uploaded ${what} (${formatBytes(result.bytes)}) to ${result.container.name}:${result.dest}`, result, result.container.id);
  },
};
