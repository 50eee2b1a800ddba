// The Files tab of a container's detail: one directory of the container's filesystem, a cursor, sizes and links.
import React from 'react';
import { Box } from 'ink';
import { Text } from './Text.js';
import type { FilesSnapshot } from '../app/files-browser.js';
import { formatBytes } from '../runtime/core/index.js';

export interface FilesPaneProps {
  snapshot: FilesSnapshot;
  height: number;
  width: number;
  focused: boolean;
}

export function FilesPane({ snapshot, height, width, focused }: FilesPaneProps) {
  const { entries, cursor, loading, error, truncated } = snapshot;
  const rows = Math.max(1, height - 1);
  const start = Math.max(0, Math.min(cursor - Math.floor(rows / 2), entries.length - rows));
  const shown = entries.slice(start, start + rows);
  const sizeWidth = 9;
  return (
    <Box flexDirection="column" height={height} width={width}>
      <Text wrap="truncate">
        <Text bold>{snapshot.path}</Text>
        <Text dimColor>
          {loading ? '  loading…' : `  ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}${truncated ? ' (first shown)' : ''}`}
          {focused ? '  enter open · esc up · D download · U upload' : '  enter to browse'}
        </Text>
      </Text>
      {error ? (
        <Text color="red" wrap="truncate">
          {error}
        </Text>
      ) : entries.length === 0 && !loading ? (
        <Text dimColor wrap="truncate">
          (empty)
        </Text>
      ) : (
        shown.map((e, i) => {
          const at = start + i === cursor;
          const name = e.type === 'directory' ? `${e.name}/` : e.type === 'symlink' ? `${e.name} -> ${e.linkTarget ?? ''}` : e.name;
          const size = e.type === 'file' ? formatBytes(e.size) : e.type === 'directory' ? 'dir' : e.type === 'symlink' ? 'link' : e.type;
          return (
            <Text key={e.name} wrap="truncate" inverse={at && focused} color={e.type === 'directory' ? 'blue' : e.type === 'symlink' ? 'cyan' : undefined}>
              {`${at ? '›' : ' '} ${size.padStart(sizeWidth)}  ${name}`}
            </Text>
          );
        })
      )}
    </Box>
  );
}
