// Key bindings as data: the one dispatcher, the footer and the help overlay all read this table.
import type { Key } from 'ink';

/**
 * Where a binding applies. The App computes the active contexts in priority order (a modal first, then a text
 * input, then the focused view, then 'global'); the first context with a binding for the key wins.
 */
export type KeyContext =
  | 'help' // the help overlay (modal)
  | 'confirm' // a confirmation modal
  | 'input' // a text input (palette, table filter, log search): unbound printable keys are typed
  | 'rooms' // containers view, room list focused
  | 'table' // containers view, container table focused
  | 'container' // a container zoomed full screen, any tab
  | 'logs'
  | 'stats'
  | 'info'
  | 'files' // a container's Files tab, zoomed
  | 'sessions' // the exec Sessions view
  | 'records' // the container Records view
  | 'images' // the Images view's list
  | 'image-detail' // one image full screen (history, layers, labels)
  | 'image-build' // the dashboard's build, its output streaming full screen
  | 'agents' // the Agents view
  | 'approvals' // the Approvals view, the queue
  | 'approval' // one approval request full screen (narrow terminals)
  | 'services' // the Services view
  | 'service-deploy' // the dashboard's deploy, its progress streaming full screen
  | 'audit' // the Audit view
  | 'global';

export type Command =
  | 'quit'
  | 'help'
  | 'close'
  | 'up'
  | 'down'
  | 'page-up'
  | 'page-down'
  | 'top'
  | 'bottom'
  | 'focus-next'
  | 'open'
  | 'back'
  | 'filter'
  | 'toggle-select'
  | 'start'
  | 'stop'
  | 'restart'
  | 'pause'
  | 'delete'
  | 'next-tab'
  | 'prev-tab'
  | 'tab-logs'
  | 'tab-stats'
  | 'tab-info'
  | 'search'
  | 'search-next'
  | 'search-prev'
  | 'timestamps'
  | 'confirm-yes'
  | 'confirm-no'
  | 'input-submit'
  | 'input-cancel'
  | 'input-backspace'
  | 'exec'
  | 'close-session'
  | 'palette'
  | 'input-complete'
  | 'goto'
  | 'tab-files'
  | 'download'
  | 'upload'
  | 'pull'
  | 'tag'
  | 'toggle-all'
  | 'build'
  | 'show-build'
  | 'cancel-build'
  | 'approve'
  | 'deny'
  | 'approve-trust'
  | 'rollback'
  | 'deploy'
  | 'show-deploy'
  | 'cancel-deploy';

export interface Binding {
  keys: string[];
  command: Command;
  description: string;
  /** Contexts the binding applies in; omitted means 'global'. */
  when?: KeyContext[];
  /** What the footer shows for it, if anything (the help lists every binding in full). */
  footer?: string;
  /** For 'goto': the view it opens, by id or by its 1-based place in the tab bar. */
  target?: string;
}

const VIEW: KeyContext[] = ['table', 'container'];

