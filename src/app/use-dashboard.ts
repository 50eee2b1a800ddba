// Hooks that own the dashboard's subscriptions: components only render what these return.
import { useEffect, useState, useSyncExternalStore } from 'react';
import { useStdout } from 'ink';
import type { DashboardState, DashboardStore } from './dashboard-store.js';

export function useDashboardState(store: DashboardStore): DashboardState {
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
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
