// What the records commands share: the table columns and the key/value view of one record.
import type { ContainerRecord } from '../../runtime/records.js';
import { formatAge, shortId } from '../../runtime/format.js';
import type { Column } from '../output.js';

export const recordColumns: Column<ContainerRecord>[] = [
  { header: 'ID', value: (r) => String(r.id) },
  { header: 'STATUS', value: (r) => r.status },
  { header: 'EXIT', value: (r) => (r.exitCode === null ? '-' : String(r.exitCode)) },
  { header: 'ROOM', value: (r) => r.room },
  { header: 'NAME', value: (r) => r.name },
  { header: 'RELEASE', value: (r) => r.release ?? '-', flex: true },
  { header: 'IMAGE', value: (r) => r.image, wide: true },
  { header: 'AGENT', value: (r) => r.agent },
  { header: 'LABELS', value: (r) => r.labels.join(',') || '-', flex: true },
  { header: 'CREATED', value: (r) => formatAge(r.createdAt) },
  { header: 'CONTAINER', value: (r) => (r.containerId ? shortId(r.containerId) : '-'), wide: true },
  { header: 'UPDATED', value: (r) => formatAge(r.updatedAt), wide: true },
];

const pairsOf = (o: Record<string, unknown>) =>
  Object.entries(o)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ') || '-';

export function recordPairs(r: ContainerRecord): [string, string][] {
  return [
    ['id', String(r.id)],
    ['status', r.status],
    ['exit code', r.exitCode === null ? '-' : `${r.exitCode}${r.oomKilled ? ' (OOM killed)' : ''}`],
    ['container', r.containerId ?? '-'],
    ['container state', r.containerState ?? '-'],
    ['name', r.name],
    ['room', r.room],
    ['image', r.image],
    ['release', r.release ?? '-'],
    ['agent', r.agent],
    ['params', JSON.stringify(r.params)],
    ['env', pairsOf(r.env)],
    ['metadata', pairsOf(r.metadata)],
    ['labels', r.labels.join(', ') || '-'],
    ['created', r.createdAt],
    ['updated', r.updatedAt],
    ['finished', r.finishedAt ?? '-'],
  ];
}
