// The Records view: container records newest first (status, exit code, room, container, release, labels) with a
// live filter, the selected record's fields on the right when wide, enter to open its container, d to delete it.
import React, { useCallback, useEffect, useMemo, useSyncExternalStore } from 'react';
import { Box } from 'ink';
import { Text } from './Text.js';
import type { DashboardStore } from '../app/dashboard-store.js';
import type { Command } from '../app/keymap.js';
import { recordsStoreFor, type RecordsState } from '../app/records-store.js';
import { useKept } from '../app/use-kept.js';
import { initialUiState, type UiState } from '../app/ui-state.js';
import { fitColumns, listMove, tableHeader, type DashboardView, type TableColumn, type ViewApi } from '../app/view-layout.js';
import { formatAge } from '../runtime/core/index.js';
import { RecordService, recordFields, type ContainerRecord } from '../runtime/records/index.js';
import { TableCells } from './TableCells.js';

export const recordStatusColor: Record<string, string> = {
  created: 'blue',
  running: 'green',
  paused: 'yellow',
  restarting: 'yellow',
  removing: 'red',
  exited: 'gray',
  'oom-killed': 'red',
  dead: 'red',
  removed: 'gray',
  succeeded: 'green',
  failed: 'red',
  cancelled: 'yellow',
  archived: 'gray',
};

