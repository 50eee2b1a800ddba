// The Agents view: each agent's running containers, CPU and memory in use against its limits, starts waiting in its
// queue, and (on a wide screen) the selected agent's containers and workspace; refreshed every few seconds.
import React, { useCallback, useEffect, useMemo, useSyncExternalStore } from 'react';
import { AgentsStore, type AgentsSnapshot } from '../app/agents-store.js';
import { Box } from 'ink';
import { Text } from './Text.js';
import type { Command } from '../app/keymap.js';
import { fitColumns, listMove, tableHeader, type DashboardView, type TableColumn, type ViewApi } from '../app/view-layout.js';
import { useKept } from '../app/use-kept.js';
import { workspaceDir, type AgentSummary } from '../runtime/agents/index.js';

export type { AgentsSnapshot };
import { formatBytes, formatPercent } from '../runtime/core/index.js';
import { TableCells } from './TableCells.js';

function limitsText(a: AgentSummary): string {
  const l = a.limits;
  const parts = [
    l.cpus ? `cpus ${l.cpus}` : '',
    l.memory ? `memory ${l.memory}` : '',
    l.maxRunning !== undefined ? `max running ${l.maxRunning}` : '',
    l.maxRunning !== undefined || l.cpus ? `on limit ${l.onLimit ?? 'reject'}` : '',
  ].filter(Boolean);
  return parts.join(', ') || 'no limits';
}

/** Whether the agent is at a limit (the row is drawn in yellow). */
function atLimit(a: AgentSummary): boolean {
  return (a.limits.maxRunning !== undefined && a.running >= a.limits.maxRunning) || a.queued > 0;
}

const agentColumns: TableColumn<AgentSummary>[] = [
  { header: 'AGENT', priority: 0, min: 5, max: 24, cell: (a) => ({ text: a.agent }) },
  {
    header: 'RUNNING',
    priority: 1,
    min: 7,
    max: 9,
    cell: (a) => ({ text: a.limits.maxRunning !== undefined ? `${a.running}/${a.limits.maxRunning}` : String(a.running) }),
  },
  { header: 'CPU', priority: 2, min: 5, max: 7, cell: (a) => ({ text: formatPercent(a.cpuPercent) }) },
  {
    header: 'CPU QUOTA',
    priority: 6,
    min: 9,
    max: 12,
    cell: (a) => ({ text: a.limits.cpus ? `${Math.round(a.cpusReserved * 100) / 100}/${a.limits.cpus}` : '-' }),
  },
  { header: 'MEMORY', priority: 3, min: 6, max: 9, cell: (a) => ({ text: formatBytes(a.memoryUsed) }) },
  { header: 'CAP', priority: 5, min: 3, max: 8, cell: (a) => ({ text: a.limits.memory ?? '-' }) },
  { header: 'QUEUED', priority: 4, min: 6, max: 6, cell: (a) => ({ text: String(a.queued) }) },
];

export interface AgentsViewProps {
  snapshot: AgentsSnapshot;
  cursor: number;
  width: number;
  height: number;
  room?: string;
  workspace?: (agent: string) => string | undefined;
}

