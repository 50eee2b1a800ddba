// Room disk use (writable layers, logs, storage) in room list and the dashboard's room pane; health's warning when
// the engine's data root is nearly full.
import fs from 'node:fs';
import path from 'node:path';
import React from 'react';
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardStore } from '../../src/app/dashboard-store.js';
import { RoomService } from '../../src/runtime/rooms/index.js';
import { RoomList } from '../../src/views/RoomList.js';
import { cliFor, IMG, inspectByName } from '../support/container-helpers.js';
import { removeRooms, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('disk');
const cli = cliFor(home, room);
beforeAll(async () => {
  // 300 KiB in the writable layer, 500 log lines, 100 KiB in the room storage.
  const r = await cli('container', 'run', IMG, '-d', '--name', 'writer', '--', 'sh', '-c',
    'dd if=/dev/zero of=/big bs=1024 count=300 2>/dev/null; i=0; while [ $i -lt 500 ]; do echo "log line $i"; i=$((i+1)); done; echo written; exec sleep 600');
  expect(r.code, r.stderr).toBe(0);
  fs.writeFileSync(path.join(new RoomService(runtimeFor(home)).storageDir(room), 'data.bin'), Buffer.alloc(100 * 1024));
  await waitFor(async () => (await cli('container', 'logs', 'writer')).stdout.includes('written'), 'the writer to finish');
});
afterAll(async () => {
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('room disk use', () => {
  it('room list shows layers, logs and storage, summed in DISK', async () => {
    const json = JSON.parse((await cli('-o', 'json', 'room', 'list')).stdout);
    const mine = json.items.find((r: { name: string }) => r.name === room);
    const logPath = (await inspectByName(room, 'writer')).LogPath;
    expect(mine.disk.writable).toBeGreaterThanOrEqual(300 * 1024);
    expect(mine.disk.logs).toBe(fs.statSync(logPath).size);
    expect(mine.disk.logs).toBeGreaterThan(500 * 10);
    expect(mine.disk.logsKnown).toBe(true);
    expect(mine.disk.storage).toBe(100 * 1024);
    expect(mine.disk.total).toBe(mine.disk.writable + mine.disk.logs + mine.disk.storage);
    const wide = (await cli('-o', 'wide', 'room', 'list')).stdout.split('\n');
    expect(wide[0]).toMatch(/DISK\s+LAYERS\s+LOGS\s+STORAGE-SIZE/);
    expect(wide.find((l) => l.startsWith(room))).toMatch(/100KiB/);
  });

  it('the dashboard store measures it in the background and the room pane shows the selected room\'s', async () => {
    const rt = runtimeFor(home);
    const store = new DashboardStore(rt, { flushMs: 20 });
    try {
      await store.start();
      const withDisk = await waitFor(() => store.getSnapshot().rooms.find((r) => r.name === room && r.disk), 'disk use in the store');
      expect(withDisk.disk!.storage).toBe(100 * 1024);
      const { lastFrame, unmount } = render(<RoomList rooms={store.getSnapshot().rooms} selected={room} focused width={90} />);
      expect(lastFrame()).toMatch(/disk \d+(\.\d)?KiB: layers \d+(\.\d)?KiB, logs \d+(\.\d)?KiB, storage 100KiB/);
      unmount();
    } finally {
      store.stop();
      rt.close();
    }
  });
});

describe('health and the data root', () => {
  const withWarnAt = (percent: number) => {
    const h = tempHome();
    fs.mkdirSync(path.join(h, 'config'), { recursive: true });
    fs.writeFileSync(path.join(h, 'config', 'config.json'), JSON.stringify({ dataRootWarnPercent: percent }));
    return h;
  };

  it('reports the data root and warns on stderr when it is fuller than dataRootWarnPercent', async () => {
    const low = withWarnAt(0.1);
    const high = withWarnAt(100);
    try {
      const warned = await cliFor(low, room)('health');
      expect(warned.code).toBe(0);
      expect(warned.stdout).toMatch(/data root:\s+\/\S+: \S+ free of \S+ \(\d+(\.\d)?% used\)/);
      expect(warned.stderr).toMatch(/^berth: warning: the engine's data root \/\S+ is \d+(\.\d)?% full \(warning at 0.1%\)/);
      const quiet = await cliFor(high, room)('health');
      expect(quiet.code).toBe(0);
      expect(quiet.stderr).toBe('');
      const json = JSON.parse((await cliFor(high, room)('-o', 'json', 'health')).stdout);
      expect(json.dataRoot.path).toBeTruthy();
      expect(json.dataRoot.totalBytes).toBeGreaterThan(json.dataRoot.freeBytes);
      expect(json.dataRoot.warning).toBeUndefined();
    } finally {
      fs.rmSync(low, { recursive: true, force: true });
      fs.rmSync(high, { recursive: true, force: true });
    }
  });
});
