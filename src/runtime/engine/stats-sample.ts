// One container's resource samples (CPU %, memory, network and block I/O, pids) by id, read from the engine and
// computed the way `docker stats` computes them; containers/stats.ts finds the containers of a room.
import type { Engine } from '../core/index.js';
import { engineJsonLines } from './events.js';

export interface StatsSample {
  id: string;
  name: string;
  /** Share of one CPU × 100, as docker stats shows it (200% = two CPUs busy). */
  cpuPercent: number;
  memoryUsed: number;
  memoryLimit: number;
  netRx: number;
  netTx: number;
  blockRead: number;
  blockWrite: number;
  pids: number;
  /** When the engine read the sample (ISO time). */
  time: string;
}

/** The subset of the Engine API stats document berth reads. */
export interface RawStats {
  id?: string;
  name?: string;
  read?: string;
  cpu_stats?: CpuStats;
  precpu_stats?: CpuStats;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  blkio_stats?: { io_service_bytes_recursive?: { op: string; value: number }[] | null };
  pids_stats?: { current?: number };
}

interface CpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
  system_cpu_usage?: number;
  online_cpus?: number;
}

/** docker stats: (container CPU delta / system CPU delta) × online CPUs × 100; memory without the page cache. */
export function computeStats(raw: RawStats, name?: string): StatsSample {
  const cpu = raw.cpu_stats ?? {};
  const pre = raw.precpu_stats ?? {};
  const cpuDelta = (cpu.cpu_usage?.total_usage ?? 0) - (pre.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu.system_cpu_usage ?? 0) - (pre.system_cpu_usage ?? 0);
  const cpus = cpu.online_cpus || cpu.cpu_usage?.percpu_usage?.length || 1;
  const cpuPercent = systemDelta > 0 && cpuDelta > 0 && pre.system_cpu_usage ? (cpuDelta / systemDelta) * cpus * 100 : 0;

  const mem = raw.memory_stats ?? {};
  const usage = mem.usage ?? 0;
  const s = mem.stats ?? {};
  // cgroup v1 reports total_inactive_file, v2 inactive_file; docker subtracts it when it is smaller than usage.
  const inactive = s.total_inactive_file ?? s.inactive_file ?? 0;
  const memoryUsed = inactive < usage ? usage - inactive : usage;

  let netRx = 0;
  let netTx = 0;
  for (const net of Object.values(raw.networks ?? {})) {
    netRx += net.rx_bytes ?? 0;
    netTx += net.tx_bytes ?? 0;
  }
  let blockRead = 0;
  let blockWrite = 0;
  for (const entry of raw.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = entry.op.toLowerCase();
    if (op === 'read') blockRead += entry.value;
    else if (op === 'write') blockWrite += entry.value;
  }
  return {
    id: raw.id ?? '',
    name: name ?? (raw.name ?? '').replace(/^\//, ''),
    cpuPercent,
    memoryUsed,
    memoryLimit: mem.limit ?? 0,
    netRx,
    netTx,
    blockRead,
    blockWrite,
    pids: raw.pids_stats?.current ?? 0,
    time: raw.read && !raw.read.startsWith('0001') ? raw.read : new Date().toISOString(),
  };
}

/**
 * One sample of a container by id. The engine waits for a second sample (about a second) so the CPU % has a
 * delta to work from, exactly like `docker stats --no-stream`.
 */
export async function sampleStatsById(engine: Engine, id: string, name: string, signal?: AbortSignal): Promise<StatsSample> {
  const raw = (await engine.call(`stats of ${name}`, (d) =>
    d.getContainer(id).stats({ stream: false, abortSignal: signal } as { stream: false }),
  )) as unknown as RawStats;
  return computeStats({ ...raw, id }, name);
}

/** A container's samples as the engine streams them (about one a second) until it stops or the signal aborts. */
export async function* watchStatsById(engine: Engine, id: string, name: string, signal: AbortSignal): AsyncGenerator<StatsSample> {
  const raw = engineJsonLines<RawStats>(
    engine,
    `stats of ${name}`,
    (d) => d.getContainer(id).stats({ stream: true, abortSignal: signal } as { stream: true }) as unknown as Promise<NodeJS.ReadableStream>,
    signal,
  );
  for await (const sample of raw) yield computeStats({ ...sample, id }, name);
}
