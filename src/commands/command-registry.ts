// The command groups as main loads them, for a command that walks the whole tree (__complete). main registers its
// loader here; this module imports no command, so no group imports main and main's table stays the one list.
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from './context.js';

export type Group = CommandModule<GlobalArgs, any>;

let loadGroups: (() => Promise<Group[]>) | undefined;

export function registerCommandGroups(load: () => Promise<Group[]>): void {
  loadGroups = load;
}

/** Every command group, in `berth --help` order. */
export function loadRegisteredGroups(): Promise<Group[]> {
  if (!loadGroups) throw new Error('no command groups registered (main registers them)');
  return loadGroups();
}