export const bindings: Binding[] = [
  // Services view (deploy).
  { keys: ['D'], command: 'deploy', description: "deploy into the room (asks for the berth deploy options; the selected service's spec is filled in)", when: ['services'], footer: 'D deploy' },
  { keys: ['O'], command: 'show-deploy', description: "show the last deploy's progress", when: ['services'] },
  { keys: ['x'], command: 'cancel-deploy', description: 'stop the deploy (the running revision keeps serving)', when: ['service-deploy'], footer: 'x stop deploy' },
  { keys: ['escape', 'left'], command: 'back', description: 'back', when: ['service-deploy'], footer: 'esc back' },
  { keys: ['R'], command: 'rollback', description: 'roll the service back to its previous spec (asks first)', when: ['services'], footer: 'R rollback' },
  { keys: ['d'], command: 'delete', description: 'remove the service (asks first)', when: ['services'], footer: 'd remove' },
  // Modals and inputs first: they take keys before anything else.
  { keys: ['?', 'escape', 'q'], command: 'close', description: 'close help', when: ['help'] },
  { keys: ['y'], command: 'confirm-yes', description: 'confirm', when: ['confirm'], footer: 'y confirm' },
  { keys: ['n', 'escape'], command: 'confirm-no', description: 'cancel', when: ['confirm'], footer: 'n cancel' },
  { keys: ['enter'], command: 'input-submit', description: 'apply', when: ['input'], footer: 'enter apply' },
  { keys: ['escape'], command: 'input-cancel', description: 'cancel', when: ['input'], footer: 'esc cancel' },
  { keys: ['tab'], command: 'input-complete', description: 'complete', when: ['input'] },
  { keys: ['backspace'], command: 'input-backspace', description: 'delete a character', when: ['input'] },
  // Moving around.
  { keys: ['up', 'k'], command: 'up', description: 'move up / scroll', when: ['rooms', 'table', 'logs', 'info', 'sessions', 'images', 'image-detail', 'agents', 'approvals', 'records', 'files', 'services', 'audit'], footer: '↑↓ move' },
  { keys: ['down', 'j'], command: 'down', description: 'move down / scroll', when: ['rooms', 'table', 'logs', 'info', 'sessions', 'images', 'image-detail', 'agents', 'approvals', 'records', 'files', 'services', 'audit'] },
  { keys: ['pageup', 'ctrl+u'], command: 'page-up', description: 'page up', when: ['table', 'logs', 'info', 'images', 'image-detail', 'records', 'files', 'audit'] },
  { keys: ['pagedown', 'ctrl+d'], command: 'page-down', description: 'page down', when: ['table', 'logs', 'info', 'images', 'image-detail', 'records', 'files', 'audit'] },
  { keys: ['g'], command: 'top', description: 'first row / oldest line', when: ['rooms', 'table', 'logs', 'info', 'sessions', 'images', 'image-detail', 'agents', 'approvals', 'records', 'files', 'services', 'audit'] },
  { keys: ['G'], command: 'bottom', description: 'last row / follow the log', when: ['rooms', 'table', 'logs', 'info', 'sessions', 'images', 'image-detail', 'agents', 'approvals', 'records', 'files', 'services', 'audit'] },
  { keys: ['tab'], command: 'focus-next', description: 'switch pane', when: ['rooms', 'table'], footer: 'tab pane' },
  { keys: ['enter', 'right', 'l'], command: 'open', description: 'open: the room\'s containers / the container full screen', when: ['rooms', 'table'], footer: 'enter open' },
  { keys: ['enter', 'right', 'l'], command: 'open', description: 'open the directory under the cursor', when: ['files'], footer: 'enter open' },
  { keys: ['escape', 'left', 'backspace'], command: 'back', description: 'up one directory (at / : back)', when: ['files'], footer: 'esc up' },
  { keys: ['escape', 'left'], command: 'back', description: 'back', when: ['container', 'approval'], footer: 'esc back' },
  { keys: ['escape'], command: 'back', description: 'clear filter and selection, else back', when: ['table', 'records'] },
  // The container table and the detail view act on containers.
  { keys: ['/'], command: 'filter', description: 'filter containers / audit entries', when: ['table', 'audit'], footer: '/ filter' },
  { keys: [' '], command: 'toggle-select', description: 'select / unselect', when: ['table'], footer: 'space select' },
  { keys: ['s'], command: 'start', description: 'start', when: VIEW, footer: 's start' },
  { keys: ['x'], command: 'stop', description: 'stop', when: VIEW, footer: 'x stop' },
  { keys: ['r'], command: 'restart', description: 'restart', when: VIEW, footer: 'r restart' },
  { keys: ['p'], command: 'pause', description: 'pause / unpause', when: VIEW, footer: 'p pause' },
  { keys: ['d'], command: 'delete', description: 'delete (asks first)', when: VIEW, footer: 'd delete' },
  { keys: ['e'], command: 'exec', description: 'shell in the container (a session)', when: VIEW, footer: 'e shell' },
  // Exec sessions.
  { keys: ['enter'], command: 'open', description: 'attach (Ctrl+] comes back)', when: ['sessions'], footer: 'enter attach' },
  { keys: ['x'], command: 'close-session', description: 'end the session', when: ['sessions'], footer: 'x end' },
  // Images.
  { keys: ['enter', 'right', 'l'], command: 'open', description: 'open: the image full screen (history, layers, labels)', when: ['images'], footer: 'enter open' },
  { keys: ['escape', 'left'], command: 'back', description: 'back', when: ['image-detail', 'image-build'], footer: 'esc back' },
  { keys: ['b'], command: 'build', description: 'build a directory into the room (asks for the directory and tag)', when: ['images'], footer: 'b build' },
  { keys: ['B'], command: 'show-build', description: 'show the last build\'s output', when: ['images'] },
  { keys: ['x'], command: 'cancel-build', description: 'stop the build on the engine', when: ['image-build'], footer: 'x stop build' },
  { keys: ['escape'], command: 'back', description: 'clear the filter, else back', when: ['images'] },
  { keys: ['/'], command: 'filter', description: 'filter images', when: ['images'], footer: '/ filter' },
  { keys: ['p'], command: 'pull', description: 'pull an image into the room', when: ['images'], footer: 'p pull' },
  { keys: ['t'], command: 'tag', description: 'tag the image', when: ['images', 'image-detail'], footer: 't tag' },
  { keys: ['d'], command: 'delete', description: 'delete the image (asks first)', when: ['images', 'image-detail'], footer: 'd delete' },
  { keys: ['a'], command: 'toggle-all', description: 'the room\'s images / every image on the engine', when: ['images'], footer: 'a all' },
  // The approval queue: a person's decisions.
  { keys: ['enter', 'right', 'l'], command: 'open', description: 'the request in full', when: ['approvals'], footer: 'enter open' },
  { keys: ['a'], command: 'approve', description: 'approve the request: its caller runs it', when: ['approvals', 'approval'], footer: 'a approve' },
  { keys: ['d'], command: 'deny', description: 'deny the request: its caller exits 6', when: ['approvals', 'approval'], footer: 'd deny' },
  { keys: ['t'], command: 'approve-trust', description: 'approve and trust: shows the suggested pattern, y saves it', when: ['approvals', 'approval'], footer: 't approve+trust' },
  // Container records.
  { keys: ['enter'], command: 'open', description: 'open the record\'s container (full screen)', when: ['records'], footer: 'enter container' },
  { keys: ['/'], command: 'filter', description: 'filter records', when: ['records'], footer: '/ filter' },
  { keys: ['d'], command: 'delete', description: 'delete the record and its container (asks first)', when: ['records'], footer: 'd delete' },
  // The detail view's tabs.
  { keys: ['tab', ']'], command: 'next-tab', description: 'next tab (logs, stats, info, files)', when: ['container'], footer: 'tab/1-4 tabs' },
  { keys: ['shift+tab', '['], command: 'prev-tab', description: 'previous tab', when: ['container'] },
  { keys: [']'], command: 'next-tab', description: 'next tab of the right-hand pane', when: ['table'], footer: '[ ] pane tab' },
  { keys: ['['], command: 'prev-tab', description: 'previous tab of the right-hand pane', when: ['table'] },
  { keys: ['1'], command: 'tab-logs', description: 'logs tab', when: ['container'] },
  { keys: ['2'], command: 'tab-stats', description: 'stats tab', when: ['container'] },
  { keys: ['3'], command: 'tab-info', description: 'info tab', when: ['container'] },
  { keys: ['4'], command: 'tab-files', description: 'files tab', when: ['container'] },
  { keys: ['D'], command: 'download', description: 'download the file or directory under the cursor to a host path', when: ['files'], footer: 'D download' },
  { keys: ['U'], command: 'upload', description: 'upload a host file or directory here', when: ['files'], footer: 'U upload' },
  { keys: ['/'], command: 'search', description: 'search the log', when: ['logs'], footer: '/ search' },
  { keys: ['n'], command: 'search-next', description: 'next match', when: ['logs'], footer: 'n/N match' },
  { keys: ['N'], command: 'search-prev', description: 'previous match', when: ['logs'] },
  { keys: ['t'], command: 'timestamps', description: 'show / hide timestamps', when: ['logs'], footer: 't times' },
  // Everywhere: switching views (k9s's palette, lazydocker's numbered panels) and going back.
  { keys: [':'], command: 'palette', description: 'go to a view by name (tab completes)', footer: ': view' },
  ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((n): Binding => ({ keys: [String(n)], command: 'goto', target: String(n), description: `view ${n} of the tab bar`, ...(n === 1 ? { footer: '1-9 views' } : {}) })),
  { keys: ['S'], command: 'goto', target: 'sessions', description: 'exec sessions' },
  { keys: ['A'], command: 'goto', target: 'approvals', description: 'approval queue' },
  { keys: ['escape', 'backspace'], command: 'back', description: 'back to the previous view' },
  { keys: ['?'], command: 'help', description: 'help', footer: '? help' },
  { keys: ['q', 'ctrl+c'], command: 'quit', description: 'quit', footer: 'q quit' },
  // Ctrl+C quits even while a modal or a text input has the keys.
  { keys: ['ctrl+c'], command: 'quit', description: 'quit', when: ['help', 'confirm', 'input'] },
];

