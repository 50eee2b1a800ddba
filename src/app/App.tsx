// The dashboard root: layout, focus and the one keypress dispatcher.
import React, { useState } from 'react';
import { Box, Text, useInput } from 'ink';
import { ContainerTable } from '../views/ContainerTable.js';
import { HelpOverlay } from '../views/HelpOverlay.js';
import { RoomList } from '../views/RoomList.js';
import type { DashboardStore } from './dashboard-store.js';
import { footerText, keyName, resolveCommand, type Pane } from './keymap.js';
import { useDashboardState, useTerminalSize } from './use-dashboard.js';

export interface AppProps {
  store: DashboardStore;
  endpoint: string;
  onQuit: () => void;
}

export function App({ store, endpoint, onQuit }: AppProps) {
  const state = useDashboardState(store);
  const { columns, rows } = useTerminalSize();
  const [pane, setPane] = useState<Pane>('rooms');
  const [cursor, setCursor] = useState(0);
  const [help, setHelp] = useState(false);

  const roomIndex = Math.max(0, state.rooms.findIndex((r) => r.name === state.selectedRoom));
  const containerCursor = Math.min(cursor, Math.max(0, state.containers.length - 1));

  const moveRoom = (to: number) => {
    const room = state.rooms[Math.min(Math.max(0, to), state.rooms.length - 1)];
    if (room) {
      store.selectRoom(room.name);
      setCursor(0);
    }
  };
  const moveContainer = (to: number) => setCursor(Math.min(Math.max(0, to), Math.max(0, state.containers.length - 1)));

  useInput((input, key) => {
    const name = keyName(input, key);
    // The help overlay is modal: it takes keys before the panes do.
    if (help) {
      if (name === '?' || name === 'escape' || name === 'q') setHelp(false);
      if (name === 'ctrl+c') onQuit();
      return;
    }
    const command = resolveCommand(name, pane);
    switch (command) {
      case 'quit':
        return onQuit();
      case 'help':
        return setHelp(true);
      case 'focus-next':
        return setPane(pane === 'rooms' ? 'containers' : 'rooms');
      case 'up':
        return pane === 'rooms' ? moveRoom(roomIndex - 1) : moveContainer(containerCursor - 1);
      case 'down':
        return pane === 'rooms' ? moveRoom(roomIndex + 1) : moveContainer(containerCursor + 1);
      case 'top':
        return pane === 'rooms' ? moveRoom(0) : moveContainer(0);
      case 'bottom':
        return pane === 'rooms' ? moveRoom(state.rooms.length - 1) : moveContainer(state.containers.length - 1);
      case undefined:
        return;
      default: {
        const never: never = command;
        return never;
      }
    }
  });

  const roomWidth = Math.min(32, Math.max(18, Math.floor(columns * 0.25)));
  const bodyHeight = Math.max(5, rows - 3);
  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <Box justifyContent="space-between">
        <Text>
          <Text bold color="cyan">berth</Text> <Text dimColor>{endpoint}</Text>
        </Text>
        <Text dimColor>{state.loaded ? `${state.rooms.length} rooms · ${state.events} events` : 'loading…'}</Text>
      </Box>
      {help ? (
        <HelpOverlay />
      ) : (
        <Box height={bodyHeight}>
          <RoomList rooms={state.rooms} selected={state.selectedRoom} focused={pane === 'rooms'} width={roomWidth} />
          <ContainerTable
            room={state.selectedRoom}
            containers={state.containers}
            cursor={containerCursor}
            focused={pane === 'containers'}
            height={bodyHeight}
            width={columns - roomWidth}
          />
        </Box>
      )}
      <Box flexGrow={1} />
      {state.error ? <Text color="red" wrap="truncate">{state.error}</Text> : null}
      <Text dimColor wrap="truncate">{footerText(pane)}</Text>
    </Box>
  );
}
