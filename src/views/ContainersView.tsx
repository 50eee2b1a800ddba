// The containers view (lazydocker's layout): rooms and the room's containers on the left, the container under the
// cursor's live pane (logs, stats or info) on the right without pressing enter; enter zooms the pane full screen.
import React, { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { Box } from 'ink';
import { progressMessage, runContainerAction, type ContainerAction } from '../app/actions.js';
import { ALL_ROOMS, type DashboardState } from '../app/dashboard-store.js';
import { FilesBrowser, type FilesSnapshot } from '../app/files-browser.js';
import { trackStore } from '../app/live-stores.js';
import type { KeyContext } from '../app/keymap.js';
import { LogStore, type LogSnapshot } from '../app/log-store.js';
import { ContainerStatsStore, type StatsSnapshot } from '../app/stats-store.js';
import { TABS, initialUiState, uiReducer, type UiAction, type UiState } from '../app/ui-state.js';
import { useContainerDetail, useDashboardState, useLogSnapshot, useMinuteClock, useStatsSnapshot } from '../app/use-dashboard.js';
import { bodyHeight, type DashboardView, type ViewApi, type ViewProps } from '../app/view-layout.js';
import type { ContainerDetail as Detail, ContainerSummary } from '../runtime/containers/index.js';
import { ContainerDetail } from './ContainerDetail.js';
import { ContainerTable, tableWindowStart, visibleRowCount } from './ContainerTable.js';
import { FilesPane } from './FilesPane.js';
import { InfoPane, infoLines } from './InfoPane.js';
import { LogPane } from './LogPane.js';
import { RoomList, roomEntries } from './RoomList.js';
import { StatsPane } from './StatsPane.js';

export function filterContainers(containers: ContainerSummary[], filter: string): ContainerSummary[] {
  const needle = filter.trim().toLowerCase();
  if (!needle) return containers;
  return containers.filter((c) =>
    [c.name, c.image, c.state, c.status, c.agent, c.role, c.room, ...(c.tags ?? [])].some((v) => v?.toLowerCase().includes(needle)),
  );
}

/** The cursor's row: where its container is now, else as close as possible to where it was. */
function locateCursor(rows: ContainerSummary[], id: string | undefined, index: number): number {
  const at = id ? rows.findIndex((c) => c.id === id) : -1;
  return at >= 0 ? at : Math.min(index, Math.max(0, rows.length - 1));
}

/** What the UI state points at in the dashboard state: the filtered rows, the cursor row, the zoomed container. */
function derive(ui: UiState, state: DashboardState) {
  const filtered = filterContainers(state.containers, ui.filter);
  const cursor = locateCursor(filtered, ui.cursorId, ui.cursorIndex);
  const current = filtered[cursor] as ContainerSummary | undefined;
  const zoomed = ui.zoom ? state.containers.find((c) => c.id === ui.zoom) : undefined;
  return { room: state.selectedRoom, filtered, cursor, current, zoomed };
}

/** Below this width the right-hand pane does not fit beside the table: the list takes the screen, enter zooms. */
export const SPLIT_MIN_COLUMNS = 120;

/** Where everything goes for a body of this size. */
export function containersLayout(width: number, height: number, roomCount: number, zoomed: boolean) {
  const split = !zoomed && width >= SPLIT_MIN_COLUMNS;
  const leftWidth = split ? Math.floor(width * 0.5) : width;
  // Split: rooms stacked above the table (lazydocker's side panels); narrow: rooms beside the table.
  const roomRows = split ? Math.min(roomCount + (roomCount > 1 ? 3 : 4), Math.max(5, Math.floor(height / 3))) : height;
  const roomWidth = split ? leftWidth : Math.min(32, Math.max(18, Math.floor(width * 0.25)));
  const tableHeight = split ? Math.max(5, height - roomRows) : height;
  const tableWidth = split ? leftWidth : width - roomWidth;
  const paneWidth = zoomed ? width : width - leftWidth;
  // Inside the pane's border, header and tab bar.
  const contentHeight = Math.max(1, height - 4);
  const contentWidth = Math.max(10, paneWidth - 4);
  return { split, leftWidth, roomRows, roomWidth, tableHeight, tableWidth, paneWidth, contentHeight, contentWidth };
}

/** The reducer with a synchronous mirror kept across visits: each key of one read must see the previous key's state. */
function useKeptUiState(api: ViewApi): [UiState, (action: UiAction) => void, () => UiState] {
  const kept = useMemo(() => api.keep<UiState>('containers', () => initialUiState), [api]);
  const [ui, setUi] = useState(kept.get);
  const dispatch = useCallback(
    (action: UiAction) => {
      const next = uiReducer(kept.get(), action);
      if (next === kept.get()) return;
      kept.set(next);
      setUi(next);
    },
    [kept],
  );
  return [ui, dispatch, kept.get];
}

export interface ContainersData {
  state: DashboardState;
  ui: UiState;
  dispatch: (action: UiAction) => void;
  uiNow: () => UiState;
  logs: LogStore;
  logSnap: LogSnapshot;
  statsSnap: StatsSnapshot;
  info: { detail?: Detail; error?: string };
  now: number;
  layout: ReturnType<typeof containersLayout>;
  /** The container the right-hand pane (or the zoomed screen) shows. */
  paneTarget?: ContainerSummary;
  filtered: ContainerSummary[];
  cursor: number;
  files: FilesBrowser;
  filesSnap: FilesSnapshot;
}

/** The pane's log and the table's stats, tied to the engine connection so a loss pauses them (see DashboardStore.connection). */
function containerStreams(api: ViewApi): { logs: LogStore; stats: ContainerStatsStore } {
  const connection = api.store.connection;
  const streams = { logs: new LogStore(api.rt, { connection }), stats: new ContainerStatsStore(api.rt, { connection }) };
  trackStore(streams.logs);
  trackStore(streams.stats);
  return streams;
}

function useContainersData(api: ViewApi, size: { width: number; height: number }): ContainersData {
  const { store, rt } = api;
  const state = useDashboardState(store);
  const [ui, dispatch, uiNow] = useKeptUiState(api);
  // Kept across visits: back from another view the pane shows the lines and numbers it had (the last known ones while
  // the engine is lost) and continues from there. Streams stop while the view is away; the dashboard disposes the
  // stores when it quits.
  const [{ logs, stats }] = useState(() => api.keep('containers.streams', () => containerStreams(api)).get());
  const logSnap = useLogSnapshot(logs);
  const statsSnap = useStatsSnapshot(stats);

  useEffect(() => {
    rt.setting('ui')
      .then((ui) => logs.setCapacity(ui.logLines))
      .catch(() => {});
    return () => {
      logs.suspend();
      stats.suspend();
    };
  }, [rt, logs, stats]);

  const room = state.selectedRoom;
  const lastRoom = useRef(room);
  useEffect(() => {
    if (lastRoom.current === room) return;
    lastRoom.current = room;
    dispatch({ type: 'room-changed' });
  }, [room, dispatch]);

  const { filtered, cursor, current, zoomed } = useMemo(() => derive(ui, state), [ui, state]);
  const layout = containersLayout(size.width, size.height, roomEntries(state.rooms).length, Boolean(ui.zoom));
  const paneTarget = ui.zoom ? zoomed : layout.split ? current : undefined;

  // CPU/memory are sampled only for what is on screen: the table's visible running rows, or the zoomed container.
  const visible = visibleRowCount(layout.tableHeight);
  const windowStart = tableWindowStart(filtered.length, cursor, visible);
  const onScreen = ui.zoom ? (zoomed ? [zoomed] : []) : filtered.slice(windowStart, windowStart + visible);
  const watched = onScreen.filter((c) => c.state === 'running').map((c) => ({ id: c.id, name: c.name, key: `${c.id}:${c.state}` }));
  const watchKey = watched.map((w) => w.key).join(',');
  useEffect(() => stats.setWatched(watched), [stats, watchKey]); // eslint-disable-line react-hooks/exhaustive-deps
  // Every sample of the pane's container is published only while its sparklines are on screen.
  const statsFocus = ui.tab === 'stats' ? paneTarget?.id : undefined;
  useEffect(() => stats.setFocus(statsFocus), [stats, statsFocus]);
  // The uptime column counts minutes; one redraw a minute keeps it current without redrawing an idle table every second.
  const now = useMinuteClock();

  // One log stream, for the pane's container; re-opened when it starts again after stopping. Moving the cursor
  // quickly through the table opens a stream only where it comes to rest.
  const logKey = paneTarget && ui.tab === 'logs' ? `${paneTarget.room}\n${paneTarget.id}\n${paneTarget.state === 'running'}` : '';
  useEffect(() => {
    if (!logKey) return logs.close();
    const [r, id] = logKey.split('\n');
    const timer = setTimeout(() => logs.follow(r!, id!), ui.zoom ? 0 : 120);
    return () => clearTimeout(timer);
  }, [logs, logKey]); // eslint-disable-line react-hooks/exhaustive-deps

  // Back from an engine outage: the interrupted log follow continues where it stopped, the stats streams start again.
  useEffect(() => {
    if (!state.connected) return;
    logs.resume();
    stats.resume();
  }, [logs, stats, state.connected]);

  const info = useContainerDetail(rt, paneTarget?.room, ui.tab === 'info' ? paneTarget?.id : undefined, paneTarget?.state ?? '');
  // The Files tab lists the pane's container once the cursor rests on it (as the log stream does).
  const [files] = useState(() => new FilesBrowser(rt));
  const filesSnap = useSyncExternalStore(files.subscribe, files.getSnapshot);
  const filesKey = paneTarget && ui.tab === 'files' ? `${paneTarget.room}\n${paneTarget.id}` : '';
  useEffect(() => {
    if (!filesKey) return;
    const [r, id] = filesKey.split('\n');
    const timer = setTimeout(() => files.show(r!, id!), ui.zoom ? 0 : 150);
    return () => clearTimeout(timer);
  }, [files, filesKey]); // eslint-disable-line react-hooks/exhaustive-deps
  return { state, ui, dispatch, uiNow, logs, logSnap, statsSnap, info, now, layout, paneTarget, filtered, cursor, files, filesSnap };
}

function contexts(data: ContainersData): KeyContext[] {
  // The latest state, not the last render's: the key after enter must already see the zoomed screen.
  const ui = data.uiNow();
  if (ui.zoom) return [ui.tab, 'container'];
  return [ui.pane];
}

function run(command: Parameters<DashboardView['run']>[0], data: ContainersData, api: ViewApi, top: KeyContext): boolean | void {
  const { store, rt, sessions } = api;
  const { dispatch, logs } = data;
  // Act on the latest state, not this render's: an earlier key of the same read (typing fast, a busy moment) may
  // have changed it, and a rerender may not have happened yet.
  const ui = data.uiNow();
  const state = store.current();
  const { room, filtered, cursor, current, zoomed } = derive(ui, state);
  const { columns, rows } = api.size();
  const layout = containersLayout(columns, bodyHeight(rows), roomEntries(state.rooms).length, Boolean(ui.zoom));
  const logRows = Math.max(1, layout.contentHeight - 1);
  const visible = visibleRowCount(layout.tableHeight);
  const logSnap = logs.getSnapshot();
  const status = (text: string, tone: 'info' | 'ok' | 'error' = 'info') => api.status({ text, tone });

  const rooms = roomEntries(state.rooms);
  const moveRoom = (to: number) => {
    const next = rooms[Math.min(Math.max(0, to), rooms.length - 1)];
    if (next) store.selectRoom(next.name);
  };
  const moveCursor = (to: number) => {
    const index = Math.min(Math.max(0, to), Math.max(0, filtered.length - 1));
    dispatch({ type: 'cursor', id: filtered[index]?.id, index });
  };
  const scrollLog = (delta: number | 'top' | 'bottom') => {
    const { first, end } = logSnap;
    if (end === first || delta === 'bottom') return dispatch({ type: 'log-anchor', anchor: null });
    const lowest = Math.min(end - 1, first + logRows - 1);
    const next = delta === 'top' ? lowest : Math.max(lowest, (ui.logAnchor ?? end - 1) + delta);
    dispatch({ type: 'log-anchor', anchor: next >= end - 1 ? null : next });
  };
  const jumpToMatch = (term: string, from: number, dir: 1 | -1) => {
    if (!term) return;
    const seq = logs.findMatch(term, from, dir);
    if (seq === undefined) return status(`no match for "${term}"`, 'error');
    dispatch({ type: 'log-anchor', anchor: seq });
    const { index, total } = logs.matchPosition(term, seq);
    status(`match ${index} of ${total} for "${term}"`);
  };
  /** What an action applies to: the zoomed container, else the selection (rows still listed), else the cursor row. */
  const targets = (): ContainerSummary[] => {
    if (ui.zoom) return zoomed ? [zoomed] : [];
    const chosen = state.containers.filter((c) => ui.selected.has(c.id));
    if (chosen.length) return chosen;
    return current ? [current] : [];
  };
  const act = (action: ContainerAction, list: ContainerSummary[]) => {
    if (!room || !list.length) return status('no container to act on', 'error');
    if (!state.connected) return status(`cannot ${action}: the engine is not answering`, 'error');
    api.status(progressMessage(action, list));
    if (ui.selected.size) dispatch({ type: 'clear-selection' });
    void runContainerAction(rt, action, list, store.connection()).then((s) => api.status(s));
  };

  switch (command) {
    case 'up':
    case 'down':
    case 'page-up':
    case 'page-down': {
      const step = command === 'up' ? -1 : command === 'down' ? 1 : command === 'page-up' ? -logRows : logRows;
      if (top === 'rooms') return moveRoom(rooms.findIndex((r) => r.name === room) + Math.sign(step));
      if (top === 'table') return moveCursor(cursor + (Math.abs(step) === 1 ? step : Math.sign(step) * visible));
      if (top === 'logs') return scrollLog(step);
      if (top === 'info') return dispatch({ type: 'info-scroll', to: ui.infoScroll + step });
      if (top === 'files') return data.files.move(step);
      return;
    }
    case 'top':
    case 'bottom': {
      const first = command === 'top';
      if (top === 'rooms') return moveRoom(first ? 0 : rooms.length - 1);
      if (top === 'table') return moveCursor(first ? 0 : filtered.length - 1);
      if (top === 'logs') return scrollLog(first ? 'top' : 'bottom');
      if (top === 'info') return dispatch({ type: 'info-scroll', to: first ? 0 : data.info.detail ? infoLines(data.info.detail).length : 0 });
      if (top === 'files') return data.files.move(first ? 'top' : 'bottom');
      return;
    }
    case 'focus-next':
      return dispatch({ type: 'focus-pane', pane: ui.pane === 'rooms' ? 'table' : 'rooms' });
    case 'open':
      if (top === 'files') {
        if (!data.files.enter()) status('not a directory: D downloads it');
        return;
      }
      if (top === 'rooms') return dispatch({ type: 'focus-pane', pane: 'table' });
      if (current) dispatch({ type: 'zoom', id: current.id });
      return;
    case 'back':
      if (top === 'files' && data.files.parent()) return;
      if (ui.zoom) return dispatch({ type: 'unzoom' });
      if (top === 'table' && (ui.selected.size || ui.filter)) {
        dispatch({ type: 'clear-selection' });
        return dispatch({ type: 'filter', text: '' });
      }
      return false;
    case 'filter':
      return api.prompt({
        label: 'filter',
        initial: ui.filter,
        onChange: (text) => dispatch({ type: 'filter', text }),
        onSubmit: (text) => dispatch({ type: 'filter', text }),
        onCancel: () => dispatch({ type: 'filter', text: '' }),
      });
    case 'toggle-select':
      if (!current) return;
      dispatch({ type: 'toggle-select', id: current.id });
      return moveCursor(cursor + 1);
    case 'start':
    case 'stop':
    case 'restart':
    case 'pause':
      return act(command, targets());
    case 'delete': {
      const list = targets();
      if (!list.length) return status('no container to delete', 'error');
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
          if (ui.zoom && list.some((t) => t.id === ui.zoom)) dispatch({ type: 'unzoom' });
          act('delete', list);
        },
        onNo: () => status('delete cancelled'),
      });
    }
    case 'next-tab':
    case 'prev-tab': {
      const i = TABS.indexOf(ui.tab) + (command === 'next-tab' ? 1 : -1);
      return dispatch({ type: 'tab', tab: TABS[(i + TABS.length) % TABS.length]! });
    }
    case 'tab-logs':
      return dispatch({ type: 'tab', tab: 'logs' });
    case 'tab-stats':
      return dispatch({ type: 'tab', tab: 'stats' });
    case 'tab-info':
      return dispatch({ type: 'tab', tab: 'info' });
    case 'tab-files':
      return dispatch({ type: 'tab', tab: 'files' });
    case 'download': {
      const from = data.files.currentPath();
      const entry = data.files.current();
      if (!from || !entry) return status('nothing to download', 'error');
      return api.prompt({
        label: `download ${from} to`,
        initial: `./${entry.name}`,
        onSubmit: (to) => {
          if (!to.trim()) return status('download cancelled');
          status(`downloading ${from}…`);
          void data.files.download(to.trim()).then(
            (text) => status(text, 'ok'),
            (err: Error) => status(err.message.split('\n')[0]!, 'error'),
          );
        },
        onCancel: () => status('download cancelled'),
      });
    }
    case 'upload': {
      const dir = data.files.getSnapshot().path;
      return api.prompt({
        label: `upload into ${dir} from`,
        initial: './',
        onSubmit: (local) => {
          if (!local.trim()) return status('upload cancelled');
          status(`uploading ${local.trim()}…`);
          void data.files.upload(local.trim()).then(
            (text) => status(text, 'ok'),
            (err: Error) => status(err.message.split('\n')[0]!, 'error'),
          );
        },
        onCancel: () => status('upload cancelled'),
      });
    }
    case 'search':
      return api.prompt({
        label: 'search',
        initial: ui.logSearch,
        onSubmit: (text) => {
          dispatch({ type: 'log-search', text });
          // A new search starts from the newest line and goes back to the latest match.
          jumpToMatch(text, logs.getSnapshot().end, -1);
        },
      });
    case 'search-next':
    case 'search-prev':
      if (!ui.logSearch) return status('no search: press / first');
      return jumpToMatch(ui.logSearch, ui.logAnchor ?? logSnap.end - 1, command === 'search-next' ? 1 : -1);
    case 'timestamps':
      return dispatch({ type: 'log-timestamps' });
    case 'exec': {
      const target = ui.zoom ? zoomed : current;
      if (!sessions || !target) return status('no container to open a session in', 'error');
      if (!state.connected) return status('cannot open a shell: the engine is not answering', 'error');
      if (target.state !== 'running') return status(`${target.name} is not running (${target.state})`, 'error');
      status(`opening a shell in ${target.name}…`);
      void sessions.openContainer(target.room, target, { cols: columns, rows }).then(
        (s) => {
          status(`session ${s.id} in ${target.name}: S lists sessions`, 'ok');
          sessions.requestAttach(s.id);
        },
        (err: Error) => status(err.message, 'error'),
      );
      return;
    }
    default:
      return false;
  }
}

