// Hooks that own the dashboard's subscriptions: components only render what these return.
import { useEffect, useState, useSyncExternalStore } from 'react';
import { useStdout } from 'ink';
import { ContainerService, type ContainerDetail } from '../runtime/containers/index.js';
import type { Runtime } from '../runtime/core/index.js';
import type { DashboardState, DashboardStore } from './dashboard-store.js';
import type { LogSnapshot, LogStore } from './log-store.js';
import type { ContainerStatsStore, StatsSnapshot } from './stats-store.js';

export function useDashboardState(store: DashboardStore): DashboardState {
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}

export function useLogSnapshot(store: LogStore): LogSnapshot {
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}

export function useStatsSnapshot(store: ContainerStatsStore): StatsSnapshot {
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}

/** The inspect view of one container, loaded when asked for and again whenever `version` changes. */
export function useContainerDetail(
  rt: Runtime,
  room: string | undefined,
  id: string | undefined,
  version: string,
): { detail?: ContainerDetail; error?: string } {
  const [result, setResult] = useState<{ detail?: ContainerDetail; error?: string }>({});
  useEffect(() => {
    if (!room || !id) return;
    const controller = new AbortController();
    new ContainerService(rt)
      .inspect(room, id, controller.signal)
      .then((detail) => !controller.signal.aborted && setResult({ detail }))
      .catch((err: Error) => !controller.signal.aborted && setResult({ error: err.message }));
    return () => controller.abort();
  }, [rt, room, id, version]);
  return result;
}

/** The time, updated once a minute (for coarse displays such as uptime). */
export function useMinuteClock(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** Terminal size, updated on resize. */
export function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 100, rows: stdout.rows || 30 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}
