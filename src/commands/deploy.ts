// berth deploy [PATH] --tag T: create a room service from an image tag, or update it without downtime when it exists.
import type { CommandModule, Options } from 'yargs';
import { CLEARABLE, type DeployOptions, DeployFailedError, DeployService, type DeployEvent } from '../runtime/services/index.js';
import { UsageError, formatPorts, plural } from '../runtime/core/index.js';
import type { Args, CliContext, GlobalArgs } from './context.js';
import { collect, pullProgress } from './container/shared.js';
import { logLimitOptions, resourceOptions } from './flag-groups.js';

/** Options a flag gives as typed (one word each). */
type TypedOptions = 'path' | 'tag' | 'name' | 'identity' | 'token' | 'liveness' | 'livenessInterval' | 'domain' | 'restart' | 'cpus' | 'memory' | 'settle' | 'healthTimeout' | 'drain' | 'logMaxSize';
/** A repeatable flag: one value, or a list when it was given more than once. */
type Repeated = string | string[];

/** The command line's flags: DeployOptions' own where a flag gives one as typed, else the flag's raw values. */
type DeployFlags = Pick<DeployOptions, TypedOptions> & {
  env?: Repeated;
  envSecret?: Repeated;
  roomMount?: Repeated;
  projectMount?: Repeated;
  imageMount?: Repeated;
  clear?: Repeated;
  port?: Repeated;
  replicas?: string;
  logMaxFiles?: string;
};

/** Progress lines on stderr (quiet with --output json or -q); the phases are also what a killed deploy resumes from. */
export function deployProgress(ctx: CliContext) {
  if (ctx.out.json || ctx.out.options.quiet) return undefined;
  return (e: DeployEvent) => ctx.out.note(describeDeployEvent(e));
}

/** One progress line of a deploy, as the CLI and the dashboard show it. */
export function describeDeployEvent(e: DeployEvent): string {
  return `${e.service}${e.revision !== undefined ? ` r${e.revision}` : ''}: ${e.message}`;
}

/** A failed deploy shows why and the new container's last log lines (secret values redacted) before exiting non-zero. */
export function reportDeployFailure(ctx: CliContext, err: unknown): never {
  if (err instanceof DeployFailedError && err.logs.length) {
    ctx.out.note(`last ${plural(err.logs.length, 'log line')} of revision ${err.revision}:`);
    for (const line of err.logs) ctx.out.note(`  ${line}`);
  }
  throw err;
}

/** A repeatable flag's values, or undefined when it was not given (an update then keeps the setting). */
function given(value: unknown): string[] | undefined {
  return value === undefined ? undefined : collect(value);
}

/** The runtime's options from the command line's flags. */
function deployOptions(argv: DeployFlags): DeployOptions & { path?: string } {
  return {
    tag: argv.tag,
    name: argv.name,
    env: given(argv.env),
    envSecrets: given(argv.envSecret),
    roomMounts: given(argv.roomMount),
    projectMounts: given(argv.projectMount),
    imageMounts: given(argv.imageMount),
    identity: argv.identity,
    token: argv.token,
    clear: given(argv.clear),
    ports: given(argv.port),
    liveness: argv.liveness,
    livenessInterval: argv.livenessInterval,
    domain: argv.domain,
    replicas: argv.replicas,
    restart: argv.restart,
    cpus: argv.cpus,
    memory: argv.memory,
    settle: argv.settle,
    healthTimeout: argv.healthTimeout,
    drain: argv.drain,
    logMaxSize: argv.logMaxSize,
    logMaxFiles: argv.logMaxFiles,
    path: argv.path,
  };
}

/**
 * A deploy typed as one line (the dashboard's prompt): `[PATH] --tag T [options]`, the options and quoting of
 * `berth deploy`, checked by the same parser. Throws a UsageError naming what is wrong.
 */
export async function parseDeployLine(line: string): Promise<DeployOptions & { path?: string }> {
  const { default: yargs } = await import('yargs');
  let parsed: DeployFlags | undefined;
  await yargs()
    .command({ ...deployCommand, command: '$0 [path]', handler: (argv) => void (parsed = argv as unknown as DeployFlags) } as CommandModule)
    .strict()
    .help(false)
    .version(false)
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new UsageError(msg);
    })
    .parseAsync(line);
  if (!parsed) throw new UsageError('give the image: --tag IMAGE');
  return deployOptions(parsed);
}

