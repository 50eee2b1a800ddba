// Flag groups several commands take, for yargs' .options(): each flag's name, type and alias written once; each
// command keeps its own help line, since what a limit means differs (per container, per item, kept on update).
import type { Options } from 'yargs';

/** --cpus and --memory (-m), and --pids when the command describes it. */
export function resourceOptions(describe: { cpus: string; memory: string; pids?: string }): Record<string, Options> {
  return {
    cpus: { type: 'string', describe: describe.cpus },
    memory: { alias: 'm', type: 'string', describe: describe.memory },
    ...(describe.pids !== undefined ? { pids: { type: 'string', describe: describe.pids } } : {}),
  };
}

/** --log-max-size and --log-max-files: the bounded json-file logs of the containers a command creates. */
export function logLimitOptions(
  describe = { maxSize: 'Largest log file before it rotates (default 10m, config logs.maxSize)', maxFiles: 'Log files kept (default 3, config logs.maxFiles)' },
): Record<string, Options> {
  return {
    'log-max-size': { type: 'string', describe: describe.maxSize },
    'log-max-files': { type: 'string', describe: describe.maxFiles },
  };
}
