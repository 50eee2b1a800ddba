// berth container upload-and-run CONTAINER [--file ...] [--dir D] [--archive F] [--dest P] [--detach] -- CMD...
import type { CommandModule } from 'yargs';
import { BerthError, CommandExitError, parseDuration, parseEnvList, plural } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { collect, outputWriter, trailingCommand } from './shared.js';
import { parseFileSpec, transferProgress } from './transfer.js';

interface UploadRunArgs {
  container: string;
  cmd?: (string | number)[];
  _: (string | number)[];
  file?: string | string[];
  dir?: string;
  archive?: string;
  dest?: string;
  detach: boolean;
  env?: string | string[];
  user?: string;
  timeout?: string;
}

export const containerUploadAndRunCommand: CommandModule<GlobalArgs, Args<UploadRunArgs>> = {
  command: 'upload-and-run <container> [cmd..]',
  describe: 'Upload files into a running container, then run a command there (in --dest), streaming its output and exit code',
  builder: (y) =>
    y
      .positional('container', { type: 'string', demandOption: true, describe: 'Name, id or unique id prefix' })
      .positional('cmd', { type: 'string', array: true, describe: 'Command and arguments (after --)' })
      .option('file', { type: 'string', describe: 'LOCAL[:REMOTE] file, REMOTE relative to --dest (repeatable)' })
      .option('dir', { type: 'string', describe: 'Host directory whose contents go into --dest' })
      .option('archive', { alias: 'a', type: 'string', describe: 'A zip or tar to unpack into --dest; - reads stdin' })
      .option('dest', { type: 'string', describe: 'Directory in the container, also the command\'s working directory (default: the container\'s)' })
      .option('detach', { alias: ['d', 'D'], type: 'boolean', default: false, describe: 'Start the command and return at once (-D: the old spelling)' })
      .option('env', { alias: 'e', type: 'string', describe: 'KEY=VALUE for the command (repeatable)' })
      .option('user', { alias: 'u', type: 'string', describe: 'User (name or uid[:gid])' })
      .option('timeout', { type: 'string', describe: 'Kill the command after this long (30, 500ms, 5m): exit code 7' })
      .example('$0 container upload-and-run py --file job.py --file data.csv -- python job.py data.csv', '') as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const room = await ctx.rt.room(argv.room);
    const cmd = trailingCommand({ _: argv._, command: argv.cmd }, 2);
    const envList = collect(argv.env);
    const timeout = argv.timeout !== undefined ? parseDuration(argv.timeout) : undefined;
    const progress = transferProgress(ctx, 'uploading');
    const printer = ctx.out.json ? undefined : outputWriter(ctx);
    const stdin = ctx.io.stdin;
    const { uploadAndRun } = await import('../../runtime/files/index.js');
    const result = await uploadAndRun(ctx.rt, room, argv.container, {
      command: cmd,
      files: collect(argv.file).map(parseFileSpec),
      dir: argv.dir,
      archive: argv.archive === '-' ? (stdin as NodeJS.ReadStream) : argv.archive,
      dest: argv.dest,
      detach: argv.detach,
      env: envList.length ? parseEnvList(envList) : undefined,
      user: argv.user,
      timeout,
      signal: ctx.signal,
      onProgress: progress.update,
      onOutput: printer
        ? (s, chunk) => {
            progress.done();
            printer(s, chunk);
          }
        : undefined,
    }).finally(progress.done);
    if (argv.detach) {
      ctx.out.done(`uploaded ${plural(result.upload.files, 'file')} to ${result.upload.container.name}:${result.upload.dest} and started ${cmd.join(' ')} (exec ${result.execId?.slice(0, 12)})`, result, result.execId);
      return;
    }
    if (ctx.out.json) ctx.out.jsonLine({ upload: result.upload, stdout: result.stdout, stderr: result.stderr, exit_code: result.exitCode, ...(result.timedOut ? { timed_out: true } : {}) }, 2);
    if (result.timedOut) throw new BerthError(`the command timed out after ${argv.timeout} and was killed`, 'timeout');
    if (result.exitCode) throw new CommandExitError(result.exitCode);
  },
};
