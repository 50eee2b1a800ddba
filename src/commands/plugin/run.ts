// berth plugin run CODE@VERSION [--param K=V ...] [--params-file F] [--env K=V] [--metadata K=V] [--label L]
// [--log-max-size S --log-max-files N] [-d]
import type { CommandModule } from 'yargs';
import { CancelledError, CommandExitError, UsageError } from '../../runtime/core/index.js';
import { followUntilExit } from '../../runtime/containers/index.js';
import { runPlugin, ParamsError } from '../../runtime/plugins/index.js';
import { RecordService } from '../../runtime/records/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { collect, outputWriter } from '../container/shared.js';
import { logLimitOptions, resourceOptions } from '../flag-groups.js';

interface RunArgs {
  release: string;
  param?: string | string[];
  paramsFile?: string;
  env?: string | string[];
  metadata?: string | string[];
  label?: string | string[];
  name?: string;
  cpus?: string;
  memory?: string;
  agent?: string;
  logMaxSize?: string;
  logMaxFiles?: string;
  detach: boolean;
}

export const pluginRunCommand: CommandModule<GlobalArgs, Args<RunArgs>> = {
  command: 'run <release>',
  describe: 'Run a plugin release in the room with params (checked against its schema); builds its image when missing; creates a record',
  builder: (y) =>
    y
      .positional('release', { type: 'string', demandOption: true, describe: 'code@version' })
      .option('param', { alias: 'P', type: 'string', describe: 'KEY=VALUE param (repeatable; typed by the schema)' })
      .option('params-file', { type: 'string', describe: 'JSON file with the params object (--param wins)' })
      .option('env', { alias: 'e', type: 'string', describe: 'KEY=VALUE over the plugin\'s env defaults (repeatable)' })
      .option('metadata', { type: 'string', describe: 'KEY=VALUE kept with the record (repeatable)' })
      .option('label', { type: 'string', describe: 'Label for the record and tag for the container (repeatable)' })
      .option('name', { type: 'string', describe: 'Container name in the room (default <code>-<random>)' })
      .options(resourceOptions({ cpus: 'CPU limit, e.g. 0.5', memory: 'Memory limit, e.g. 256m' }))
      .option('agent', { type: 'string', describe: 'Who runs it (default: BERTH_AGENT, then config defaultAgent)' })
      .options(logLimitOptions())
      .option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'Print the record and return at once' }) as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const room = await ctx.rt.room(argv.room);
    const chatty = !ctx.out.json && !ctx.out.options.quiet;
    let result;
    try {
      result = await runPlugin(
        ctx.rt,
        room,
        argv.release,
        {
          params: collect(argv.param),
          paramsFile: argv.paramsFile,
          env: collect(argv.env),
          metadata: collect(argv.metadata),
          labels: collect(argv.label),
          name: argv.name,
          cpus: argv.cpus,
          memory: argv.memory,
          agent: argv.agent,
          logMaxSize: argv.logMaxSize,
          logMaxFiles: argv.logMaxFiles,
        },
        {
          signal: ctx.signal,
          // The build streams to stderr line by line (stdout stays the run's own output).
          onBuild: chatty
            ? (e) => {
                if (e.type === 'start') ctx.out.note(`building ${e.image}`);
                else if (e.type === 'wait') ctx.out.note(`waiting for another run's build of ${e.image}`);
                else if (e.type === 'output') ctx.io.stderr.write(e.text);
              }
            : undefined,
        },
      );
    } catch (err) {
      // One line per violation, then the summary line that carries exit code 2.
      if (err instanceof ParamsError) {
        for (const problem of err.problems) ctx.out.note(`berth: ${problem}`);
        throw new UsageError(`params for ${err.release} do not match its schema (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}): nothing was run`);
      }
      throw err;
    }
    const c = result.container;
    if (argv.detach || ctx.out.json) {
      ctx.out.done(`record ${result.record}: ${result.release} runs as ${c.name} (${c.id.slice(0, 12)})`, result, String(result.record));
      return;
    }
    if (chatty) ctx.out.note(`record ${result.record}: ${result.release} runs as ${c.name}`);
    let code: number;
    try {
      code = await followUntilExit(ctx.rt, c.id, { signal: ctx.signal, onOutput: outputWriter(ctx) });
    } catch (err) {
      if (ctx.signal.aborted) throw new CancelledError(`detached from ${c.name}; it keeps running (berth records delete ${result.record} stops it)`);
      throw err;
    }
    await new RecordService(ctx.rt).reconcile({ ids: [result.record] });
    if (code !== 0) throw new CommandExitError(code, `plugin ${result.release} (record ${result.record})`);
  },
};
