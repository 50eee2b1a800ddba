// berth container download CONTAINER PATH [--to FILE] [--format tar|zip] [--extract-to DIR]
import type { CommandModule } from 'yargs';
import { UsageError, formatBytes, plural } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { binaryStdout, transferProgress } from './transfer.js';

interface DownloadArgs {
  container: string;
  path: string;
  to?: string;
  format?: 'tar' | 'zip';
  extractTo?: string;
  allowExternalSymlinks: boolean;
}

export const containerDownloadCommand: CommandModule<GlobalArgs, Args<DownloadArgs>> = {
  command: 'download <container> <path>',
  describe: 'Copy a file (to stdout or --to) or a directory (as tar/zip, or unpacked with --extract-to) out of a container',
  builder: (y) =>
    y
      .positional('container', { type: 'string', demandOption: true, describe: 'Name, id or unique id prefix' })
      .positional('path', { type: 'string', demandOption: true, describe: 'Path in the container (relative: to its working directory); a trailing / follows a final symlink' })
      .option('to', { alias: 'O', type: 'string', describe: 'Write to this host file instead of stdout (into it, when it is a directory)' })
      .option('format', { choices: ['tar', 'zip'] as const, describe: 'Archive the path (a directory is always archived; default tar)' })
      .option('extract-to', { alias: 'x', type: 'string', describe: 'Unpack into this host directory (created when missing), all or nothing' })
      .option('allow-external-symlinks', { type: 'boolean', default: false, describe: 'With --extract-to: keep symlinks that point outside DIR (never written through)' })
      .conflicts('extract-to', ['to', 'format'])
      .example('$0 container download web /etc/hostname', 'a file to stdout')
      .example('$0 container download web /srv --format zip --to site.zip', 'a directory as a zip file')
      .example('$0 container download web /srv -x ./site', 'a directory unpacked into ./site') as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const room = await ctx.rt.room(argv.room);
    const files = await import('../../runtime/files/index.js');
    const progress = transferProgress(ctx, 'downloading');
    try {
      if (argv.extractTo) {
        const r = await files
          .downloadExtract(ctx.rt, room, argv.container, argv.path, argv.extractTo, {
            signal: ctx.signal,
            externalSymlinks: argv.allowExternalSymlinks ? 'keep' : 'refuse',
            onProgress: (b) => progress.update(b),
          })
          .catch((err: unknown) => {
            // The way out of the refusal, named where it is met (a distro's /bin is full of absolute links).
            if (err instanceof files.ArchiveRefusedError && / points outside the target directory$/.test(err.message)) {
              throw new files.ArchiveRefusedError(`${err.message.replace(/^archive refused: /, '')} (--allow-external-symlinks keeps such links as they are; they are never written through)`);
            }
            throw err;
          });
        progress.done();
        ctx.out.done(`extracted ${plural(r.files, 'file')}, ${plural(r.dirs, 'dir')}, ${plural(r.symlinks, 'symlink')} (${formatBytes(r.bytes)}) from ${r.container}:${r.path} into ${r.target}`, r);
        return;
      }
      const at = await files.resolveContainerPath(ctx.rt, room, argv.container, argv.path, ctx.signal);
      const toStdout = !argv.to;
      if (toStdout && ctx.out.json) throw new UsageError('--output json needs --to FILE or --extract-to DIR (stdout carries the data)');
      if (at.st.type === 'directory' || argv.format) {
        if (toStdout && ctx.io.stdout.isTTY) throw new UsageError(`refusing to write a ${argv.format ?? 'tar'} archive to the terminal: use --to FILE, --extract-to DIR or a pipe`);
        const r = await files.downloadArchive(ctx.rt, room, argv.container, argv.path, argv.to ?? binaryStdout(ctx), {
          format: argv.format ?? 'tar',
          signal: ctx.signal,
          onProgress: (b) => progress.update(b),
          at,
        });
        progress.done();
        if (r.skipped) ctx.out.note(`berth: ${r.skipped} hardlinks, devices or fifos are not representable in ${r.format} and were left out`);
        if (r.to) ctx.out.done(`wrote ${r.format} of ${r.container}:${r.path} (${formatBytes(r.bytes)}) to ${r.to}`, r);
        return;
      }
      const r = await files.downloadFile(ctx.rt, room, argv.container, argv.path, argv.to ?? binaryStdout(ctx), { signal: ctx.signal, onProgress: progress.update, at });
      progress.done();
      if (r.to) ctx.out.done(`wrote ${r.container}:${r.path} (${formatBytes(r.bytes)}) to ${r.to}`, r);
    } finally {
      progress.done();
    }
  },
};