function ContainerPane({ data, width, height }: { data: ContainersData; width: number; height: number }) {
  const { ui, paneTarget, logs, logSnap, statsSnap, info } = data;
  const sample = paneTarget ? statsSnap.latest.get(paneTarget.id) : undefined;
  const contentHeight = Math.max(1, height - 4);
  const contentWidth = Math.max(10, width - 4);
  return (
    <ContainerDetail container={paneTarget} tab={ui.tab} sample={sample} height={height} width={width} focused={Boolean(ui.zoom)}>
      {ui.tab === 'logs' ? (
        <LogPane
          store={logs}
          snapshot={logSnap}
          anchor={ui.logAnchor}
          search={ui.logSearch}
          timestamps={ui.logTimestamps}
          height={contentHeight}
          width={contentWidth}
        />
      ) : ui.tab === 'stats' ? (
        <StatsPane
          sample={sample}
          history={paneTarget ? statsSnap.history.get(paneTarget.id) : undefined}
          running={paneTarget?.state === 'running'}
          width={contentWidth}
        />
      ) : ui.tab === 'files' ? (
        <FilesPane snapshot={data.filesSnap} height={contentHeight} width={contentWidth} focused={Boolean(ui.zoom)} />
      ) : (
        <InfoPane detail={info.detail} error={info.error} scroll={ui.infoScroll} height={contentHeight} width={contentWidth} />
      )}
    </ContainerDetail>
  );
}

