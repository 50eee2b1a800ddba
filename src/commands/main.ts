// The root yargs parser: global options, command groups, and main(argv) which throws instead of exiting.
//
// Adding a command group: write src/commands/<group>.ts (exporting its CommandModule) and add one line to
// `commandGroups`: the group's name and a loader that imports it. Nothing else: the build (scripts/build.mjs)
// writes every group's command, aliases and describe to dist/commands.json, from which `berth --help`, --version and
// are answered without loading any group; a command line loads only the group it names. A group may load its own
// commands one by one (a VerbGroup, src/commands/command-registry.ts): the file then lists them too, and a command
// line loads only the one it names. Without that file (running from src/, as the tests do) every group and command
// is loaded, as before.
import yargs, { type Argv, type CommandModule } from 'yargs';
import { UsageError, resolvePaths, type Runtime, berthVersion } from '../runtime/core/index.js';
import type { CliContext, CliIo, GlobalArgs } from './context.js';
import { PIPE_HELP_WIDTH, readManifestFile } from './manifest.js';
import { Output } from './output.js';
import { groupWith, isVerbGroup, loadWholeGroup, registerCommandGroups, type Group, type VerbGroup } from './command-registry.js';
import { usageMessage, type KnownOptions } from './usage-errors.js';

export const commandGroups: Record<string, () => Promise<Group | VerbGroup>> = {
  health: async () => (await import('./health.js')).healthCommand,
  room: async () => (await import('./room.js')).roomCommand,
  container: async () => (await import('./container.js')).containerCommand,
  run: async () => (await import('./run.js')).runCommand,
  image: async () => (await import('./image.js')).imageCommand,
  build: async () => (await import('./build.js')).buildCommand,
  registry: async () => (await import('./registry.js')).registryCommand,
  storage: async () => (await import('./storage.js')).storageCommand,
  trust: async () => (await import('./trust.js')).trustCommand,
  agent: async () => (await import('./agent.js')).agentCommand,
  audit: async () => (await import('./audit.js')).auditCommand,
  completion: async () => (await import('./completion.js')).completionCommand,
  complete: async () => (await import('./complete.js')).completeCommand,
  shell: async () => (await import('./shell.js')).shellCommand,
  approvals: async () => (await import('./approvals.js')).approvalsCommand,
  secret: async () => (await import('./secret.js')).secretCommand,
  deploy: async () => (await import('./deploy.js')).deployCommand,
  service: async () => (await import('./service.js')).serviceCommand,
  proxy: async () => (await import('./proxy.js')).proxyCommand,
  plugin: async () => (await import('./plugin.js')).pluginCommand,
  records: async () => (await import('./records.js')).recordsCommand,
  serve: async () => (await import('./serve.js')).serveCommand,
  token: async () => (await import('./token.js')).tokenCommand,
};

/** Every command group, in `commandGroups` order (the order of `berth --help`). */
export async function loadCommands(): Promise<Group[]> {
  return Promise.all(Object.values(commandGroups).map(async (load) => loadWholeGroup(await load())));
}
registerCommandGroups(loadCommands);

/** A help line of a group or of one of its commands, as the build records it in dist/commands.json. */
interface HelpLine {
  command: Group['command'];
  aliases?: Group['aliases'];
  describe: Group['describe'];
  deprecated?: Group['deprecated'];
}

/** What a group's `--help` shows of one of its commands (a VerbGroup's). */
export interface VerbLine extends HelpLine {
  verb: string;
}

/** What `berth --help` shows of a group; a VerbGroup's commands too. */
export interface GroupLine extends HelpLine {
  group: string;
  verbs?: VerbLine[];
}

