// The containers view's commands, by pane: each pane (rooms, table, logs, info, files) has a table of what its keys
// do, and the commands every pane of the view shares (container actions, tabs, back) are one more table. A command
// runs in the pane whose key context matched it, else in the shared table.
import { progressMessage, runContainerAction, type ContainerAction } from '../app/actions.js';
import type { DashboardState } from '../app/dashboard-store.js';
import { resolveBinding, type Command, type KeyContext } from '../app/keymap.js';
import { TABS, type UiState } from '../app/ui-state.js';
import { bodyHeight, listMove, type ViewApi } from '../app/view-layout.js';
import type { ContainerSummary } from '../runtime/containers/index.js';
import { visibleRowCount } from './ContainerTable.js';
import { containersLayout, derive, type ContainersData } from './containers-data.js';
import { infoLines } from './InfoPane.js';
import { roomEntries } from './RoomList.js';

/** What every command sees: the latest state (not the last render's) and the helpers the panes share. */
interface Ctx {
  command: Command;
  data: ContainersData;
  api: ViewApi;
  ui: UiState;
  state: DashboardState;
  room?: string;
  filtered: ContainerSummary[];
  cursor: number;
  current?: ContainerSummary;
  zoomed?: ContainerSummary;
  /** Lines a page of the pane moves (the log's height). */
  logRows: number;
  /** Rows a page of the table moves. */
  visible: number;
  status(text: string, tone?: 'info' | 'ok' | 'error'): void;
}

type Handler = (c: Ctx) => boolean | void;
type Table = Partial<Record<Command, Handler>>;

const MOVES: readonly Command[] = ['up', 'down', 'page-up', 'page-down', 'top', 'bottom'];

/** The same handler for every move command. */
function moves(handler: Handler): Table {
  return Object.fromEntries(MOVES.map((m) => [m, handler]));
}

/** A scroll step for a move command: one line, a page, or an end. */
function step(c: Ctx): number | 'top' | 'bottom' {
  if (c.command === 'top' || c.command === 'bottom') return c.command;
  return { up: -1, down: 1, 'page-up': -c.logRows, 'page-down': c.logRows }[c.command as 'up']!;
}

function moveCursor(c: Ctx, to: number): void {
  const index = Math.min(Math.max(0, to), Math.max(0, c.filtered.length - 1));
  c.data.dispatch({ type: 'cursor', id: c.filtered[index]?.id, index });
}

function scrollLog(c: Ctx, delta: number | 'top' | 'bottom'): void {
  const { first, end } = c.data.logs.getSnapshot();
  if (end === first || delta === 'bottom') return c.data.dispatch({ type: 'log-anchor', anchor: null });
  const lowest = Math.min(end - 1, first + c.logRows - 1);
  const next = delta === 'top' ? lowest : Math.max(lowest, (c.ui.logAnchor ?? end - 1) + delta);
  c.data.dispatch({ type: 'log-anchor', anchor: next >= end - 1 ? null : next });
}

function jumpToMatch(c: Ctx, term: string, from: number, dir: 1 | -1): void {
  if (!term) return;
  const { logs, dispatch } = c.data;
  const seq = logs.findMatch(term, from, dir);
  if (seq === undefined) return c.status(`no match for "${term}"`, 'error');
  dispatch({ type: 'log-anchor', anchor: seq });
  const { index, total } = logs.matchPosition(term, seq);
  c.status(`match ${index} of ${total} for "${term}"`);
}

/** What an action applies to: the zoomed container, else the selection (rows still listed), else the cursor row. */
function targets(c: Ctx): ContainerSummary[] {
  if (c.ui.zoom) return c.zoomed ? [c.zoomed] : [];
  const chosen = c.state.containers.filter((x) => c.ui.selected.has(x.id));
  if (chosen.length) return chosen;
  return c.current ? [c.current] : [];
}

function act(c: Ctx, action: ContainerAction, list: ContainerSummary[]): void {
  const { api, ui } = c;
  if (!c.room || !list.length) return c.status('no container to act on', 'error');
  if (!c.state.connected) return c.status(`cannot ${action}: the engine is not answering`, 'error');
  api.status(progressMessage(action, list));
  if (ui.selected.size) c.data.dispatch({ type: 'clear-selection' });
  void runContainerAction(api.rt, action, list, api.store.connection()).then((s) => api.status(s));
}

