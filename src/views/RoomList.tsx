// The room list pane: "all rooms" first, then one row per room with running/total containers; only the rows that
// fit are drawn, keeping the selected room in view; under them the selected room's disk use.
import React from 'react';
import { Box } from 'ink';
import { Text } from './Text.js';
import { ALL_ROOMS } from '../app/dashboard-store.js';
import type { RoomSummary } from '../runtime/rooms/index.js';
import { formatBytes, truncate } from '../runtime/core/index.js';

export interface RoomListProps {
  rooms: RoomSummary[];
  selected?: string;
  focused: boolean;
  width: number;
  /** Rows including the border and title; omitted, the list takes what it needs. */
  height?: number;
}

export interface RoomEntry {
  name: string;
  label: string;
  running: number;
  containers: number;
}

/** The picker's rows: every berth container on the engine ("all rooms"), then each room. */
export function roomEntries(rooms: readonly RoomSummary[]): RoomEntry[] {
  const all: RoomEntry = {
    name: ALL_ROOMS,
    label: 'all rooms',
    running: rooms.reduce((n, r) => n + r.running, 0),
    containers: rooms.reduce((n, r) => n + r.containers, 0),
  };
  return [all, ...rooms.map((r) => ({ name: r.name, label: r.name, running: r.running, containers: r.containers }))];
}

/** The selected room's disk use (measured in the background by the store); for all rooms, the sum once all are in. */
function selectedDisk(rooms: readonly RoomSummary[], selected?: string): RoomSummary['disk'] {
  if (selected !== ALL_ROOMS) return rooms.find((r) => r.name === selected)?.disk;
  if (!rooms.length || rooms.some((r) => !r.disk)) return undefined;
  const sum = (k: 'writable' | 'logs' | 'storage' | 'total') => rooms.reduce((n, r) => n + r.disk![k], 0);
  return { writable: sum('writable'), logs: sum('logs'), logsKnown: rooms.every((r) => r.disk!.logsKnown), storage: sum('storage'), total: sum('total') };
}

export function RoomList({ rooms, selected, focused, width, height }: RoomListProps) {
  const entries = roomEntries(rooms);
  const disk = selectedDisk(rooms, selected);
  const fit = height ? Math.max(1, height - 3 - (disk ? 1 : 0)) : entries.length;
  const at = Math.max(0, entries.findIndex((e) => e.name === selected));
  const start = Math.min(Math.max(0, at - fit + 1), Math.max(0, entries.length - fit));
  const inner = Math.max(8, width - 4);
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={focused ? 'cyan' : 'gray'} paddingX={1}>
      <Text bold wrap="truncate">
        Rooms <Text dimColor>({rooms.length})</Text>
      </Text>
      {rooms.length === 0 ? <Text dimColor wrap="truncate">no rooms: berth room create NAME</Text> : null}
      {entries.slice(start, start + fit).map((entry) => {
        const isSelected = entry.name === selected;
        const counts = `${entry.running}/${entry.containers}`;
        const labelWidth = Math.max(4, inner - counts.length - 3);
        return (
          <Text key={entry.name} inverse={isSelected && focused} color={isSelected ? 'cyan' : undefined} dimColor={entry.name === ALL_ROOMS && !isSelected} wrap="truncate">
            {isSelected ? '›' : ' '} {truncate(entry.label, labelWidth).padEnd(labelWidth)} {counts}
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
