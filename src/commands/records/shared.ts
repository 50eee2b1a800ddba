// What the records commands share: the table columns (one record's fields are recordFields in the runtime).
import type { ContainerRecord } from '../../runtime/records/index.js';
import { formatAge, shortId } from '../../runtime/core/index.js';
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
