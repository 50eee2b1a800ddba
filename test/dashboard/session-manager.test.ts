// The dashboard's session manager with real node-pty children running the built berth exec client: output kept for
// replay, exit codes, the list store, host sessions, and stopAll() leaving nothing behind (client or remote shell).
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionManager } from '../../src/app/sessions.js';
import { RoomService } from '../../src/runtime/rooms/index.js';
import { docker, removeRooms, runtimeFor, tempHome, uniqueRoom, waitFor, roomContainer } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('sm');
let box = { id: '', name: 'box' };
const manager = new SessionManager({ env: { ...process.env, BERTH_HOME: home, TERM: 'xterm-256color' } });

beforeAll(async () => {
  const rt = runtimeFor(home);
  await new RoomService(rt).ensure(room);
  rt.close();
  const c = await roomContainer(room, 'box');
  box = { id: c.id, name: 'box' };
});
afterAll(async () => {
  await manager.stopAll();
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

async function containerProcesses(): Promise<string[]> {
  const top = await docker.getContainer(box.id).top();
  return top.Processes.map((p: string[]) => p[p.length - 1]!);
}

describe('SessionManager', () => {
  it('runs a container shell in the background, keeps its output for replay and records the exit code', async () => {
    const info = await manager.openContainer(room, box, { cols: 80, rows: 24 });
    expect(info).toMatchObject({ kind: 'container', target: 'box', room, command: 'shell', running: true });
    const { session } = manager.get(info.id)!;
    await waitFor(() => manager.replay(info.id).toString().includes('# '), 'the prompt');
    session.sendInput('KEEP=kept-value; echo "value:$KEEP"\r');
    await waitFor(() => manager.replay(info.id).toString().includes('value:kept-value'), 'the output in the replay buffer');
    session.sendInput('exit 5\r');
    await waitFor(() => manager.getSnapshot().find((s) => s.id === info.id)?.running === false, 'the session to end');
    expect(manager.getSnapshot().find((s) => s.id === info.id)).toMatchObject({ running: false, exitCode: 5 });
    await manager.close(info.id);
    expect(manager.getSnapshot().some((s) => s.id === info.id)).toBe(false);
  });

  it('stopAll() ends the exec clients and hangs up their shells in the container', async () => {
    const info = await manager.openContainer(room, box, { command: ['sh', '-c', 'sleep 81'] });
    expect(info.command).toBe('sh -c sleep 81');
    await waitFor(async () => (await containerProcesses()).includes('sleep 81'), 'the session command to run');
    await manager.stopAll();
    await waitFor(async () => !(await containerProcesses()).some((p) => p.includes('sleep 81')), 'nothing left in the container');
    expect(manager.getSnapshot()).toEqual([]);
  });

  it('runs host commands with the same machinery', async () => {
    const local = new SessionManager();
    const info = await local.openHost(['sh', '-c', 'echo host-$((3*3)); exit 2']);
    await waitFor(() => local.getSnapshot()[0]?.running === false, 'the host command to end');
    expect(local.getSnapshot()[0]).toMatchObject({ kind: 'host', target: 'host', exitCode: 2 });
    expect(local.replay(info.id).toString()).toContain('host-9');
    await local.stopAll();
  });
});
