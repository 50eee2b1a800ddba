// The one render helper for dashboard component tests: App on ink-testing-library against the real engine, keys
// typed into stdin, frames awaited (never slept on).
import React from 'react';
import { render } from 'ink-testing-library';
import { App } from '../../src/app/App.js';
import { DashboardStore } from '../../src/app/dashboard-store.js';
import { disposeLiveStores } from '../../src/app/live-stores.js';
import { RoomService } from '../../src/runtime/rooms/index.js';
import { FIXTURE_IMAGE, TEST_LOG_CONFIG, docker, runtimeFor, waitFor } from './helpers.js';

export const KEY = { enter: '\r', escape: '\x1b', tab: '\t', up: '\x1b[A', down: '\x1b[B', space: ' ' } as const;

export interface Dashboard {
  frame(): string;
  /** Types keys one write at a time, as a person would. */
  press(...keys: string[]): void;
  waitForFrame(test: (frame: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  quitRequested(): boolean;
  close(): void;
}

/**
 * Creates the room if needed and renders the dashboard with it selected and the container table focused; `columns`
 * widens the terminal from ink-testing-library's 100 (the split layout needs 120).
 */
export async function openDashboard(home: string, room: string, options: { columns?: number } = {}): Promise<Dashboard> {
  const rt = runtimeFor(home);
  await new RoomService(rt).ensure(room);
  const store = new DashboardStore(rt);
  let quit = false;
  const app = render(<App store={store} endpoint="test-engine" onQuit={() => (quit = true)} />);
  if (options.columns) {
    Object.defineProperty(app.stdout, 'columns', { get: () => options.columns });
    app.stdout.emit('resize');
  }
  await store.start();
  store.selectRoom(room);
  const frame = () => app.lastFrame() ?? '';
  // The dashboard starts with the keys on the room's containers.
  await waitFor(() => frame().includes(`Containers in ${room}`), `room ${room} to be selected`);
  return {
    frame,
    press: (...keys) => keys.forEach((k) => app.stdin.write(k)),
    waitForFrame: (test, what, timeoutMs) => waitFor(() => (test(frame()) ? frame() : undefined), what, timeoutMs),
    quitRequested: () => quit,
    close: () => {
      store.stop();
      disposeLiveStores(); // as the dashboard does on quit: a pull, build or deploy still running stops
      app.unmount();
      rt.close();
    },
  };
}

/** A container in the room, started; a TERM trap makes `stop` quick for the default command. */
export async function startContainer(room: string, name: string, cmd = 'trap "exit 0" TERM; while true; do sleep 0.2; done') {
  const c = await docker.createContainer({
    Image: FIXTURE_IMAGE,
    Cmd: ['sh', '-c', cmd],
    name: `${room}.${name}`,
    Labels: { 'berth.room': room, 'berth.kind': 'container', 'berth.name': name, 'berth.agent': 'tester' },
    HostConfig: { LogConfig: TEST_LOG_CONFIG },
  });
  await c.start();
  return c;
}

export async function engineState(room: string, name: string): Promise<string> {
  try {
    return (await docker.getContainer(`${room}.${name}`).inspect()).State.Status;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return 'gone';
    throw err;
  }
}
