// The API's shapes of the library's results (the manual's ContainerInfo and ContainerStatus), and their schemas.
import type { ContainerDetail, ContainerStatus, ContainerSummary, PortSpec } from './runtime.js';

/** Where every API container's files live (uploads and downloads are relative to it). */
export const FILES_ROOT = '/app';

export const portSchema = {
  type: 'object',
  required: ['container'],
  additionalProperties: false,
  properties: {
    host: { type: 'integer', minimum: 1, maximum: 65535, description: 'Host port (omitted: the engine picks one)' },
    container: { type: 'integer', minimum: 1, maximum: 65535 },
    protocol: { type: 'string', enum: ['tcp', 'udp'], default: 'tcp' },
  },
} as const;

export const resourcesSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cpus: { type: 'number', exclusiveMinimum: 0, description: 'CPU cores, e.g. 0.5 or 2' },
    memory: { type: ['string', 'integer'], description: 'A size like 512m or 4g, or bytes' },
    pids: { type: 'integer', minimum: 1 },
  },
} as const;

export const containerInfoSchema = {
  type: 'object',
  required: ['cuid', 'id', 'image', 'status', 'tags', 'ports', 'created_at'],
  properties: {
    cuid: { type: 'string', description: "The container's name in the room: stable across updates that recreate it" },
    id: { type: 'string', description: "The engine's container id (changes when an update recreates the container)" },
    room: { type: 'string' },
    image: { type: 'string' },
    status: { type: 'string', description: 'created, running, paused, restarting, removing, exited or dead' },
    env: { type: 'object', additionalProperties: { type: 'string' }, description: 'Secret values masked (get only)' },
    tags: { type: 'array', items: { type: 'string' } },
    resources: {
      type: 'object',
      properties: { cpus: { type: 'number' }, memory: { type: 'string' }, pids: { type: 'integer' } },
    },
    ports: { type: 'array', items: { type: 'object', properties: { host: { type: 'integer' }, container: { type: 'integer' }, protocol: { type: 'string' } } } },
    created_at: { type: 'string' },
  },
} as const;

export const containerStatusSchema = {
  type: 'object',
  required: ['cuid', 'status', 'restarts'],
  properties: {
    cuid: { type: 'string' },
    status: { type: 'string' },
    created_at: { type: 'string' },
    started_at: { type: ['string', 'null'] },
    finished_at: { type: ['string', 'null'] },
    uptime: { type: ['number', 'null'], description: 'Seconds since start while running' },
    restarts: { type: 'integer' },
    exit_code: { type: ['integer', 'null'] },
    oom_killed: { type: 'boolean' },
    last_error: { type: ['string', 'null'] },
  },
} as const;

export interface ApiPort {
  host?: number;
  container: number;
  protocol?: 'tcp' | 'udp';
}

export function toPortSpecs(ports: ApiPort[]): PortSpec[] {
  return ports.map((p) => ({ ...(p.host ? { hostPort: p.host } : {}), containerPort: p.container, protocol: p.protocol ?? 'tcp' }));
}

function memoryText(bytes: number): string {
  const MiB = 1024 * 1024;
  return bytes % MiB === 0 ? `${bytes / MiB}m` : String(bytes);
}

function ports(c: ContainerSummary) {
  // The engine lists a mapping once per host address family (0.0.0.0 and ::): one entry per port.
  const seen = new Set<string>();
  return c.ports
    .filter((p) => {
      const key = `${p.hostPort ?? ''}:${p.containerPort}/${p.protocol}`;
      return seen.has(key) ? false : (seen.add(key), true);
    })
    .map((p) => ({ ...(p.hostPort ? { host: p.hostPort } : {}), container: p.containerPort, protocol: p.protocol }));
}

export function summaryInfo(c: ContainerSummary) {
  return { cuid: c.name, id: c.id, room: c.room, image: c.image, status: c.state, tags: c.tags, ports: ports(c), created_at: c.created };
}

export function detailInfo(d: ContainerDetail) {
  const env: Record<string, string> = {};
  for (const entry of d.env) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return {
    ...summaryInfo(d),
    env,
    resources: {
      ...(d.resources.cpus !== undefined ? { cpus: d.resources.cpus } : {}),
      ...(d.resources.memory !== undefined ? { memory: memoryText(d.resources.memory) } : {}),
      ...(d.resources.pids !== undefined ? { pids: d.resources.pids } : {}),
    },
  };
}

export function statusInfo(s: ContainerStatus, createdAt?: string) {
  return {
    cuid: s.name,
    status: s.state,
    ...(createdAt ? { created_at: createdAt } : {}),
    started_at: s.startedAt ?? null,
    finished_at: s.finishedAt ?? null,
    uptime: s.uptimeMs !== undefined ? Math.round(s.uptimeMs / 100) / 10 : null,
    restarts: s.restartCount,
    exit_code: s.exitCode,
    oom_killed: s.oomKilled,
    last_error: s.error || (s.oomKilled ? 'killed: out of memory' : null),
  };
}
