// The container table of the selected room: name, image, state, status; a window of rows around the cursor.
import React from 'react';
import { Box, Text } from 'ink';
import type { ContainerSummary } from '../runtime/containers.js';
import { truncate } from '../runtime/format.js';

export interface ContainerTableProps {
  room?: string;
  containers: ContainerSummary[];
  cursor: number;
  focused: boolean;
  height: number;
  width: number;
}

const stateColor: Record<string, string> = {
  running: 'green',
  exited: 'gray',
  dead: 'red',
  paused: 'yellow',
  restarting: 'yellow',
  created: 'blue',
};

export function ContainerTable({ room, containers, cursor, focused, height, width }: ContainerTableProps) {
  const inner = Math.max(20, width - 4);
  const nameW = Math.max(8, Math.floor(inner * 0.28));
  const imageW = Math.max(8, Math.floor(inner * 0.3));
  const stateW = 10;
  const statusW = Math.max(6, inner - nameW - imageW - stateW - 3);
  const visible = Math.max(1, height - 4);
  // Only the rows that fit are rendered, so a room with thousands of containers draws as fast as one with ten.
  const start = Math.min(Math.max(0, cursor - visible + 1), Math.max(0, containers.length - visible));
  const rows = containers.slice(start, start + visible);
  const row = (name: string, image: string, state: string, status: string) =>
    `${truncate(name, nameW).padEnd(nameW)} ${truncate(image, imageW).padEnd(imageW)} ${truncate(state, stateW).padEnd(stateW)} ${truncate(status, statusW)}`;
  return (
    <Box flexDirection="column" flexGrow={1} borderStyle="round" borderColor={focused ? 'cyan' : 'gray'} paddingX={1}>
      <Text bold>
        Containers{room ? ` in ${room}` : ''} <Text dimColor>({containers.length})</Text>
      </Text>
      <Text dimColor>{row('NAME', 'IMAGE', 'STATE', 'STATUS')}</Text>
      {containers.length === 0 ? <Text dimColor>no containers in this room</Text> : null}
      {rows.map((c, i) => {
        const selected = focused && start + i === cursor;
        return (
          <Text key={c.id} inverse={selected} wrap="truncate">
            {truncate(c.name, nameW).padEnd(nameW)} {truncate(c.image, imageW).padEnd(imageW)}{' '}
            <Text color={stateColor[c.state]}>{truncate(c.state, stateW).padEnd(stateW)}</Text> {truncate(c.status, statusW)}
          </Text>
        );
      })}
    </Box>
  );
}
