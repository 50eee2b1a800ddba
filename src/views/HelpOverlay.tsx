// The help overlay: every key binding, read from the same table the dispatcher uses.
import React from 'react';
import { Box, Text } from 'ink';
import { bindings } from '../app/keymap.js';

export function HelpOverlay() {
  return (
    <Box flexDirection="column" borderStyle="double" borderColor="cyan" paddingX={2}>
      <Text bold>Keys</Text>
      {bindings.map((b) => (
        <Text key={b.command}>
          <Text color="cyan">{b.keys.join(', ').padEnd(14)}</Text> {b.description}
        </Text>
      ))}
      <Text dimColor>press ? or escape to close</Text>
    </Box>
  );
}