/** The name a keypress goes by in the table: 'up', 'tab', 'ctrl+c' or the character itself. */
export function keyName(input: string, key: Key): string {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.tab) return key.shift ? 'shift+tab' : 'tab';
  if (key.return) return 'enter';
  if (key.escape) return 'escape';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.backspace || key.delete) return 'backspace';
  if (key.ctrl && input) return `ctrl+${input}`;
  return input;
}

function applies(binding: Binding, context: KeyContext): boolean {
  return binding.when ? binding.when.includes(context) : context === 'global';
}

/** The binding for a key in the active contexts (highest priority first) and the context it matched in. */
export function resolveBinding(name: string, contexts: readonly KeyContext[]): { binding: Binding; context: KeyContext } | undefined {
  for (const context of contexts) {
    const binding = bindings.find((b) => b.keys.includes(name) && applies(b, context));
    if (binding) return { binding, context };
  }
  return undefined;
}

export function resolveCommand(name: string, contexts: readonly KeyContext[]): Command | undefined {
  return resolveBinding(name, contexts)?.binding.command;
}

/** The bindings in effect, first context first, one per command (a later context's duplicate key is shadowed). */
export function activeBindings(contexts: readonly KeyContext[]): Binding[] {
  const seen = new Set<string>();
  const out: Binding[] = [];
  for (const context of contexts) {
    for (const b of bindings) {
      const id = b.target ? `${b.command}:${b.target}` : b.command;
      if (!applies(b, context) || seen.has(id)) continue;
      seen.add(id);
      out.push(b);
    }
  }
  return out;
}