function askDelete(c: Ctx): void {
  const { api, ui, data } = c;
  const list = targets(c);
  if (!list.length) return c.status('no container to delete', 'error');
  const live = list.filter((t) => t.state === 'running' || t.state === 'paused' || t.state === 'restarting');
  return api.confirm({
    title: `Delete ${list.length === 1 ? list[0]!.name : `${list.length} containers`}?`,
    lines: [
      ...list.slice(0, 8).map((t) => `  ${t.name} (${t.state})`),
      ...(list.length > 8 ? [`  and ${list.length - 8} more`] : []),
      live.length === 0
        ? 'This cannot be undone.'
        : `${live.length === 1 && list.length === 1 ? 'It is' : `${live.length} are`} still running and will be killed first.`,
    ],
    onYes: () => {
      if (ui.zoom && list.some((t) => t.id === ui.zoom)) data.dispatch({ type: 'unzoom' });
      act(c, 'delete', list);
    },
    onNo: () => c.status('delete cancelled'),
  });
}

function openShell(c: Ctx): void {
  const { api, ui } = c;
  const { sessions } = api;
  const target = ui.zoom ? c.zoomed : c.current;
  if (!sessions || !target) return c.status('no container to open a session in', 'error');
  if (!c.state.connected) return c.status('cannot open a shell: the engine is not answering', 'error');
  if (target.state !== 'running') return c.status(`${target.name} is not running (${target.state})`, 'error');
  c.status(`opening a shell in ${target.name}…`);
  const { columns, rows } = api.size();
  // Keys typed from now on are the shell's: a fast typist's `echo …` must not restart the container through `r`.
  sessions.holdInput();
  void sessions.openContainer(target.room, target, { cols: columns, rows }).then(
    (s) => {
      c.status(`session ${s.id} in ${target.name}: S lists sessions`, 'ok');
      if (!sessions.requestAttach(s.id)) sessions.releaseInput();
    },
    (err: Error) => {
      sessions.releaseInput();
      c.status(err.message, 'error');
    },
  );
}

/** A prompt for a host path, then a transfer that reports on the status line. */
function transfer(c: Ctx, what: 'download' | 'upload', label: string, initial: string, run: (path: string) => Promise<string>, progress: (path: string) => string): void {
  c.api.prompt({
    label,
    initial,
    onSubmit: (text) => {
      if (!text.trim()) return c.status(`${what} cancelled`);
      c.status(progress(text.trim()));
      void run(text.trim()).then(
        (done) => c.status(done, 'ok'),
        (err: Error) => c.status(err.message.split('\n')[0]!, 'error'),
      );
    },
    onCancel: () => c.status(`${what} cancelled`),
  });
}

/** Commands of the view whichever of its panes has the keys (the table, or the zoomed container). */
const shared: Table = {
  'focus-next': (c) => c.data.dispatch({ type: 'focus-pane', pane: c.ui.pane === 'rooms' ? 'table' : 'rooms' }),
  back: (c) => {
    if (c.ui.zoom) return c.data.dispatch({ type: 'unzoom' });
    return false;
  },
  start: (c) => act(c, 'start', targets(c)),
  stop: (c) => act(c, 'stop', targets(c)),
  restart: (c) => act(c, 'restart', targets(c)),
  pause: (c) => act(c, 'pause', targets(c)),
  delete: askDelete,
  exec: openShell,
  'next-tab': (c) => c.data.dispatch({ type: 'tab', tab: TABS[(TABS.indexOf(c.ui.tab) + 1) % TABS.length]! }),
  'prev-tab': (c) => c.data.dispatch({ type: 'tab', tab: TABS[(TABS.indexOf(c.ui.tab) - 1 + TABS.length) % TABS.length]! }),
  'tab-logs': (c) => c.data.dispatch({ type: 'tab', tab: 'logs' }),
  'tab-stats': (c) => c.data.dispatch({ type: 'tab', tab: 'stats' }),
  'tab-info': (c) => c.data.dispatch({ type: 'tab', tab: 'info' }),
  'tab-files': (c) => c.data.dispatch({ type: 'tab', tab: 'files' }),
};

const roomsPane: Table = {
  ...moves((c) => {
    const rooms = roomEntries(c.state.rooms);
    const to = listMove(c.command, rooms.findIndex((r) => r.name === c.room), rooms.length);
    const next = to === undefined ? undefined : rooms[to];
    if (next) c.api.store.selectRoom(next.name);
  }),
  open: (c) => c.data.dispatch({ type: 'focus-pane', pane: 'table' }),
};

const tablePane: Table = {
  ...moves((c) => moveCursor(c, listMove(c.command, c.cursor, c.filtered.length, c.visible)!)),
  open: (c) => {
    if (c.current) c.data.dispatch({ type: 'zoom', id: c.current.id });
  },
  back: (c) => {
    if (c.ui.zoom || !(c.ui.selected.size || c.ui.filter)) return shared.back!(c);
    c.data.dispatch({ type: 'clear-selection' });
    return c.data.dispatch({ type: 'filter', text: '' });
  },
  filter: (c) => {
    const { dispatch } = c.data;
    return c.api.prompt({
      label: 'filter',
      initial: c.ui.filter,
      onChange: (text) => dispatch({ type: 'filter', text }),
      onSubmit: (text) => dispatch({ type: 'filter', text }),
      onCancel: () => dispatch({ type: 'filter', text: '' }),
    });
  },
  'toggle-select': (c) => {
    if (!c.current) return;
    c.data.dispatch({ type: 'toggle-select', id: c.current.id });
    return moveCursor(c, c.cursor + 1);
  },
};

