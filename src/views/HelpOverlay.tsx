// The help overlay: every command and its keys, read from the same table the dispatcher uses.
import React from 'react';
import { Box } from 'ink';
import { Text } from './Text.js';
import { helpEntry, helpGroups, keyLabel } from '../app/keymap.js';

const KEY_WIDTH = 12;

export function HelpOverlay({ width = 100 }: { width?: number }) {
  // As many columns as fit (four on a wide terminal), so every group shows without scrolling.
  const columnWidth = Math.max(30, Math.floor((width - 6) / Math.max(1, Math.min(4, Math.floor((width - 6) / 30)))));
  return (
    <Box flexDirection="column" borderStyle="double" borderColor="cyan" paddingX={2}>
      <Text bold>Keys</Text>
      <Box flexDirection="row" flexWrap="wrap">
        {helpGroups.map((group) => (
          <Box key={group.title} flexDirection="column" width={columnWidth} paddingRight={2} marginBottom={1}>
            <Text bold color="yellow">
              {group.title}
            </Text>
            {group.commands.map((command) => {
              const { keys, description } = helpEntry(command);
              return (
                <Text key={command} wrap="truncate">
                  <Text color="cyan">{keys.map(keyLabel).join(', ').padEnd(KEY_WIDTH)}</Text> {description}
                </Text>
              );
            })}
          </Box>
        ))}
      </Box>
      <Text dimColor>press ? or escape to close</Text>
    </Box>
  );
}