const display: Record<string, string> = {
  ' ': 'space',
  escape: 'esc',
  up: '↑',
  down: '↓',
  left: '←',
  right: '→',
  pageup: 'PgUp',
  pagedown: 'PgDn',
};

export function keyLabel(key: string): string {
  return display[key] ?? key;
}

export function footerText(contexts: readonly KeyContext[]): string {
  const footers = activeBindings(contexts).flatMap((b) => (b.footer ? [b.footer] : []));
  return [...new Set(footers)].join('  ');
}

/** The help overlay's groups: each command once, with every key bound to it outside modals. */
export const helpGroups: { title: string; commands: Command[] }[] = [
  { title: 'General', commands: ['help', 'quit'] },
  { title: 'Views', commands: ['palette', 'goto', 'back'] },
  { title: 'Move', commands: ['up', 'down', 'page-up', 'page-down', 'top', 'bottom', 'focus-next', 'open'] },
  { title: 'Containers', commands: ['filter', 'toggle-select', 'start', 'stop', 'restart', 'pause', 'delete'] },
  { title: 'Container view', commands: ['next-tab', 'prev-tab', 'tab-logs', 'tab-stats', 'tab-info', 'tab-files'] },
  { title: 'Files', commands: ['download', 'upload'] },
  { title: 'Logs', commands: ['search', 'search-next', 'search-prev', 'timestamps'] },
  { title: 'Sessions', commands: ['exec', 'close-session'] },
  { title: 'Images', commands: ['pull', 'tag', 'toggle-all', 'build', 'show-build', 'cancel-build'] },
  { title: 'Approvals', commands: ['approve', 'deny', 'approve-trust'] },
  { title: 'Services', commands: ['deploy', 'show-deploy', 'cancel-deploy', 'rollback'] },
];

export function helpEntry(command: Command): { keys: string[]; description: string } {
  const matching = bindings.filter((b) => b.command === command && !b.when?.every((w) => w === 'help' || w === 'confirm' || w === 'input'));
  const keys = [...new Set(matching.flatMap((b) => b.keys))];
  if (command === 'goto') return { keys: ['1-9', 'S'], description: 'open a view of the tab bar (S: sessions)' };
  return { keys, description: matching[0]?.description ?? command };
}