/** Words as one line parseDeployLine reads back: a word with spaces or quotes is quoted. */
export function quoteWords(words: string[]): string {
  return words.map((w) => (w !== '' && !/[\s'"]/.test(w) ? w : w.includes("'") ? `"${w}"` : `'${w}'`)).join(' ');
}

/** Flags that each take a string, by name and help line (in this order in the help). */
function textOptions(describe: Record<string, string>): Record<string, Options> {
  return Object.fromEntries(Object.entries(describe).map(([flag, text]) => [flag, { type: 'string', describe: text }]));
}

export const deployCommand: CommandModule<GlobalArgs, Args<DeployFlags>> = {
  command: 'deploy [path]',
  describe: 'Create a service from an image tag, or update it without downtime (with PATH: build it first)',
  builder: (y) =>
    y
      .positional('path', { type: 'string', describe: 'Directory to build the image from (with its Dockerfile)' })
      .option('tag', { alias: 't', type: 'string', demandOption: true, describe: 'Image reference; the service name is its last path component' })
      .option('name', { type: 'string', describe: 'Service name (default: from the tag)' })
      .option('env', { alias: 'e', type: 'string', describe: 'KEY=VALUE (repeatable; secrets go in --env-secret)' })
      .options(
        textOptions({
          'env-secret': 'NAME=SECRET_ID: env NAME from a stored secret (repeatable)',
          'room-mount': 'SRC:DST[:ro], SRC in the room storage (repeatable)',
          'project-mount': 'SRC:DST[:ro], SRC in the project storage shared by all rooms (repeatable)',
          'image-mount': "IMAGE:DST, another image's files, read-only (repeatable)",
        }),
      )
      .option('identity', { type: 'string', describe: 'Agent the service acts as (labels, BERTH_AGENT, the token)' })
      .option('token', { type: 'boolean', describe: 'Inject a room token for the identity as BERTH_TOKEN (masked); an update keeps it unless --no-token' })
      .option('clear', {
        type: 'string',
        choices: [...CLEARABLE],
        describe: 'On an update, reset a setting the service had instead of keeping it (repeatable)',
      })
      .option('port', { alias: 'p', type: 'string', describe: 'Container port to publish, e.g. 8080 or 53/udp (repeatable; replaces the ports an update keeps)' })
      .options(
        textOptions({
          liveness: 'Health check: a shell command run in the container, or http:/PATH',
          'liveness-interval': 'How often the liveness command runs (default 2s)',
          domain: 'Host name berth proxy (and Traefik) route to the service; needs exactly one --port',
          replicas: 'Number of containers (default 1)',
          restart: 'Restart policy: no, always, unless-stopped (default), on-failure[:N]',
        }),
      )
      .options(resourceOptions({ cpus: 'CPU limit per container, e.g. 0.5', memory: 'Memory limit per container, e.g. 256m' }))
      .options(
        textOptions({
          settle: 'Without --liveness: how long the new container must run to count as healthy (default 3s)',
          'health-timeout': 'Give up on a new revision that is not healthy by then (default 60s)',
          drain: 'How long the old revision keeps running after the switch (default 2s)',
        }),
      )
      .options(logLimitOptions({ maxSize: 'Largest log file of each container before it rotates (default 10m, config logs.maxSize)', maxFiles: 'Log files kept per container (default 3, config logs.maxFiles)' })) as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const room = await ctx.rt.room(argv.room);
    const opts = deployOptions(argv);
    const service = new DeployService(ctx.rt);
    let result;
    try {
      result = await service.deploy(room, opts, {
        signal: ctx.signal,
        onEvent: deployProgress(ctx),
        onPull: pullProgress(ctx),
        onBuild: ctx.out.json || ctx.out.options.quiet ? undefined : (line) => ctx.out.note(line),
      });
    } catch (err) {
      reportDeployFailure(ctx, err);
    }
    const ports = formatPorts(result.ports);
    const what = result.previous !== null ? `updated service ${result.name} to revision ${result.revision} (was ${result.previous})` : `created service ${result.name} (revision ${result.revision})`;
    ctx.out.done(`${what} in room ${room}: ${result.image}${ports ? `, ${ports}` : ''}${result.domain ? `, domain ${result.domain}` : ''}`, result, result.name);
    if (!ctx.out.json && !ctx.out.options.quiet) for (const line of result.changes ?? []) ctx.out.line(`  ${line}`);
  },
};