function ContainersScreen({ data, api, width, height }: ViewProps<ContainersData>) {
  const { state, ui, layout, filtered, cursor, statsSnap, now } = data;
  if (ui.zoom) return <ContainerPane data={data} width={width} height={height} />;
  const room = state.selectedRoom;
  const rooms = (
    <RoomList rooms={state.rooms} selected={room} focused={ui.pane === 'rooms'} width={layout.roomWidth} height={layout.roomRows} />
  );
  const table = (
    <ContainerTable
      room={room === ALL_ROOMS ? undefined : room}
      allRooms={room === ALL_ROOMS}
      containers={filtered}
      total={state.containers.length}
      cursor={cursor}
      focused={ui.pane === 'table'}
      height={layout.tableHeight}
      width={layout.tableWidth}
      selected={ui.selected}
      stats={statsSnap}
      filter={ui.filter}
      filterEditing={api.prompting('filter')}
      stale={!state.connected}
      now={now}
    />
  );
  if (!layout.split) {
    return (
      <Box height={height}>
        {rooms}
        {table}
      </Box>
    );
  }
  return (
    <Box height={height}>
      <Box flexDirection="column" width={layout.leftWidth}>
        {rooms}
        {table}
      </Box>
      <ContainerPane data={data} width={layout.paneWidth} height={height} />
    </Box>
  );
}

export const containersView: DashboardView<ContainersData> = {
  id: 'containers',
  title: 'Containers',
  aliases: ['rooms', 'co', 'ps', 'pods'],
  contexts,
  useData: useContainersData,
  Component: ContainersScreen,
  run,
};