export function AgentsView({ snapshot, cursor, width, height, room, workspace }: AgentsViewProps) {
  const agents = snapshot.agents ?? [];
  const split = width >= 120;
  // The table needs about 76 columns; the detail pane takes the rest of a wide screen.
  const listWidth = split ? Math.min(Math.floor(width * 0.6), 78) : width;
  const visible = Math.max(1, height - 4);
  const start = Math.min(Math.max(0, cursor - visible + 1), Math.max(0, agents.length - visible));
  // Narrow, the least important columns go (CPU QUOTA first), never cut to a few letters each.
  const columns = fitColumns(agentColumns, agents, Math.max(8, listWidth - 4), undefined);
  const selected = agents[cursor];
  return (
    <Box height={height} width={width}>
      <Box flexDirection="column" width={listWidth} height={height} borderStyle="round" borderColor="cyan" paddingX={1}>
        <Text bold wrap="truncate">
          Agents <Text dimColor>({agents.length}) limits: berth agent limits AGENT --cpus --memory --max-running</Text>
        </Text>
        <Text dimColor wrap="truncate">{tableHeader(columns)}</Text>
        {snapshot.agents === undefined ? <Text dimColor wrap="truncate">{snapshot.error ? `cannot list agents: ${snapshot.error}` : 'loading…'}</Text> : null}
        {snapshot.agents !== undefined && agents.length === 0 ? <Text dimColor wrap="truncate">no agents with limits or running containers</Text> : null}
        {agents.slice(start, start + visible).map((a, i) => (
          <Text key={a.agent} inverse={start + i === cursor} color={atLimit(a) ? 'yellow' : undefined} wrap="truncate">
            <TableCells columns={columns} row={a} ctx={undefined} />
          </Text>
        ))}
      </Box>
      {split ? (
        <Box flexDirection="column" width={width - listWidth} height={height} borderStyle="round" borderColor="gray" paddingX={1}>
          {selected ? (
            <>
              <Text bold wrap="truncate">{selected.agent}</Text>
              <Text wrap="truncate">limits: {limitsText(selected)}</Text>
              {room ? <Text wrap="truncate">workspace in {room} (/workspace in its containers):</Text> : null}
              {room ? <Text wrap="truncate" dimColor>  {workspace?.(selected.agent) ?? '-'}</Text> : null}
              <Text wrap="truncate">running containers:</Text>
              {selected.containers.length === 0 ? <Text dimColor wrap="truncate">  none</Text> : null}
              {selected.containers.slice(0, Math.max(0, height - 7)).map((c) => (
                <Text key={c} wrap="truncate">  {c}</Text>
              ))}
            </>
          ) : (
            <Text dimColor wrap="truncate">no agent selected</Text>
          )}
        </Box>
      ) : null}
    </Box>
  );
}

interface AgentsData {
  snapshot: AgentsSnapshot;
  cursor: number;
  setCursor(index: number): void;
  cursorNow(): number;
  count(): number;
  room?: string;
}

function useAgentsData(api: ViewApi): AgentsData {
  // Kept across visits: back on the view, the last list shows at once and a new read follows when one is due.
  const poller = useMemo(() => api.keep('agents-store', () => new AgentsStore(api.rt)).get(), [api]);
  useEffect(() => {
    poller.start();
    return () => poller.stop();
  }, [poller]);
  const snapshot = useSyncExternalStore(poller.subscribe, poller.getSnapshot);
  const room = useSyncExternalStore(api.store.subscribe, () => api.store.getSnapshot().selectedRoom);
  const [cursor, setCursor, cursorNow] = useKept(api, 'agents', () => 0);
  const count = useCallback(() => poller.getSnapshot().agents?.length ?? 0, [poller]);
  const length = snapshot.agents?.length ?? 0;
  return { snapshot, cursor: Math.min(cursor, Math.max(0, length - 1)), setCursor, cursorNow, count, room };
}

function runAgents(command: Command, data: AgentsData): boolean | void {
  const n = data.count();
  const at = Math.min(data.cursorNow(), Math.max(0, n - 1));
  const move = (to: number) => data.setCursor(Math.min(Math.max(0, to), Math.max(0, n - 1)));
  const to = listMove(command, at, n);
  if (to !== undefined) return move(to);
  switch (command) {
    default:
      return false;
  }
}

export const agentsView: DashboardView<AgentsData> = {
  id: 'agents',
  title: 'Agents',
  aliases: ['agent', 'limits'],
  contexts: () => ['agents'],
  useData: useAgentsData,
  Component: ({ data, api, width, height }) => (
    <AgentsView
      snapshot={data.snapshot}
      cursor={data.cursor}
      width={width}
      height={height}
      room={data.room}
      workspace={(agent) => {
        try {
          return data.room ? workspaceDir(api.rt, data.room, agent) : undefined;
        } catch {
          return undefined;
        }
      }}
    />
  ),
  run: (command, data) => runAgents(command, data),
};