export async function commandManifest(): Promise<GroupLine[]> {
  const groups = await Promise.all(Object.values(commandGroups).map((load) => load()));
  return Promise.all(
    Object.keys(commandGroups).map(async (group, i) => {
      const g = groups[i]!;
      const { command, aliases, describe, deprecated } = g;
      if (!isVerbGroup(g)) return { group, command, aliases, describe, deprecated };
      const verbs = await Promise.all(
        Object.entries(g.verbs).map(async ([verb, load]) => {
          const v = await load();
          return { verb, command: v.command, aliases: v.aliases, describe: v.describe, deprecated: v.deprecated };
        }),
      );
      return { group, command, aliases, describe, deprecated, verbs };
    }),
  );
}

/** The manifest's group lines when they name exactly this bundle's groups (readManifestFile checks the build). */
export function readManifest(file?: URL, build?: string): GroupLine[] | undefined {
  const lines = (file ? readManifestFile(file, build) : readManifestFile())?.groups as GroupLine[] | undefined;
  if (!lines) return undefined;
  const names = Object.keys(commandGroups);
  return lines.length === names.length && lines.every((l, i) => l?.group === names[i] && (typeof l.describe === 'string' || l.describe === false)) ? lines : undefined;
}

/** The first words of a command line that are not global options or their values (the group and command it names). */
function firstWords(args: string[], count: number): string[] {
  const words: string[] = [];
  for (let i = 0; i < args.length && words.length < count; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (/^(--host|-H|--output|-o|--room|-r)$/.test(a)) i++;
    else if (!a.startsWith('-')) words.push(a);
  }
  return words;
}

/** Thrown when yargs enters a group or command that was only registered by its help line: main() then loads them all. */
class GroupNotLoaded extends Error {}

/** A group or command registered by its help line alone. */
function standIn(line: { command: Group['command']; aliases?: Group['aliases']; describe: Group['describe']; deprecated?: Group['deprecated'] }): Group {
  return {
    command: line.command,
    aliases: line.aliases,
    describe: line.describe,
    deprecated: line.deprecated,
    builder: () => {
      throw new GroupNotLoaded();
    },
    handler: () => {},
  };
}

const namedBy = (line: { command: Group['command']; aliases?: Group['aliases'] }, word: string | undefined) =>
  [line.command, line.aliases ?? []].flat().some((c) => String(c).split(/\s+/)[0] === word);

/** A VerbGroup with the command `word` names loaded and the rest as help lines; or with all of them loaded. */
async function verbsFor(group: VerbGroup, lines: VerbLine[] | undefined, word: string | undefined): Promise<Group> {
  const verbs = Object.keys(group.verbs);
  const named = Array.isArray(lines) && lines.length === verbs.length && lines.every((l, i) => l?.verb === verbs[i]) ? lines.find((l) => namedBy(l, word)) : undefined;
  // No command named, a typo, or a manifest that does not list this group's commands: every one, as before.
  if (!named) return loadWholeGroup(group);
  return groupWith(group, await Promise.all(lines!.map((line) => (line === named ? group.verbs[line.verb]!() : standIn(line)))));
}

/** The groups to register: the named one loaded, the rest as help lines; or every group loaded. */
async function groupsFor(args: string[], all: boolean): Promise<Group[]> {
  const manifest = all ? undefined : readManifest();
  if (!manifest) return loadCommands();
  const [word, verb] = firstWords(args, 2);
  const named = manifest.find((l) => namedBy(l, word));
  if (word !== undefined && !named) return loadCommands(); // a typo: yargs' suggestions and errors as before
  return Promise.all(
    manifest.map(async (line) => {
      if (line !== named) return standIn(line);
      const group = await commandGroups[line.group]!();
      return isVerbGroup(group) ? verbsFor(group, line.verbs, verb) : group;
    }),
  );
}

export interface MainOptions {
  io?: CliIo;
  signal?: AbortSignal;
  /** Called with the runtime once it exists, so the caller can close it. */
  onRuntime?: (rt: Runtime) => void;
  /** A foreground server (berth serve) says Ctrl+C / SIGTERM was its normal end: exit 0, not 130. */
  onSignalEnd?: () => void;
}

