// The Audit view: the audit log followed live (newest at the bottom; the cursor stays on the newest unless moved),
// with a text filter over actor, action, target and result.
import React, { useCallback, useEffect, useMemo, useSyncExternalStore } from 'react';
import { Box } from 'ink';
import { Text } from './Text.js';
import { AuditStore } from '../app/audit-store.js';
import { useKept } from '../app/use-kept.js';
import type { Command } from '../app/keymap.js';
import { fitColumns, listMove, tableHeader, type DashboardView, type TableColumn, type ViewApi } from '../app/view-layout.js';
import type { AuditEntry } from '../runtime/core/index.js';
import { TableCells } from './TableCells.js';

/** Border, title and header take four lines. */
function visibleRows(height: number): number {
  return Math.max(1, height - 4);
}

export function matchesAudit(e: AuditEntry, filter: string): boolean {
  if (!filter) return true;
  const q = filter.toLowerCase();
  return [e.actor, e.action, e.target, e.result, e.error ?? ''].some((f) => f.toLowerCase().includes(q));
}

const auditColumns: TableColumn<AuditEntry>[] = [
  { header: 'TIME', priority: 2, min: 19, max: 19, fixed: 19, cell: (e) => ({ text: e.time.replace('T', ' ').slice(0, 19) }) },
  { header: 'ACTOR', priority: 4, min: 5, max: 16, cell: (e) => ({ text: e.actor }) },
  { header: 'ACTION', priority: 0, min: 6, max: 24, cell: (e) => ({ text: e.action }) },
  { header: 'TARGET', priority: 3, min: 8, max: 60, cell: (e) => ({ text: e.target }) },
  {
    header: 'RESULT',
    priority: 1,
    min: 6,
    max: 40,
    cell: (e) => (e.result === 'ok' ? { text: 'ok', color: 'green' } : { text: `error: ${e.error ?? ''}`, color: 'red' }),
  },
];

export interface AuditListProps {
  entries: readonly AuditEntry[];
  /** Index into entries; undefined follows the newest. */
  cursor?: number;
  filter: string;
  error?: string;
  width: number;
  height: number;
}

export function AuditList({ entries, cursor, filter, error, width, height }: AuditListProps) {
  const visible = visibleRows(height);
  const at = cursor ?? entries.length - 1;
  const start = Math.min(Math.max(0, at - visible + 1), Math.max(0, entries.length - visible));
  // Narrow, whole columns go by priority (ACTOR first, then TARGET), none is cut to a few letters.
  const columns = fitColumns(auditColumns, entries, Math.max(8, width - 4), undefined);
  return (
    <Box flexDirection="column" height={height} borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text bold wrap="truncate">
        Audit <Text dimColor>({entries.length}{filter ? ` matching "${filter}"` : ''}) {cursor === undefined ? 'following' : 'G follows'} · / filter</Text>
      </Text>
      <Text dimColor wrap="truncate">
        {tableHeader(columns)}
      </Text>
      {error ? <Text color="red" wrap="truncate">{error}</Text> : null}
      {entries.length === 0 ? <Text dimColor wrap="truncate">no entries{filter ? ' match the filter' : ' yet: every change berth makes is recorded here'}</Text> : null}
      {entries.slice(start, start + visible).map((e, i) => (
        <Text key={`${start + i}-${e.time}`} inverse={cursor !== undefined && start + i === at} wrap="truncate">
          <TableCells columns={columns} row={e} ctx={undefined} />
        </Text>
      ))}
    </Box>
  );
}

interface AuditData {
  entries: readonly AuditEntry[];
  error?: string;
  filter: string;
  cursor?: number;
  setFilter(filter: string): void;
  setCursor(cursor: number | undefined): void;
  now(): { entries: readonly AuditEntry[]; cursor?: number; filter: string };
  page: number;
}

function useAuditData(api: ViewApi, size: { width: number; height: number }): AuditData {
  const store = useMemo(() => new AuditStore(api.rt), [api]);
  useEffect(() => {
    store.start();
    return () => store.stop();
  }, [store]);
  const snap = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const [filter, setFilter, filterNow] = useKept(api, 'audit.filter', () => '');
  const [cursor, setCursor, cursorNow] = useKept<number | undefined>(api, 'audit.cursor', () => undefined);
  const entries = useMemo(() => snap.entries.filter((e) => matchesAudit(e, filter)), [snap.entries, filter]);
  const now = useCallback(() => {
    const f = filterNow();
    return { entries: store.getSnapshot().entries.filter((e) => matchesAudit(e, f)), cursor: cursorNow(), filter: f };
  }, [store, filterNow, cursorNow]);
  return { entries, error: snap.error, filter, cursor: cursor === undefined ? undefined : Math.min(cursor, Math.max(0, entries.length - 1)), setFilter, setCursor, now, page: visibleRows(size.height) };
}

function runAudit(command: Command, data: AuditData, api: ViewApi): boolean | void {
  const { entries, cursor } = data.now();
  const last = entries.length - 1;
  const at = cursor ?? last;
  // Moving onto the newest entry follows again.
  const move = (to: number) => data.setCursor(to >= last ? undefined : Math.max(0, to));
  const to = listMove(command, at, entries.length, data.page);
  if (to !== undefined) {
    if (command === 'bottom') return data.setCursor(undefined);
    // With no entries yet, moving up stops following (the cursor waits on the first entry), as it always has.
    if (last < 0) return data.setCursor(command === 'up' || command === 'page-up' ? 0 : undefined);
    return move(to);
  }
  switch (command) {
    case 'filter':
      return api.prompt({
        label: 'filter audit',
        initial: data.now().filter,
        onChange: (text) => data.setFilter(text),
        onSubmit: (text) => data.setFilter(text),
        onCancel: () => data.setFilter(''),
      });
    default:
      return false;
  }
}

export const auditView: DashboardView<AuditData> = {
  id: 'audit',
  title: 'Audit',
  aliases: ['log', 'actions', 'history'],
  contexts: () => ['audit'],
  useData: useAuditData,
  Component: ({ data, width, height }) => <AuditList entries={data.entries} cursor={data.cursor} filter={data.filter} error={data.error} width={width} height={height} />,
  run: runAudit,
};
