// Key bindings as data: the dispatcher and the footer/help both read this one table.
import type { Key } from 'ink';

export type Pane = 'rooms' | 'containers';

export type Command = 'quit' | 'help' | 'up' | 'down' | 'focus-next' | 'top' | 'bottom';

export interface Binding {
  keys: string[];
  command: Command;
  description: string;
  /** Where the binding applies; omitted means everywhere. */
  when?: Pane[];
  /** Shown in the footer (the help lists every binding). */
  footer?: boolean;
}

export const bindings: Binding[] = [
  { keys: ['up', 'k'], command: 'up', description: 'move up', footer: true },
  { keys: ['down', 'j'], command: 'down', description: 'move down', footer: true },
  { keys: ['g'], command: 'top', description: 'first row' },
  { keys: ['G'], command: 'bottom', description: 'last row' },
  { keys: ['tab'], command: 'focus-next', description: 'switch pane', footer: true },
  { keys: ['?'], command: 'help', description: 'help', footer: true },
  { keys: ['q', 'ctrl+c'], command: 'quit', description: 'quit', footer: true },
];

/** The name a keypress goes by in the table: 'up', 'tab', 'ctrl+c' or the character itself. */
export function keyName(input: string, key: Key): string {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.tab) return 'tab';
  if (key.return) return 'enter';
  if (key.escape) return 'escape';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.ctrl && input) return `ctrl+${input}`;
  return input;
}

export function resolveCommand(name: string, pane: Pane): Command | undefined {
  return bindings.find((b) => b.keys.includes(name) && (!b.when || b.when.includes(pane)))?.command;
}

export function footerText(pane: Pane): string {
  return bindings
    .filter((b) => b.footer && (!b.when || b.when.includes(pane)))
    .map((b) => `${b.keys[0]} ${b.description}`)
    .join('  ');
}