const logsPane: Table = {
  ...moves((c) => scrollLog(c, step(c))),
  search: (c) => {
    const { logs, dispatch } = c.data;
    return c.api.prompt({
      label: 'search',
      initial: c.ui.logSearch,
      onSubmit: (text) => {
        dispatch({ type: 'log-search', text });
        // A new search starts from the newest line and goes back to the latest match.
        jumpToMatch(c, text, logs.getSnapshot().end, -1);
      },
    });
  },
  'search-next': (c) => {
    if (!c.ui.logSearch) return c.status('no search: press / first');
    return jumpToMatch(c, c.ui.logSearch, c.ui.logAnchor ?? c.data.logs.getSnapshot().end - 1, 1);
  },
  'search-prev': (c) => {
    if (!c.ui.logSearch) return c.status('no search: press / first');
    return jumpToMatch(c, c.ui.logSearch, c.ui.logAnchor ?? c.data.logs.getSnapshot().end - 1, -1);
  },
  timestamps: (c) => c.data.dispatch({ type: 'log-timestamps' }),
};

const infoPane: Table = moves((c) => {
  const s = step(c);
  const end = c.data.info.detail ? infoLines(c.data.info.detail).length : 0;
  c.data.dispatch({ type: 'info-scroll', to: s === 'top' ? 0 : s === 'bottom' ? end : c.ui.infoScroll + s });
});

const filesPane: Table = {
  ...moves((c) => {
    const { cursor, entries } = c.data.files.getSnapshot();
    const to = listMove(c.command, cursor, entries.length, c.logRows)!;
    c.data.files.move(to - cursor);
  }),
  open: (c) => {
    if (!c.data.files.enter()) c.status('not a directory: D downloads it');
  },
  back: (c) => (c.data.files.parent() ? undefined : shared.back!(c)),
  download: (c) => {
    const from = c.data.files.currentPath();
    const entry = c.data.files.current();
    if (!from || !entry) return c.status('nothing to download', 'error');
    return transfer(c, 'download', `download ${from} to`, `./${entry.name}`, (to) => c.data.files.download(to), () => `downloading ${from}…`);
  },
  upload: (c) => {
    const dir = c.data.files.getSnapshot().path;
    return transfer(c, 'upload', `upload into ${dir} from`, './', (local) => c.data.files.upload(local), (local) => `uploading ${local}…`);
  },
};

/** The pane tables by the key context that has the keys. */
const panes: Partial<Record<KeyContext, Table>> = { rooms: roomsPane, table: tablePane, logs: logsPane, info: infoPane, files: filesPane };

/** Runs a command of the containers view in the pane whose context matched the key (`top`). */
export function runContainersCommand(command: Command, data: ContainersData, api: ViewApi, top: KeyContext): boolean | void {
  const pane = panes[top];
  const handler = pane?.[command] ?? (MOVES.includes(command) ? undefined : shared[command]);
  if (!handler) return MOVES.includes(command) ? undefined : false;
  // Act on the latest state, not this render's: an earlier key of the same read (typing fast, a busy moment) may
  // have changed it, and a rerender may not have happened yet.
  const ui = data.uiNow();
  const state = api.store.current();
  const { room, filtered, cursor, current, zoomed } = derive(ui, state);
  const { columns, rows } = api.size();
  const layout = containersLayout(columns, bodyHeight(rows), roomEntries(state.rooms).length, Boolean(ui.zoom));
  return handler({
    command,
    data,
    api,
    ui,
    state,
    room,
    filtered,
    cursor,
    current,
    zoomed,
    logRows: Math.max(1, layout.contentHeight - 1),
    visible: visibleRowCount(layout.tableHeight),
    status: (text, tone = 'info') => api.status({ text, tone }),
  });
}

/** Commands that act on the container under the cursor (or the selection). */
const CONTAINER_COMMANDS: readonly Command[] = ['start', 'stop', 'restart', 'pause', 'delete', 'exec', 'toggle-select'];

/** Why a key does nothing in the pane that has the keys: a container's key in the room list names the way there. */
export function explainContainersKey(name: string, label: string, data: ContainersData): string | undefined {
  const ui = data.uiNow();
  if (ui.zoom || ui.pane !== 'rooms') return undefined;
  const command = resolveBinding(name, ['table'])?.binding.command;
  if (!command) return undefined;
  return CONTAINER_COMMANDS.includes(command)
    ? `${label}: select a container first (tab moves to the containers)`
    : `${label}: works in the containers list (tab moves there)`;
}
