// The command groups as main loads them, for a command that walks the whole tree (__complete). main registers its
// loader here; this module imports no command, so no group imports main and main's table stays the one list.
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from './context.js';

export type Group = CommandModule<GlobalArgs, any>;

/**
 * A group whose commands load one by one (`verbs`, each a loader, in `--help` order): main loads only the one a
 * command line names when dist/commands.json lists them, else all of them (groupWith makes the group from those).
 */
export interface VerbGroup {
  command: string | readonly string[];
  aliases?: readonly string[] | string;
  describe: string | false;
  deprecated?: boolean | string;
  verbs: Record<string, () => Promise<Group>>;
  /** The message when no command is named (yargs' demandCommand). */
  demand: string;
}

export function isVerbGroup(group: Group | VerbGroup): group is VerbGroup {
  return 'verbs' in group;
}

/** The yargs command of a group whose commands are given, loaded or standing in for one (in `verbs` order). */
export function groupWith(group: VerbGroup, commands: Group[]): Group {
  return {
    command: group.command,
    ...(group.aliases !== undefined ? { aliases: group.aliases } : {}),
    describe: group.describe,
    ...(group.deprecated !== undefined ? { deprecated: group.deprecated } : {}),
    builder: (y) => commands.reduce((parser, command) => parser.command(command), y).demandCommand(1, group.demand) as never,
    handler: () => {},
  };
}

/** A group with every one of its commands loaded. */
export async function loadWholeGroup(group: Group | VerbGroup): Promise<Group> {
  return isVerbGroup(group) ? groupWith(group, await Promise.all(Object.values(group.verbs).map((load) => load()))) : group;
}

let loadGroups: (() => Promise<Group[]>) | undefined;

export function registerCommandGroups(load: () => Promise<Group[]>): void {
  loadGroups = load;
}

/** Every command group, in `berth --help` order. */
export function loadRegisteredGroups(): Promise<Group[]> {
  if (!loadGroups) throw new Error('no command groups registered (main registers them)');
  return loadGroups();
}
