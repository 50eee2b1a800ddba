// The dashboard root: view routing, layout, and the one keypress dispatcher (modal first, then text input, then
// the focused view, then global keys), all driven by the key table in keymap.ts.
import React, { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Box, Text, useInput } from 'ink';
import type { ContainerSummary } from '../runtime/containers.js';
import { ConfirmModal } from '../views/ConfirmModal.js';
import { ContainerDetail } from '../views/ContainerDetail.js';
import { ContainerTable, tableWindowStart, visibleRowCount } from '../views/ContainerTable.js';
import { HelpOverlay } from '../views/HelpOverlay.js';
import { InfoPane, infoLines } from '../views/InfoPane.js';
import { LogPane } from '../views/LogPane.js';
import { RoomList } from '../views/RoomList.js';
import { SessionsView } from '../views/SessionsView.js';
import { StatsPane } from '../views/StatsPane.js';
import { progressMessage, runContainerAction, type ContainerAction } from './actions.js';
import type { DashboardState, DashboardStore } from './dashboard-store.js';
import { footerText, keyName, resolveCommand, type Command, type KeyContext } from './keymap.js';
import { LogStore } from './log-store.js';
import { useSessionList, type SessionManager } from './sessions.js';
import { ContainerStatsStore } from './stats-store.js';
import { TABS, initialUiState, uiReducer, type UiAction, type UiState } from './ui-state.js';
import {
  useContainerDetail,
  useDashboardState,
  useLogSnapshot,
  useMinuteClock,
  useStatsSnapshot,
  useTerminalSize,
} from './use-dashboard.js';

export interface AppProps {
  store: DashboardStore;
  endpoint: string;
  onQuit: () => void;
  /** Exec sessions; without it (component tests) `e` and the Sessions view say sessions are unavailable. */
  sessions?: SessionManager;
}

/** The key contexts in effect, highest priority first. */
export function activeContexts(ui: UiState): KeyContext[] {
  if (ui.help) return ['help'];
  if (ui.modal) return ['confirm'];
  if (ui.input) return ['input'];
  switch (ui.view.kind) {
    case 'container':
      return [ui.tab, 'container', 'global'];
    case 'rooms':
      return [ui.pane, 'global'];
    case 'sessions':
      return ['sessions', 'global'];
    default: {
      const never: never = ui.view;
      return never;
    }
  }
}

export function filterContainers(containers: ContainerSummary[], filter: string): ContainerSummary[] {
  const needle = filter.trim().toLowerCase();
  if (!needle) return containers;
  return containers.filter((c) =>
    [c.name, c.image, c.state, c.status, c.agent, c.role, ...(c.tags ?? [])].some((v) => v?.toLowerCase().includes(needle)),
  );
}

/** What the UI state points at in the dashboard state: the filtered rows, the cursor row, the open container. */
function derive(ui: UiState, state: DashboardState) {
  const filtered = filterContainers(state.containers, ui.filter);
  const cursor = locateCursor(filtered, ui.cursorId, ui.cursorIndex);
  const detailId = ui.view.kind === 'container' ? ui.view.id : undefined;
  return {
    room: state.selectedRoom,
    filtered,
    cursor,
    current: filtered[cursor] as ContainerSummary | undefined,
    detailId,
    detail: detailId ? state.containers.find((c) => c.id === detailId) : undefined,
  };
}

/** The cursor's row: where its container is now, else as close as possible to where it was. */
function locateCursor(rows: ContainerSummary[], id: string | undefined, index: number): number {
  const at = id ? rows.findIndex((c) => c.id === id) : -1;
  return at >= 0 ? at : Math.min(index, Math.max(0, rows.length - 1));
}

function isPrintable(input: string, key: { ctrl: boolean; meta: boolean }): boolean {
  return input.length > 0 && !key.ctrl && !key.meta && !/[\u0000-\u001f\u007f]/.test(input);
}

