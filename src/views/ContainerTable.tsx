// The container table of the selected room: agent, image, state, status, CPU %, memory, uptime, ports; only the
// rows that fit are rendered, and columns are sized to their content, dropping the least important when narrow.
import React from 'react';
import { Box } from 'ink';
import { Text } from './Text.js';
import type { ContainerSummary } from '../runtime/containers/index.js';
import { formatBytes, formatDuration, formatPercent, formatPorts } from '../runtime/core/index.js';
import type { StatsSnapshot } from '../app/stats-store.js';
import { fitColumns, tableHeader, type TableColumn } from '../app/view-layout.js';
import { TableCells } from './TableCells.js';

export interface ContainerTableProps {
  room?: string;
  /** Every room's containers: a ROOM column is shown. */
  allRooms?: boolean;
  /** The rows after filtering. */
  containers: ContainerSummary[];
  /** How many the room has before filtering. */
  total: number;
  cursor: number;
  focused: boolean;
  height: number;
  width: number;
  selected: ReadonlySet<string>;
  stats: StatsSnapshot;
  filter: string;
  filterEditing: boolean;
  /** The engine is not answering: the rows are the last known state. */
  stale?: boolean;
  now: number;
}

export const stateColor: Record<string, string> = {
  running: 'green',
  exited: 'gray',
  dead: 'red',
  paused: 'yellow',
  restarting: 'yellow',
  created: 'blue',
  removing: 'red',
};

/** Border, title and header take four lines; the rest are rows. */
export function visibleRowCount(height: number): number {
  return Math.max(1, height - 4);
}

/** The first row shown: the window only moves when the cursor would leave it. */
export function tableWindowStart(count: number, cursor: number, visible: number): number {
  return Math.min(Math.max(0, cursor - visible + 1), Math.max(0, count - visible));
}

interface CellContext {
  stats: StatsSnapshot;
  now: number;
}

type ColumnSpec = TableColumn<ContainerSummary, CellContext>;

const RELATIVE_TIME =
  / (?:Less than a second|About an? (?:minute|hour)|an? (?:second|minute|hour|day|week|month|year)|\d+ (?:seconds?|minutes?|hours?|days?|weeks?|months?|years?))(?: ago)?/;

/**
 * Docker's status without its relative time ("Up 3 minutes (healthy)" -> "Up (healthy)", "Exited (0) 2 hours ago"
 * -> "Exited (0)"): the list is refreshed by events, not a timer, so a time in it would go stale; the UPTIME
 * column and the info tab carry the times.
 */
export function stableStatus(status: string): string {
  return status.replace(RELATIVE_TIME, '');
}

/** Uptime to the minute, so an idle table needs one redraw a minute, not one a second. */
function uptime(startedAt: string | undefined, now: number): string {
  if (!startedAt) return '-';
  const ms = Math.max(0, now - Date.parse(startedAt));
  return ms < 60_000 ? '<1m' : formatDuration(Math.floor(ms / 60_000) * 60_000);
}

const roomColumn: ColumnSpec = { header: 'ROOM', priority: 1, min: 4, max: 20, cell: (c) => ({ text: c.room }) };

const allColumns: ColumnSpec[] = [
  { header: 'NAME', priority: 0, min: 6, max: 28, cell: (c) => ({ text: c.name }) },
  { header: 'IMAGE', priority: 2, min: 8, max: 36, cell: (c) => ({ text: c.image }) },
  { header: 'STATE', priority: 1, min: 7, max: 10, cell: (c) => ({ text: c.state, color: stateColor[c.state] }) },
  { header: 'STATUS', priority: 5, min: 8, max: 28, cell: (c) => ({ text: stableStatus(c.status) }) },
  { header: 'AGENT', priority: 7, min: 5, max: 14, cell: (c) => ({ text: c.agent || '-' }) },
  {
    header: 'CPU %',
    priority: 3,
    min: 6,
    max: 7,
    fixed: 6,
    right: true,
    cell: (c, { stats }) => ({ text: c.state === 'running' ? formatPercent(stats.latest.get(c.id)?.cpuPercent) : '-' }),
  },
  {
    header: 'MEM',
    priority: 4,
    min: 7,
    max: 8,
    fixed: 7,
    right: true,
    cell: (c, { stats }) => ({ text: c.state === 'running' ? formatBytes(stats.latest.get(c.id)?.memoryUsed) : '-' }),
  },
  {
    header: 'UPTIME',
    priority: 6,
    min: 6,
    max: 7,
    fixed: 6,
    cell: (c, { stats, now }) => ({ text: c.state === 'running' ? uptime(stats.startedAt.get(c.id), now) : '-' }),
  },
  { header: 'PORTS', priority: 8, min: 8, max: 40, cell: (c) => ({ text: formatPorts(c.ports) || '-' }) },
];

export function ContainerTable(props: ContainerTableProps) {
  const { room, allRooms, containers, total, cursor, focused, height, width, selected, stats, filter, filterEditing, stale, now } = props;
  const inner = Math.max(8, width - 4);
  const visible = visibleRowCount(height);
  // Only the rows that fit are rendered, so a room with thousands of containers draws as fast as one with ten.
  const start = tableWindowStart(containers.length, cursor, visible);
  const rows = containers.slice(start, start + visible);
  const ctx = { stats, now };
  const cols = fitColumns(allRooms ? [roomColumn, ...allColumns] : allColumns, containers, inner - 2, ctx);
  const header = tableHeader(cols);
  const count = filter ? `${containers.length} of ${total}` : String(total);
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={focused ? 'cyan' : 'gray'} paddingX={1}>
      <Text bold wrap="truncate">
        Containers{allRooms ? ' in all rooms' : room ? ` in ${room}` : ''} <Text dimColor>({count})</Text>
        {stale ? <Text color="red"> stale</Text> : null}
        {selected.size ? <Text color="magenta"> {selected.size} selected</Text> : null}
        {filter || filterEditing ? (
          <Text color="yellow">
            {' '}
            filter: {filter}
            {filterEditing ? '▏' : ''}
          </Text>
        ) : null}
      </Text>
      <Text dimColor wrap="truncate">
        {'  '}
        {header}
      </Text>
      {containers.length === 0 ? (
        <Text dimColor wrap="truncate">{total === 0 ? (allRooms ? 'no berth containers on this engine' : 'no containers in this room') : 'no containers match the filter'}</Text>
      ) : null}
      {rows.map((c, i) => {
        const isCursor = focused && start + i === cursor;
        return (
          <Text key={c.id} inverse={isCursor} wrap="truncate">
            <Text color="magenta">{selected.has(c.id) ? '● ' : '  '}</Text>
            <TableCells columns={cols} row={c} ctx={ctx} />
          </Text>
        );
      })}
    </Box>
  );
}
