// The room list pane: one row per room with running/total containers, and the selected room's disk use.
import React from 'react';
import { Box, Text } from 'ink';
import type { RoomSummary } from '../runtime/rooms.js';
import { formatBytes, truncate } from '../runtime/format.js';

export interface RoomListProps {
  rooms: RoomSummary[];
  selected?: string;
  focused: boolean;
  width: number;
}

export function RoomList({ rooms, selected, focused, width }: RoomListProps) {
  // The selected room's disk use (measured in the background), under the list.
  const disk = rooms.find((r) => r.name === selected)?.disk;
  return (
    <Box flexDirection="column" width={width} borderStyle="round" borderColor={focused ? 'cyan' : 'gray'} paddingX={1}>
      <Text bold>Rooms</Text>
      {rooms.length === 0 ? <Text dimColor>no rooms: berth room create NAME</Text> : null}
      {rooms.map((room) => {
        const isSelected = room.name === selected;
        const counts = `${room.running}/${room.containers}`;
        const label = truncate(room.name, Math.max(4, width - counts.length - 7));
        return (
          <Text key={room.name} inverse={isSelected && focused} color={isSelected ? 'cyan' : undefined} wrap="truncate">
            {isSelected ? '›' : ' '} {label.padEnd(Math.max(4, width - counts.length - 7))} {counts}
          </Text>
        );
      })}
      {disk ? (
        <Text dimColor wrap="truncate">
          disk {formatBytes(disk.total)}: layers {formatBytes(disk.writable)}, logs {disk.logsKnown ? formatBytes(disk.logs) : '?'}, storage {formatBytes(disk.storage)}
        </Text>
      ) : null}
    </Box>
  );
}
