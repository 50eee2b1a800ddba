// A confirmation modal: what will happen, and the keys (from the key table) that confirm or cancel.
import React from 'react';
import { Box } from 'ink';
import { Text } from './Text.js';

export function ConfirmModal({ title, lines }: { title: string; lines: string[] }) {
  return (
    <Box flexDirection="column" borderStyle="double" borderColor="red" paddingX={2} alignSelf="center">
      <Text bold color="red">
        {title}
      </Text>
      {lines.map((line, i) => (
        <Text key={i}>{line}</Text>
      ))}
      <Text>
        <Text bold color="red">y</Text> confirm · <Text bold>n</Text>/esc cancel
      </Text>
    </Box>
  );
}