export function buildParser(args: string[], io: CliIo, signal: AbortSignal, onContext: (ctx: CliContext) => void, commands: Group[]): Argv<GlobalArgs> {
  const width = io.stdout.columns ?? PIPE_HELP_WIDTH;
  let parser = yargs(args)
    .scriptName('berth')
    .usage('$0 [command]\n\nRoom-scoped containers for people and AI agents. Run with no command on a terminal for the dashboard.')
    .option('host', { alias: 'H', type: 'string', describe: 'Docker engine (unix://, tcp://, ssh://); default DOCKER_HOST, docker context, local socket' })
    .option('output', { alias: 'o', choices: ['table', 'wide', 'json'] as const, default: 'table' as const, describe: 'Output format' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Print ids only' })
    .option('room', { alias: 'r', type: 'string', describe: 'Room (default BERTH_ROOM, then config)' })
    .option('debug', { type: 'boolean', default: false, describe: 'Print stack traces on errors' })
    .middleware(async (argv) => {
      // The runtime (engine, store, settings) loads only for a command that runs, not for --help or --version.
      const { Runtime } = await import('../runtime/core/index.js');
      const ctx: CliContext = {
        rt: new Runtime({ host: argv.host as string | undefined, env: io.env ?? process.env }),
        out: new Output(io.stdout, io.stderr, {
          format: argv.output as 'table' | 'wide' | 'json',
          quiet: Boolean(argv.quiet),
          columns: io.stdout.isTTY ? io.stdout.columns : undefined,
        }),
        io,
        signal,
      };
      onContext(ctx);
      (argv as unknown as GlobalArgs).ctx = ctx;
    })
    .version('version', 'Show berth version', berthVersion)
    .help('help')
    .alias('help', 'h')
    .strict()
    .demandCommand(1, 'name a command: berth --help lists them')
    .recommendCommands()
    .exitProcess(false)
    .wrap(Math.min(width, 120))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(usageMessage(msg, args, (parser as unknown as { getOptions(): KnownOptions }).getOptions()));
    }) as unknown as Argv<GlobalArgs>;
  for (const command of commands) parser = parser.command(command);
  return parser;
}

/** Runs one berth command line. Never exits the process: errors are thrown for bin/berth to map to exit codes. */
export async function main(args: string[], options: MainOptions = {}): Promise<void> {
  // process.stdin is made on first read (a file or pipe loads fs streams, ~8 ms): only a command that reads it pays.
  const io: CliIo = options.io ?? {
    stdout: process.stdout,
    stderr: process.stderr,
    get stdin() {
      return process.stdin;
    },
    env: process.env,
  };
  const signal = options.signal ?? new AbortController().signal;
  let ctx: CliContext | undefined;
  const parse = async (all: boolean) => {
    const parser = buildParser(args, io, signal, (c) => {
      ctx = c;
      if (options.onSignalEnd) c.signalEnd = options.onSignalEnd;
      options.onRuntime?.(c.rt);
    }, await groupsFor(args, all));
    let helpText = '';
    await parser.parseAsync(args, {}, (_err, _argv, output) => {
      helpText = output;
    });
    if (helpText) io.stdout.write(`${helpText}\n`);
  };
  try {
    try {
      await parse(false);
    } catch (err) {
      // The first word was not the command yargs found (a combined short flag ate a value): parse again with all.
      if (!(err instanceof GroupNotLoaded)) throw err;
      await parse(true);
    }
  } catch (err) {
    // Error messages are output too: a value echoed back (a URL, a token) is masked before anyone prints it.
    const env = io.env ?? process.env;
    const { Masker } = await import('../runtime/core/index.js');
    throw (ctx?.rt.mask ?? new Masker({ dataDir: resolvePaths(env).dataDir, env })).error(err);
  } finally {
    ctx?.rt.close();
  }
}
