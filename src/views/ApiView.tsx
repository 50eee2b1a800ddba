// The API view: each berth serve running on this data directory, as it publishes itself once a second — where it
// listens and which room it serves, its open WebSocket sessions, requests per token in the last minute, and its
// latest 4xx/5xx answers. Read-only; refreshed every second while on screen.
import React, { useEffect, useMemo, useSyncExternalStore } from 'react';
import { Box } from 'ink';
import { ApiStore, type ApiSnapshot } from '../app/api-store.js';
import type { DashboardView, ViewApi } from '../app/view-layout.js';
import { formatAge } from '../runtime/core/index.js';
import { Text } from './Text.js';

export interface ApiViewProps {
  snapshot: ApiSnapshot;
  width: number;
  height: number;
  now?: number;
}

export function ApiView({ snapshot, width, height, now = Date.now() }: ApiViewProps) {
  const servers = snapshot.servers ?? [];
  const lines: { key: string; text: string; bold?: boolean; dim?: boolean; color?: string }[] = [];
  for (const s of servers) {
    const sessions = s.sessions.reduce((n, x) => n + x.count, 0);
    lines.push({ key: `${s.host}/${s.pid}`, text: `${s.url}  room ${s.room}  pid ${s.pid}  up since ${formatAge(s.startedAt, now)}  ${sessions} open session${sessions === 1 ? '' : 's'}`, bold: true });
    for (const x of s.sessions) lines.push({ key: `${s.pid}/s/${x.principal}`, text: `  session  ${x.principal === `user:${x.name}` ? x.principal : `${x.name} (agent ${x.agent})`}  ×${x.count}` });
    lines.push({ key: `${s.pid}/th`, text: '  requests in the last minute, per token:', dim: true });
    if (!s.tokens.length) lines.push({ key: `${s.pid}/t-`, text: '    none', dim: true });
    for (const t of s.tokens) lines.push({ key: `${s.pid}/t/${t.id}`, text: `    ${String(t.requests).padStart(6)}  ${t.name}  agent ${t.agent}  (${t.id})` });
    lines.push({ key: `${s.pid}/eh`, text: '  recent 4xx/5xx:', dim: true });
    if (!s.errors.length) lines.push({ key: `${s.pid}/e-`, text: '    none', dim: true });
    s.errors.forEach((e, i) =>
      lines.push({ key: `${s.pid}/e/${i}`, text: `    ${e.status} ${e.method} ${e.path}  ${e.principal}  ${formatAge(e.time, now)}`, color: e.status >= 500 ? 'red' : 'yellow' }),
    );
  }
  const visible = Math.max(1, height - 3);
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text bold wrap="truncate">
        API <Text dimColor>({servers.length} server{servers.length === 1 ? '' : 's'} on this data directory) tokens: berth token list</Text>
      </Text>
      {snapshot.servers === undefined ? <Text dimColor wrap="truncate">{snapshot.error ? `cannot read the servers' state: ${snapshot.error}` : 'loading…'}</Text> : null}
      {snapshot.servers !== undefined && servers.length === 0 ? <Text dimColor wrap="truncate">no berth serve is running on this data directory</Text> : null}
      {lines.slice(0, visible).map((l) => (
        <Text key={l.key} bold={l.bold} dimColor={l.dim} color={l.color} wrap="truncate">
          {l.text}
        </Text>
      ))}
    </Box>
  );
}

interface ApiData {
  snapshot: ApiSnapshot;
}

function useApiData(api: ViewApi): ApiData {
  const store = useMemo(() => api.keep('api-store', () => new ApiStore(api.rt)).get(), [api]);
  useEffect(() => {
    store.start();
    return () => store.stop();
  }, [store]);
  return { snapshot: useSyncExternalStore(store.subscribe, store.getSnapshot) };
}

export const apiView: DashboardView<ApiData> = {
  id: 'api',
  title: 'API',
  aliases: ['serve', 'tokens'],
  contexts: () => [],
  useData: useApiData,
  Component: ({ data, width, height }) => <ApiView snapshot={data.snapshot} width={width} height={height} />,
  run: () => false,
};
