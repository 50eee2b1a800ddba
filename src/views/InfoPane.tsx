// The info tab: the container's inspect view (env values that look secret are masked by the library), scrollable.
import React from 'react';
import { Box } from 'ink';
import { Text } from './Text.js';
import type { ContainerDetail } from '../runtime/containers/index.js';
import { formatBytes, formatPorts, truncate } from '../runtime/core/index.js';

export interface InfoPaneProps {
  detail?: ContainerDetail;
  error?: string;
  scroll: number;
  height: number;
  width: number;
}

/** The inspect view as label/value lines; lists become one line per item under their label. */
export function infoLines(d: ContainerDetail): [string, string][] {
  const lines: [string, string][] = [
    ['id', d.id],
    ['name', d.name],
    ['room', d.room],
    ['kind', d.kind],
    ['agent', d.agent ? `${d.agent}${d.role ? ` (${d.role})` : ''}` : '-'],
    ['image', `${d.image} (${d.imageId.replace(/^sha256:/, '').slice(0, 12)})`],
    ['state', `${d.state}: ${d.status}`],
    ['created', d.created],
    ['started', d.startedAt ?? '-'],
    ['finished', d.finishedAt ?? '-'],
    ['command', d.command.join(' ') || '-'],
    ['tags', d.tags.join(', ') || '-'],
    [
      'resources',
      [
        d.resources.cpus !== undefined ? `cpus ${d.resources.cpus}` : '',
        d.resources.memory !== undefined ? `memory ${formatBytes(d.resources.memory)}` : '',
        d.resources.pids !== undefined ? `pids ${d.resources.pids}` : '',
      ]
        .filter(Boolean)
        .join(', ') || 'unlimited',
    ],
    ['ports', formatPorts(d.ports) || '-'],
    ['network', d.network ? `${d.network.name}${d.network.ip ? ` ${d.network.ip}` : ''}` : '-'],
  ];
  const list = (label: string, items: string[]) => {
    if (!items.length) return void lines.push([label, '-']);
    items.forEach((item, i) => lines.push([i === 0 ? label : '', item]));
  };
  list('mounts', d.mounts.map((m) => `${m.source} -> ${m.target} (${m.type}${m.readOnly ? ', ro' : ''})`));
  list('env', d.env);
  list('labels', Object.entries(d.labels).map(([k, v]) => `${k}=${v}`));
  return lines;
}

export function InfoPane({ detail, error, scroll, height, width }: InfoPaneProps) {
  if (error) return <Text color="red">{error}</Text>;
  if (!detail) return <Text dimColor>loading…</Text>;
  const lines = infoLines(detail);
  const shown = lines.slice(Math.min(scroll, Math.max(0, lines.length - height)), Math.min(scroll, Math.max(0, lines.length - height)) + height);
  return (
    <Box flexDirection="column">
      {shown.map(([label, value], i) => (
        <Text key={i} wrap="truncate">
          <Text color="cyan">{label.padEnd(10)}</Text> {truncate(value, Math.max(10, width - 12))}
        </Text>
      ))}
    </Box>
  );
}
