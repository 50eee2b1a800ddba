// The containers view (lazydocker's layout): rooms and the room's containers on the left, the container under the
// cursor's live pane (logs, stats or info) on the right without pressing enter; enter zooms the pane full screen.
import React, { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { Box } from 'ink';
import { ALL_ROOMS } from '../app/dashboard-store.js';
import { FilesBrowser } from '../app/files-browser.js';
import { trackStore } from '../app/live-stores.js';
import type { KeyContext } from '../app/keymap.js';
import { LogStore } from '../app/log-store.js';
import { ContainerStatsStore } from '../app/stats-store.js';
import { initialUiState, uiReducer, type UiAction, type UiState } from '../app/ui-state.js';
import { useKept } from '../app/use-kept.js';
import { useContainerDetail, useDashboardState, useLogSnapshot, useMinuteClock, useStatsSnapshot } from '../app/use-dashboard.js';
import type { DashboardView, ViewApi, ViewProps } from '../app/view-layout.js';
import { ContainerDetail } from './ContainerDetail.js';
import { ContainerTable, tableWindowStart, visibleRowCount } from './ContainerTable.js';
import { explainContainersKey, runContainersCommand } from './containers-commands.js';
import { containersLayout, derive, type ContainersData } from './containers-data.js';
import { FilesPane } from './FilesPane.js';
import { InfoPane } from './InfoPane.js';
import { LogPane } from './LogPane.js';
import { RoomList, roomEntries } from './RoomList.js';
import { StatsPane } from './StatsPane.js';

export { SPLIT_MIN_COLUMNS, containersLayout, filterContainers, type ContainersData } from './containers-data.js';

/** The reducer with a synchronous mirror kept across visits: each key of one read must see the previous key's state. */
function useKeptUiState(api: ViewApi): [UiState, (action: UiAction) => void, () => UiState] {
  const [ui, setUi, uiNow] = useKept<UiState>(api, 'containers', () => initialUiState);
  const dispatch = useCallback(
    (action: UiAction) => {
      const next = uiReducer(uiNow(), action);
      if (next !== uiNow()) setUi(next);
    },
    [setUi, uiNow],
  );
  return [ui, dispatch, uiNow];
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
  run: runContainersCommand,
  explain: explainContainersKey,
};
