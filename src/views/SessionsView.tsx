// The Sessions view: every terminal session of this dashboard (container, command, started, running or exited with
// its code); enter re-attaches one full screen.
import React from 'react';
import { Box } from 'ink';
import { Text } from './Text.js';
import type { Command } from '../app/keymap.js';
import { useSessionList, type SessionInfo } from '../app/sessions.js';
import { listMove, type DashboardView, type ViewApi } from '../app/view-layout.js';
import { useKept } from '../app/use-kept.js';
import { formatAge, truncate } from '../runtime/core/index.js';

export interface SessionsViewProps {
  sessions: readonly SessionInfo[];
  cursor: number;
  height: number;
  width: number;
  now: number;
}

/** Border, title and header take four lines. */
function visibleRows(height: number): number {
  return Math.max(1, height - 4);
}

export function sessionState(s: SessionInfo): { text: string; color: string } {
  if (s.running) return { text: 'running', color: 'green' };
  return { text: s.exitCode === undefined ? 'ended' : `exited (${s.exitCode})`, color: s.exitCode === 0 ? 'gray' : 'red' };
}

export function SessionsView({ sessions, cursor, height, width, now }: SessionsViewProps) {
  const visible = visibleRows(height);
  const start = Math.min(Math.max(0, cursor - visible + 1), Math.max(0, sessions.length - visible));
  const inner = Math.max(30, width - 6);
  const w = { id: 4, state: 12, started: 9 };
  const flexible = Math.max(10, inner - w.id - w.state - w.started - 4);
  const target = Math.max(6, Math.floor(flexible * 0.4));
  const command = Math.max(4, flexible - target);
  const row = (cells: string[]) =>
    [cells[0]!.padEnd(w.id), truncate(cells[1]!, target).padEnd(target), truncate(cells[2]!, command).padEnd(command), cells[3]!.padEnd(w.started)].join(' ');
  return (
    <Box flexDirection="column" height={height} borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text bold wrap="truncate">
        Sessions <Text dimColor>({sessions.length}) enter attaches · Ctrl+] inside a session comes back here</Text>
      </Text>
      <Text dimColor wrap="truncate">
        {row(['#', 'CONTAINER', 'COMMAND', 'STARTED'])} STATE
      </Text>
      {sessions.length === 0 ? <Text dimColor wrap="truncate">no sessions: press e on a running container</Text> : null}
      {sessions.slice(start, start + visible).map((s, i) => {
        const state = sessionState(s);
        const label = s.kind === 'container' ? `${s.target}${s.room ? ` (${s.room})` : ''}` : 'host';
        return (
          <Text key={s.id} inverse={start + i === cursor} wrap="truncate">
            {row([String(s.id), label, s.command, formatAge(s.startedAt, now)])} <Text color={state.color}>{state.text}</Text>
          </Text>
        );
      })}
    </Box>
  );
}

interface SessionsData {
  sessions: readonly SessionInfo[];
  cursor: number;
  setCursor(index: number): void;
  cursorNow(): number;
}

function useSessionsData(api: ViewApi): SessionsData {
  const sessions = useSessionList(api.sessions);
  const [cursor, setCursor, cursorNow] = useKept(api, 'sessions', () => 0);
  return { sessions, cursor: Math.min(cursor, Math.max(0, sessions.length - 1)), setCursor, cursorNow };
}

function runSessions(command: Command, data: SessionsData, api: ViewApi): boolean | void {
  const rows = api.sessions?.getSnapshot() ?? [];
  const at = Math.min(data.cursorNow(), Math.max(0, rows.length - 1));
  const move = (to: number) => data.setCursor(Math.min(Math.max(0, to), Math.max(0, rows.length - 1)));
  const to = listMove(command, at, rows.length);
  if (to !== undefined) return move(to);
  switch (command) {
    case 'open': {
      const s = rows[at];
      if (s && !s.running) return api.status({ text: `session ${s.id} has ended (exit code ${s.exitCode ?? '-'}): x removes it`, tone: 'info' });
      if (s) api.sessions?.requestAttach(s.id);
      return;
    }
    case 'close-session': {
      const s = rows[at];
      if (!s || !api.sessions) return;
      void api.sessions.close(s.id);
      return api.status({ text: `session ${s.id} ${s.running ? 'ended' : 'removed'}`, tone: 'ok' });
    }
    default:
      return false;
  }
}

export const sessionsView: DashboardView<SessionsData> = {
  id: 'sessions',
  title: 'Sessions',
  aliases: ['exec', 'shells', 'terminals'],
  contexts: () => ['sessions'],
  useData: useSessionsData,
  Component: ({ data, width, height }) =>
    data.sessions === undefined ? null : <SessionsView sessions={data.sessions} cursor={data.cursor} height={height} width={width} now={Date.now()} />,
  run: runSessions,
};