/** Case-insensitive match on id, status, room, name, release or image, agent and labels; every word must match. */
export function filterRecords(records: readonly ContainerRecord[], filter: string): ContainerRecord[] {
  const words = filter.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return [...records];
  return records.filter((r) => {
    const text = [String(r.id), r.status, r.room, r.name, r.release ?? r.image, r.agent, ...r.labels].join(' ').toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

interface RecordsUi {
  cursorId?: number;
  cursorIndex: number;
  filter: string;
}

interface RecordsData {
  state: RecordsState;
  ui: RecordsUi;
  uiNow(): RecordsUi;
  update(patch: Partial<RecordsUi>): void;
  filtered: ContainerRecord[];
  cursor: number;
}

function locate(rows: readonly ContainerRecord[], ui: RecordsUi): number {
  const at = ui.cursorId === undefined ? -1 : rows.findIndex((r) => r.id === ui.cursorId);
  return at >= 0 ? at : Math.min(ui.cursorIndex, Math.max(0, rows.length - 1));
}

function useRecordsData(api: ViewApi): RecordsData {
  const store = useMemo(() => recordsStoreFor(api.rt), [api.rt]);
  useEffect(() => {
    // The dashboard already runs it; started here (a test, an embedding) it stops with the view.
    const started = store.start(api.store.events);
    if (!started) store.reload();
    return () => {
      if (started) store.stop();
    };
  }, [store, api.store]);
  const state = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const [ui, setUi, uiNow] = useKept<RecordsUi>(api, 'records', () => ({ cursorIndex: 0, filter: '' }));
  const update = useCallback((patch: Partial<RecordsUi>) => setUi({ ...uiNow(), ...patch }), [setUi, uiNow]);
  const filtered = useMemo(() => filterRecords(state.records, ui.filter), [state.records, ui.filter]);
  return { state, ui, uiNow, update, filtered, cursor: locate(filtered, ui) };
}

/** Border, title and header take four lines. */
const visibleRows = (height: number) => Math.max(1, height - 4);

function windowStart(count: number, cursor: number, visible: number): number {
  return Math.min(Math.max(0, cursor - visible + 1), Math.max(0, count - visible));
}

const recordColumns: TableColumn<ContainerRecord, number>[] = [
  { header: 'ID', priority: 0, min: 2, max: 7, cell: (r) => ({ text: String(r.id) }) },
  { header: 'STATUS', priority: 1, min: 6, max: 11, cell: (r) => ({ text: r.status, color: recordStatusColor[r.status] ?? 'white' }) },
  { header: 'EXIT', priority: 4, min: 4, max: 4, cell: (r) => ({ text: r.exitCode === null ? '-' : String(r.exitCode) }) },
  { header: 'ROOM', priority: 6, min: 4, max: 16, cell: (r) => ({ text: r.room }) },
  { header: 'NAME', priority: 2, min: 6, max: 28, cell: (r) => ({ text: r.name }) },
  { header: 'RELEASE/IMAGE', priority: 5, min: 13, max: 36, cell: (r) => ({ text: r.release ?? r.image }) },
  { header: 'LABELS', priority: 7, min: 6, max: 30, cell: (r) => ({ text: r.labels.join(',') || '-' }) },
  { header: 'CREATED', priority: 3, min: 7, max: 9, cell: (r, now) => ({ text: formatAge(r.createdAt, now) }) },
];

export interface RecordsTableProps {
  records: readonly ContainerRecord[];
  total: number;
  loaded: boolean;
  error?: string;
  cursor: number;
  height: number;
  width: number;
  filter: string;
  filterEditing: boolean;
  now: number;
}

export function RecordsTable({ records, total, loaded, error, cursor, height, width, filter, filterEditing, now }: RecordsTableProps) {
  const visible = visibleRows(height);
  const start = windowStart(records.length, cursor, visible);
  // Narrow, whole columns go by priority (LABELS, ROOM, then RELEASE first), none is cut to a few letters.
  const columns = fitColumns(recordColumns, records, Math.max(8, width - 4), now);
  return (
    <Box flexDirection="column" height={height} width={width} borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text bold wrap="truncate">
        Records{' '}
        <Text dimColor>
          ({records.length === total ? total : `${records.length} of ${total}`}){filter || filterEditing ? ` filter: ${filter}${filterEditing ? '▏' : ''}` : ''}
        </Text>
      </Text>
      <Text dimColor wrap="truncate">
        {tableHeader(columns)}
      </Text>
      {error ? <Text color="red" wrap="truncate">{error}</Text> : null}
      {loaded && records.length === 0 ? (
        <Text dimColor wrap="truncate">
          {total ? 'no record matches the filter' : 'no records: berth plugin run, or berth container run --record'}
        </Text>
      ) : null}
      {records.slice(start, start + visible).map((r, i) => (
        <Text key={r.id} inverse={start + i === cursor} wrap="truncate">
          <TableCells columns={columns} row={r} ctx={now} />
        </Text>
      ))}
    </Box>
  );
}

export function RecordDetail({ record, height, width }: { record?: ContainerRecord; height: number; width: number }) {
  const fields = record ? recordFields(record) : [];
  const label = Math.max(0, ...fields.map(([k]) => k.length)) + 2;
  return (
    <Box flexDirection="column" height={height} width={width} borderStyle="round" borderColor="gray" paddingX={1}>
      <Text bold wrap="truncate">
        {record ? `Record ${record.id}` : 'Record'}
      </Text>
      {fields.slice(0, Math.max(0, height - 3)).map(([k, v]) => (
        <Text key={k} wrap="truncate">
          <Text dimColor>{`${k}:`.padEnd(label)}</Text>
          {v}
        </Text>
      ))}
    </Box>
  );
}

/** Calls then() once the dashboard has published this room as selected (the containers view resets on a change). */
function whenRoomShown(store: DashboardStore, room: string, then: () => void): void {
  if (store.getSnapshot().selectedRoom === room) return then();
  store.selectRoom(room);
  const unsubscribe = store.subscribe(() => {
    if (store.getSnapshot().selectedRoom !== room) return;
    unsubscribe();
    then();
  });
}

function runRecords(command: Command, data: RecordsData, api: ViewApi): boolean | void {
  const ui = data.uiNow();
  const rows = filterRecords(recordsStoreFor(api.rt).getSnapshot().records, ui.filter);
  const at = locate(rows, ui);
  const current = rows[at];
  const page = visibleRows(api.size().rows - 3);
  const move = (to: number) => {
    const index = Math.min(Math.max(0, to), Math.max(0, rows.length - 1));
    data.update({ cursorId: rows[index]?.id, cursorIndex: index });
  };
  const to = listMove(command, at, rows.length, page);
  if (to !== undefined) return move(to);
  switch (command) {
    case 'filter':
      return api.prompt({
        label: 'filter',
        initial: ui.filter,
        onChange: (text) => data.update({ filter: text }),
        onSubmit: (text) => data.update({ filter: text }),
        onCancel: () => data.update({ filter: '' }),
      });
    case 'back':
      if (!ui.filter) return false;
      return data.update({ filter: '' });
    case 'open': {
      if (!current) return;
      if (!current.containerId || current.containerState === 'removed') {
        return api.status({ text: `record ${current.id}: its container ${current.name} is gone (removed)`, tone: 'info' });
      }
      const containerId = current.containerId;
      // The containers view keeps its state under 'containers': point it at this container, full screen.
      const containers = api.keep<UiState>('containers', () => initialUiState);
      whenRoomShown(api.store, current.room, () => {
        containers.set({ ...initialUiState, pane: 'table', cursorId: containerId, zoom: containerId });
        api.open('containers');
      });
      return;
    }
    case 'delete': {
      if (!current) return;
      const r = current;
      const gone = !r.containerId || r.containerState === 'removed';
      return api.confirm({
        title: `Delete record ${r.id}?`,
        lines: gone
          ? [`${r.release ?? r.image} in room ${r.room}; its container is already gone`]
          : [`stops and removes container ${r.name} in room ${r.room} (${r.containerState}),`, 'then deletes the record'],
        onYes: () => {
          api.status({ text: `deleting record ${r.id}…`, tone: 'info' });
          new RecordService(api.rt)
            .delete(r.id)
            .then(
              () => api.status({ text: `deleted record ${r.id}${gone ? '' : ` and container ${r.name}`}`, tone: 'ok' }),
              (err: Error) => api.status({ text: `record ${r.id}: ${err.message.split('\n')[0]}`, tone: 'error' }),
            )
            .finally(() => recordsStoreFor(api.rt).reload());
        },
      });
    }
    default:
      return false;
  }
}

function RecordsBody({ data, api, width, height }: { data: RecordsData; api: ViewApi; width: number; height: number }) {
  const split = width >= 120;
  const listWidth = split ? Math.floor(width * 0.6) : width;
  const table = (
    <RecordsTable
      records={data.filtered}
      total={data.state.total}
      loaded={data.state.loaded}
      error={data.state.error}
      cursor={data.cursor}
      height={height}
      width={listWidth}
      filter={data.ui.filter}
      filterEditing={api.prompting('filter')}
      now={Date.now()}
    />
  );
  if (!split) return table;
  return (
    <Box flexDirection="row" height={height}>
      {table}
      <RecordDetail record={data.filtered[data.cursor]} height={height} width={width - listWidth} />
    </Box>
  );
}

export const recordsView: DashboardView<RecordsData> = {
  id: 'records',
  title: 'Records',
  aliases: ['record', 'rec', 'runs'],
  contexts: () => ['records'],
  useData: useRecordsData,
  Component: RecordsBody,
  run: runRecords,
};
