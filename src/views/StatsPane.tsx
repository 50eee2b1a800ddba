// The stats tab: CPU and memory sparklines over the capped history, and the latest network, block I/O and pids.
import React from 'react';
import { Box } from 'ink';
import { Text } from './Text.js';
import type { StatsHistory } from '../app/stats-store.js';
import { formatBytes, formatPercent } from '../runtime/core/index.js';
import { type StatsSample } from '../runtime/engine/index.js';
import { sparkline } from './sparkline.js';

export interface StatsPaneProps {
  sample?: StatsSample;
  history?: StatsHistory;
  running: boolean;
  width: number;
}

export function StatsPane({ sample, history, running, width }: StatsPaneProps) {
  if (!running) return <Text dimColor>not running: no live stats</Text>;
  if (!sample || !history) return <Text dimColor>sampling…</Text>;
  const graph = Math.max(10, width - 2);
  const cpuPeak = Math.max(...history.cpu);
  const memPeak = Math.max(...history.memory);
  const limit = sample.memoryLimit;
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>CPU</Text> {formatPercent(sample.cpuPercent)} <Text dimColor>(peak {formatPercent(cpuPeak)}, {history.cpu.length} samples)</Text>
      </Text>
      <Text color="green">{sparkline(history.cpu, graph, Math.max(100, cpuPeak))}</Text>
      <Text> </Text>
      <Text>
        <Text bold>Memory</Text> {formatBytes(sample.memoryUsed)} / {formatBytes(limit)}{' '}
        <Text dimColor>(peak {formatBytes(memPeak)})</Text>
      </Text>
      <Text color="cyan">{sparkline(history.memory, graph, memPeak)}</Text>
      <Text> </Text>
      <Text>
        <Text bold>Network</Text> rx {formatBytes(sample.netRx)} tx {formatBytes(sample.netTx)}   <Text bold>Block I/O</Text> read{' '}
        {formatBytes(sample.blockRead)} write {formatBytes(sample.blockWrite)}   <Text bold>PIDs</Text> {sample.pids}
      </Text>
    </Box>
  );
}
