// A container's detail view: a header (name, image, state, live CPU/memory), the tab bar, and the open tab.
import React from 'react';
import { Box } from 'ink';
import { Text } from './Text.js';
import type { ContainerSummary } from '../runtime/containers/index.js';
import { type StatsSample } from '../runtime/engine/index.js';
import { formatBytes, formatPercent } from '../runtime/core/index.js';
import { type Tab, TABS } from '../app/ui-state.js';
import { stableStatus, stateColor } from './ContainerTable.js';

export interface ContainerDetailProps {
  container?: ContainerSummary;
  tab: Tab;
  sample?: StatsSample;
  height: number;
  width?: number;
  /** Zoomed full screen (it has the keys) rather than beside the list. */
  focused?: boolean;
  children: React.ReactNode;
}

export function ContainerDetail({ container, tab, sample, height, width, focused = true, children }: ContainerDetailProps) {
  return (
    <Box flexDirection="column" height={height} width={width} borderStyle="round" borderColor={focused ? 'cyan' : 'gray'} paddingX={1}>
      {container ? (
        <Text wrap="truncate">
          <Text bold>{container.name}</Text> <Text dimColor>{container.image}</Text>{' '}
          <Text color={stateColor[container.state]}>{container.state}</Text> <Text dimColor>{stableStatus(container.status)}</Text>
          {sample && container.state === 'running' ? (
            <Text>
              {'  '}cpu {formatPercent(sample.cpuPercent)} mem {formatBytes(sample.memoryUsed)}
            </Text>
          ) : null}
        </Text>
      ) : focused ? (
        <Text color="red" wrap="truncate">this container is gone (deleted?): esc to go back</Text>
      ) : (
        <Text dimColor wrap="truncate">no container selected</Text>
      )}
      <Text wrap="truncate">
        {TABS.map((t, i) => (
          <Text key={t} inverse={t === tab} color={t === tab ? 'cyan' : undefined}>
            {` ${i + 1} ${t} `}
          </Text>
        ))}
      </Text>
      <Box flexDirection="column" flexGrow={1}>
        {children}
      </Box>
    </Box>
  );
}
