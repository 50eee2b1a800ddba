// The room list pane: one row per room with running/total containers.
import React from 'react';
import { Box, Text } from 'ink';
import type { RoomSummary } from '../runtime/rooms.js';
import { truncate } from '../runtime/format.js';

export interface RoomListProps {
  rooms: RoomSummary[];
  selected?: string;
  focused: boolean;
  width: number;
}

export function RoomList({ rooms, selected, focused, width }: RoomListProps) {
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
    </Box>
  );
}
