// The terminal session library against the real engine and a real pty: input/output, resize, interrupt, terminate,
// kill (nothing left in the container), wait, stop (no handles left), and the host-command kind.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoomService } from '../../src/runtime/rooms/index.js';
import { ContainerTerminalSession, HostTerminalSession, type TerminalSession } from '../../src/runtime/terminal/index.js';
import { FIXTURE_IMAGE, docker, removeRooms, runtimeFor, tempHome, uniqueRoom, waitFor, roomContainer } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('sess');
const rt = runtimeFor(home);
let containerId = '';

beforeAll(async () => {
  await new RoomService(rt).ensure(room);
  const c = await roomContainer(room, 'box');
  containerId = c.id;
});
afterAll(async () => {
  rt.close();
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

async function containerProcesses(): Promise<string[]> {
  const top = await docker.getContainer(containerId).top();
  return top.Processes.map((p: string[]) => p[p.length - 1]!);
}

/** Reads the session's output (async iteration) until it contains `text`. */
async function readUntil(iterator: AsyncIterator<Buffer>, text: string | RegExp, seen = { text: '' }): Promise<string> {
  while (!(typeof text === 'string' ? seen.text.includes(text) : text.test(seen.text))) {
    const next = await iterator.next();
    if (next.done) throw new Error(`output ended before ${text}: ${JSON.stringify(seen.text)}`);
    seen.text += next.value.toString();
  }
  return seen.text;
}

describe('ContainerTerminalSession', () => {
  it('runs the container shell: input, output, resize, interrupt, exit code', async () => {
    const session = await ContainerTerminalSession.create(rt, containerId, { cols: 90, rows: 20 });
    expect(session.command).toEqual(['/bin/sh']); // the fixture has no bash
    let text = '';
    session.onData((chunk) => (text += chunk.toString()));
    session.sendInput('echo sum-$((2+3))\n');
    await waitFor(() => text.includes('sum-5'), 'the echo');
    session.sendInput(Buffer.from('stty size\n'));
    await waitFor(() => text.includes('20 90'), 'the initial size');
    session.resize(50, 10);
    await waitFor(async () => {
      session.sendInput('stty size\n');
      await new Promise((r) => setTimeout(r, 100));
      return text.includes('10 50');
    }, 'the resize');
    session.sendInput('sleep 71\n');
    await waitFor(async () => (await containerProcesses()).includes('sleep 71'), 'sleep to start');
    session.interrupt();
    await waitFor(async () => !(await containerProcesses()).includes('sleep 71'), 'Ctrl+C to stop the sleep');
    session.sendInput('exit 4\n');
    expect(await session.wait()).toBe(4);
    expect(session.running).toBe(false);
    expect(session.exitCode).toBe(4);
    await session.stop();
  });

  it('resolves a room-local name, applies user/env/workdir, terminate() sends SIGTERM', async () => {
    const session = await ContainerTerminalSession.create(rt, 'box', {
      room,
      command: ['sh', '-c', 'echo "$(id -u) $(pwd) $HELLO"; exec sleep 72'],
      user: '4321',
      workdir: '/bin',
      env: { HELLO: 'world' },
    });
    const out = session[Symbol.asyncIterator]();
    await readUntil(out, '4321 /bin world');
    await waitFor(async () => (await containerProcesses()).includes('sleep 72'), 'sleep to start');
    await session.terminate();
    expect(await session.wait()).toBe(143);
    expect((await out.next()).done).toBe(true); // iteration ends with the session
    await session.stop();
  });

  it('kill() leaves no process behind and stop() leaves no handle or listener', async () => {
    const before = process.getActiveResourcesInfo().length;
    const session = await ContainerTerminalSession.create(rt, containerId, { command: ['sh', '-c', 'sleep 73 & sleep 74; wait'] });
    const received: string[] = [];
    session.onData((c) => received.push(c.toString()));
    await waitFor(async () => (await containerProcesses()).filter((p) => p === 'sleep 73' || p === 'sleep 74').length === 2, 'both sleeps to start');
    await session.kill();
    expect(await session.wait()).toBe(137);
    await waitFor(async () => !(await containerProcesses()).some((p) => /sleep 7[34]|sleep 73 & sleep 74/.test(p)), 'every process of the session to be gone');
    await session.stop();
    await waitFor(() => process.getActiveResourcesInfo().length <= before, 'no handles left open');
  });

  it('stop() on a running session kills its processes', async () => {
    const session = await ContainerTerminalSession.create(rt, containerId, { command: ['sleep', '75'] });
    await waitFor(async () => (await containerProcesses()).includes('sleep 75'), 'sleep to start');
    await session.stop();
    expect(session.running).toBe(false);
    await waitFor(async () => !(await containerProcesses()).includes('sleep 75'), 'the process to be gone');
  });

  it('refuses a stopped or unknown container with one clear error', async () => {
    const stopped = await docker.createContainer({ Image: FIXTURE_IMAGE, Cmd: ['true'], name: `${room}.off`, Labels: { 'berth.room': room, 'berth.name': 'off' } });
    await expect(ContainerTerminalSession.create(rt, 'off', { room })).rejects.toThrow(`container "off" in room "${room}" is not running (created): start it first`);
    await expect(ContainerTerminalSession.create(rt, stopped.id)).rejects.toThrow('container "off" is not running (created): start it first');
    await expect(ContainerTerminalSession.create(rt, 'nope', { room })).rejects.toThrow(`container "nope" not found in room "${room}"`);
  });
});

describe('HostTerminalSession', () => {
  it('runs a host command under a pty with the same interface', async () => {
    const session: TerminalSession = await HostTerminalSession.create({ command: ['sh', '-c', 'read x; echo "got-$x $(stty size)"; exit 6'], cols: 70, rows: 15 });
    expect(session.kind).toBe('host');
    session.sendInput('hi\r');
    await readUntil(session[Symbol.asyncIterator](), 'got-hi 15 70');
    expect(await session.wait()).toBe(6);
    await session.stop();
  });

  it('kill() ends the process', async () => {
    const session = await HostTerminalSession.create({ command: ['sleep', '76'] });
    const pid = session.pid;
    await session.kill();
    expect(await session.wait()).toBe(128 + 9);
    expect(() => process.kill(pid, 0)).toThrow();
    await session.stop();
  });
});