/**
 * The UI reducer with a synchronous mirror: several keys can arrive in one read (typing fast, pasting), and each
 * must see the state the previous one produced, before React re-renders.
 */
function useUiState(): [UiState, (action: UiAction) => void, () => UiState] {
  const ref = useRef(initialUiState);
  const [ui, setUi] = useState(initialUiState);
  const dispatch = useCallback((action: UiAction) => {
    const next = uiReducer(ref.current, action);
    if (next === ref.current) return;
    ref.current = next;
    setUi(next);
  }, []);
  return [ui, dispatch, useCallback(() => ref.current, [])];
}

/** Splits one read of plain characters (no escape sequences) into key names; one key stays as Ink parsed it. */
export function keyNames(input: string, key: Parameters<typeof keyName>[1]): string[] {
  if (input.length <= 1 || key.escape || input.includes('\x1b')) return [keyName(input, key)];
  return [...input].map((ch) => {
    if (ch === '\r' || ch === '\n') return 'enter';
    if (ch === '\t') return 'tab';
    if (ch === '\x7f' || ch === '\b') return 'backspace';
    const code = ch.charCodeAt(0);
    if (code < 32) return `ctrl+${String.fromCharCode(code + 96)}`;
    return ch;
  });
}

export function App({ store, endpoint, onQuit, sessions }: AppProps) {
  const state = useDashboardState(store);
  const { columns, rows } = useTerminalSize();
  const [ui, dispatch, uiNow] = useUiState();
  const [logs] = useState(() => new LogStore(store.rt));
  const [stats] = useState(() => new ContainerStatsStore(store.rt));
  const logSnap = useLogSnapshot(logs);
  const statsSnap = useStatsSnapshot(stats);
  const sessionList = useSessionList(sessions);

  useEffect(() => {
    store.rt
      .settings()
      .then((s) => logs.setCapacity(s.get('ui').logLines))
      .catch(() => {});
    return () => {
      logs.dispose();
      stats.dispose();
    };
  }, [store, logs, stats]);

  const room = state.selectedRoom;
  const lastRoom = useRef(room);
  useEffect(() => {
    if (lastRoom.current === room) return;
    lastRoom.current = room;
    dispatch({ type: 'room-changed' });
  }, [room]);

  const { filtered, cursor, detailId, detail } = useMemo(() => derive(ui, state), [ui, state]);

  // Layout: header, body, status line, footer.
  const roomWidth = Math.min(32, Math.max(18, Math.floor(columns * 0.25)));
  const bodyHeight = Math.max(5, rows - 3);
  const contentHeight = Math.max(1, bodyHeight - 4); // inside the detail view's border, header and tab bar
  const contentWidth = Math.max(10, columns - 4);
  const logRows = Math.max(1, contentHeight - 1);

  // CPU/memory are sampled only for what is on screen: the table's visible running rows, or the open container.
  const visible = visibleRowCount(bodyHeight);
  const windowStart = tableWindowStart(filtered.length, cursor, visible);
  const onScreen = ui.view.kind === 'rooms' ? filtered.slice(windowStart, windowStart + visible) : detail ? [detail] : [];
  const watched = onScreen.filter((c) => c.state === 'running').map((c) => ({ id: c.id, name: c.name, key: `${c.id}:${c.state}` }));
  const watchKey = watched.map((w) => w.key).join(',');
  useEffect(() => stats.setWatched(watched), [stats, watchKey]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => stats.setFocus(detailId), [stats, detailId]);
  // The uptime column counts minutes; one redraw a minute keeps it current without redrawing an idle table every second.
  const now = useMinuteClock();

  // One log stream, for the open container; re-opened when it starts again after stopping.
  const logKey = detailId && room ? `${room}\n${detailId}\n${detail?.state === 'running'}` : '';
  useEffect(() => {
    if (!logKey) return logs.close();
    const [r, id] = logKey.split('\n');
    logs.follow(r!, id!);
  }, [logs, logKey]);

  const info = useContainerDetail(store.rt, room, ui.tab === 'info' ? detailId : undefined, detail?.state ?? '');

  const run = (command: Command, top: KeyContext) => {
    // Act on the latest state, not this render's: an earlier key of the same read (typing fast, a busy moment)
    // may have changed it, and a rerender may not have happened yet.
    const ui = uiNow();
    const state = store.current();
    const { room, filtered, cursor, current, detailId, detail } = derive(ui, state);
    const logSnap = logs.getSnapshot();
    const moveRoom = (to: number) => {
      const next = state.rooms[Math.min(Math.max(0, to), state.rooms.length - 1)];
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
      if (seq === undefined) return dispatch({ type: 'status', status: { text: `no match for "${term}"`, tone: 'error' } });
      dispatch({ type: 'log-anchor', anchor: seq });
      const { index, total } = logs.matchPosition(term, seq);
      dispatch({ type: 'status', status: { text: `match ${index} of ${total} for "${term}"`, tone: 'info' } });
    };

    /** What an action applies to: the open container, else the selection (rows still in the room), else the cursor row. */
    const targets = (): ContainerSummary[] => {
      if (detailId) return detail ? [detail] : [];
      const chosen = state.containers.filter((c) => ui.selected.has(c.id));
      if (chosen.length) return chosen;
      return current ? [current] : [];
    };
    const act = (action: ContainerAction, list: ContainerSummary[]) => {
      if (!room || !list.length) return dispatch({ type: 'status', status: { text: 'no container to act on', tone: 'error' } });
      dispatch({ type: 'status', status: progressMessage(action, list) });
      if (ui.selected.size) dispatch({ type: 'clear-selection' });
      void runContainerAction(store.rt, room, action, list).then((status) => dispatch({ type: 'status', status }));
    };

    const sessionRows = sessions?.getSnapshot() ?? [];
    const sessionAt = Math.min(ui.sessionCursor, Math.max(0, sessionRows.length - 1));
    const moveSession = (to: number) => dispatch({ type: 'session-cursor', index: Math.min(Math.max(0, to), Math.max(0, sessionRows.length - 1)) });

    switch (command) {
      case 'quit':
        return onQuit();
      case 'help':
        return dispatch({ type: 'help', open: true });
      case 'close':
        return dispatch({ type: 'help', open: false });
      case 'up':
      case 'down':
      case 'page-up':
      case 'page-down': {
        const step = command === 'up' ? -1 : command === 'down' ? 1 : command === 'page-up' ? -logRows : logRows;
        if (top === 'rooms') return moveRoom(state.rooms.findIndex((r) => r.name === room) + Math.sign(step));
        if (top === 'table') return moveCursor(cursor + (Math.abs(step) === 1 ? step : Math.sign(step) * visible));
        if (top === 'logs') return scrollLog(step);
        if (top === 'info') return dispatch({ type: 'info-scroll', to: ui.infoScroll + step });
        if (top === 'sessions') return moveSession(sessionAt + Math.sign(step));
        return;
      }
      case 'top':
      case 'bottom': {
        const first = command === 'top';
        if (top === 'rooms') return moveRoom(first ? 0 : state.rooms.length - 1);
        if (top === 'table') return moveCursor(first ? 0 : filtered.length - 1);
        if (top === 'logs') return scrollLog(first ? 'top' : 'bottom');
        if (top === 'info') return dispatch({ type: 'info-scroll', to: first ? 0 : info.detail ? infoLines(info.detail).length : 0 });
        if (top === 'sessions') return moveSession(first ? 0 : sessionRows.length - 1);
        return;
      }
      case 'focus-next':
        return dispatch({ type: 'focus-pane', pane: ui.pane === 'rooms' ? 'table' : 'rooms' });
      case 'open':
        if (top === 'rooms') return dispatch({ type: 'focus-pane', pane: 'table' });
        if (top === 'sessions') {
          const s = sessionRows[sessionAt];
          if (s && !s.running) return dispatch({ type: 'status', status: { text: `session ${s.id} has ended (exit code ${s.exitCode ?? '-'}): x removes it`, tone: 'info' } });
          if (s) sessions?.requestAttach(s.id);
          return;
        }
        if (current) dispatch({ type: 'open-view', view: { kind: 'container', id: current.id } });
        return;
      case 'back':
        if (ui.view.kind !== 'rooms') return dispatch({ type: 'back' });
        dispatch({ type: 'clear-selection' });
        return dispatch({ type: 'clear-filter' });
      case 'filter':
        return dispatch({ type: 'input-open', kind: 'filter' });
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
        if (!list.length) return dispatch({ type: 'status', status: { text: 'no container to delete', tone: 'error' } });
        return dispatch({ type: 'modal', modal: { kind: 'confirm-delete', targets: list } });
      }
      case 'confirm-yes': {
        const modal = ui.modal;
        dispatch({ type: 'modal', modal: undefined });
        if (modal?.kind !== 'confirm-delete') return;
        if (detailId && modal.targets.some((t) => t.id === detailId)) dispatch({ type: 'back' });
        return act('delete', modal.targets);
      }
      case 'confirm-no':
        dispatch({ type: 'modal', modal: undefined });
        return dispatch({ type: 'status', status: { text: 'delete cancelled', tone: 'info' } });
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
      case 'search':
        return dispatch({ type: 'input-open', kind: 'search' });
      case 'search-next':
      case 'search-prev':
        if (!ui.logSearch) return dispatch({ type: 'status', status: { text: 'no search: press / first', tone: 'info' } });
        return jumpToMatch(ui.logSearch, ui.logAnchor ?? logSnap.end - 1, command === 'search-next' ? 1 : -1);
      case 'timestamps':
        return dispatch({ type: 'log-timestamps' });
      case 'input-submit': {
        const input = ui.input;
        dispatch({ type: 'input-close', apply: true });
        // A new search starts from the newest line and goes back to the latest match.
        if (input?.kind === 'search') jumpToMatch(input.text, logSnap.end, -1);
        return;
      }
      case 'input-cancel':
        return dispatch({ type: 'input-close', apply: false });
      case 'exec': {
        const target = detailId ? detail : current;
        if (!sessions || !room || !target) return dispatch({ type: 'status', status: { text: 'no container to open a session in', tone: 'error' } });
        if (target.state !== 'running') return dispatch({ type: 'status', status: { text: `${target.name} is not running (${target.state})`, tone: 'error' } });
        dispatch({ type: 'status', status: { text: `opening a shell in ${target.name}…`, tone: 'info' } });
        void sessions.openContainer(room, target, { cols: columns, rows }).then(
          (s) => {
            dispatch({ type: 'status', status: { text: `session ${s.id} in ${target.name}: S lists sessions`, tone: 'ok' } });
            sessions.requestAttach(s.id);
          },
          (err: Error) => dispatch({ type: 'status', status: { text: err.message, tone: 'error' } }),
        );
        return;
      }
      case 'sessions':
        if (!sessions) return dispatch({ type: 'status', status: { text: 'sessions are not available here', tone: 'error' } });
        return dispatch({ type: 'open-view', view: { kind: 'sessions' } });
      case 'close-session': {
        const s = sessionRows[sessionAt];
        if (!s || !sessions) return;
        void sessions.close(s.id);
        return dispatch({ type: 'status', status: { text: `session ${s.id} ${s.running ? 'ended' : 'removed'}`, tone: 'ok' } });
      }
      case 'input-backspace':
        return dispatch({ type: 'input-text', text: (ui.input?.text ?? '').slice(0, -1) });
      default: {
        const never: never = command;
        return never;
      }
    }
  };

  const contexts = activeContexts(ui);
  useInput((input, key) => {
    for (const name of keyNames(input, key)) {
      const now = activeContexts(uiNow());
      const command = resolveCommand(name, now);
      if (command) {
        run(command, now[0]!);
        continue;
      }
      const typing = uiNow().input;
      if (typing && [...name].length === 1 && isPrintable(name, key)) dispatch({ type: 'input-text', text: typing.text + name });
    }
  });

  let body: React.ReactNode;
  if (ui.help) body = <HelpOverlay width={columns} />;
  else if (ui.modal?.kind === 'confirm-delete') {
    const live = ui.modal.targets.filter((t) => t.state === 'running' || t.state === 'paused' || t.state === 'restarting');
    body = (
      <Box height={bodyHeight} justifyContent="center" alignItems="center" flexDirection="column">
        <ConfirmModal
          title={`Delete ${ui.modal.targets.length === 1 ? ui.modal.targets[0]!.name : `${ui.modal.targets.length} containers`}?`}
          lines={[
            ...ui.modal.targets.slice(0, 8).map((t) => `  ${t.name} (${t.state})`),
            ...(ui.modal.targets.length > 8 ? [`  and ${ui.modal.targets.length - 8} more`] : []),
            live.length === 0
              ? 'This cannot be undone.'
              : `${live.length === 1 && ui.modal.targets.length === 1 ? 'It is' : `${live.length} are`} still running and will be killed first.`,
          ]}
        />
      </Box>
    );
  } else if (ui.view.kind === 'sessions') {
    body = <SessionsView sessions={sessionList} cursor={Math.min(ui.sessionCursor, Math.max(0, sessionList.length - 1))} height={bodyHeight} width={columns} now={Date.now()} />;
  } else if (ui.view.kind === 'container') {
    const sample = detailId ? statsSnap.latest.get(detailId) : undefined;
    body = (
      <ContainerDetail container={detail} tab={ui.tab} sample={sample} height={bodyHeight}>
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
            history={detailId ? statsSnap.history.get(detailId) : undefined}
            running={detail?.state === 'running'}
            width={contentWidth}
          />
        ) : (
          <InfoPane detail={info.detail} error={info.error} scroll={ui.infoScroll} height={contentHeight} width={contentWidth} />
        )}
      </ContainerDetail>
    );
  } else {
    body = (
      <Box height={bodyHeight}>
        <RoomList rooms={state.rooms} selected={room} focused={ui.pane === 'rooms'} width={roomWidth} />
        <ContainerTable
          room={room}
          containers={filtered}
          total={state.containers.length}
          cursor={cursor}
          focused={ui.pane === 'table'}
          height={bodyHeight}
          width={columns - roomWidth}
          selected={ui.selected}
          stats={statsSnap}
          filter={ui.filter}
          filterEditing={ui.input?.kind === 'filter'}
          now={now}
        />
      </Box>
    );
  }

  const statusLine = ui.input?.kind === 'search' ? (
    <Text color="yellow" wrap="truncate">
      search: {ui.input.text}▏
    </Text>
  ) : state.error ? (
    <Text color="red" wrap="truncate">
      {state.error}
    </Text>
  ) : ui.status ? (
    <Text color={ui.status.tone === 'error' ? 'red' : ui.status.tone === 'ok' ? 'green' : undefined} wrap="truncate">
      {ui.status.text}
    </Text>
  ) : (
    <Text> </Text>
  );

  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <Box justifyContent="space-between">
        <Text>
          <Text bold color="cyan">berth</Text> <Text dimColor>{endpoint}</Text>
        </Text>
        <Text dimColor>{state.loaded ? `${state.rooms.length} rooms · ${state.events} events` : 'loading…'}</Text>
      </Box>
      {body}
      <Box flexGrow={1} />
      {statusLine}
      <Text dimColor wrap="truncate">
        {footerText(contexts)}
      </Text>
    </Box>
  );
}
