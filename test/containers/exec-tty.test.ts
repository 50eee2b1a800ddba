// berth container exec --tty end to end: the built binary in a real pseudo-terminal against the real engine —
// typing, Ctrl+C reaching the container, resize, remote exit code, Ctrl+] detach, signals, and the terminal modes
// (stty -g) identical before and after on every path.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import * as pty from 'node-pty';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RoomService } from '../../src/runtime/rooms/index.js';
import { docker, removeRooms, repoRoot, runtimeFor, tempHome, uniqueRoom, waitFor, roomContainer } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('tty');
const bin = path.join(repoRoot, 'bin', 'berth');
const env = { ...process.env, BERTH_HOME: home, BERTH_ROOM: room, TERM: 'xterm-256color' } as Record<string, string>;

beforeAll(async () => {
  const rt = runtimeFor(home);
  await new RoomService(rt).ensure(room);
  rt.close();
  const c = await roomContainer(room, 'box');
});
/** Every pty a test opened: closed after each test, so a failing one leaves no client behind. */
const opened = new Set<pty.IPty>();
afterEach(() => {
  for (const term of opened) {
    try {
      term.kill();
    } catch {
      // already gone
    }
  }
  opened.clear();
});
afterAll(async () => {
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

/** Runs `berth ARGS` in a pty between two `stty -g`, so the test can compare the terminal modes around it. */
function berthInPty(args: string, extraEnv: Record<string, string> = {}) {
  const term = pty.spawn('/bin/sh', ['-c', `stty -g; "${process.execPath}" "${bin}" ${args}; echo "EXIT=$?"; stty -g`], {
    name: 'xterm-256color',
    cols: 100,
    rows: 30,
    cwd: repoRoot,
    env: { ...env, ...extraEnv },
  });
  opened.add(term);
  let output = '';
  term.onData((d) => (output += d));
  const exited = new Promise<void>((resolve) => term.onExit(() => resolve()));
  const since = (mark: number) => output.slice(mark);
  return {
    term,
    output: () => output,
    /** Waits for text to appear after position `from` of the output (default: anywhere). */
    waitFor: (text: string | RegExp, from = 0) =>
      waitFor(() => (typeof text === 'string' ? since(from).includes(text) : text.test(since(from))), `output ${text}`),
    /** The berth process (the shell's only child while it runs). */
    berthPid: () => Number(spawnSync('ps', ['-o', 'pid=', '--ppid', String(term.pid)], { encoding: 'utf8' }).stdout.trim()),
    async finished() {
      await exited;
      const lines = output.split(/\r?\n/).map((l) => l.trim());
      const stty = lines.filter((l) => /^[0-9a-f]+(:[0-9a-f]+){10,}$/.test(l));
      const exit = /EXIT=(\d+)/.exec(output)?.[1];
      return { stty, exitCode: exit === undefined ? undefined : Number(exit), output };
    },
  };
}

async function containerProcesses(): Promise<string[]> {
  const top = await docker.getContainer(`${room}.box`).top();
  return top.Processes.map((p: string[]) => p[p.length - 1]!);
}

describe('berth container exec --tty in a pseudo-terminal', () => {
  it('types, interrupts with Ctrl+C, forwards resizes, and exits with the remote exit code', async () => {
    const s = berthInPty('container exec --tty box');
    await s.waitFor('# ');
    s.term.write('echo typed-$((40+2))\r');
    await s.waitFor('typed-42');

    s.term.write('sleep 61\r');
    await waitFor(async () => (await containerProcesses()).includes('sleep 61'), 'sleep to run in the container');
    s.term.write('\x03');
    // The sleep died of SIGINT (130) and the shell survived to run the next command.
    await waitFor(async () => !(await containerProcesses()).includes('sleep 61'), 'sleep to be interrupted');
    s.term.write('echo after-sleep-$?\r');
    await s.waitFor('after-sleep-130');

    let mark = s.output().length;
    s.term.resize(77, 22);
    await waitFor(async () => {
      s.term.write('stty size\r');
      await new Promise((r) => setTimeout(r, 100));
      return /22 77/.test(s.output().slice(mark));
    }, 'the resize to reach the container');

    // Bytes pass through untouched: a bare \n from a program in raw mode gets no \r added on our side.
    mark = s.output().length;
    s.term.write("stty -onlcr; printf 'p1\\np2\\n'; stty onlcr\r");
    await s.waitFor('p2', mark);
    expect(s.output().slice(mark)).toContain('p1\np2\n');

    mark = s.output().length;
    s.term.write('exit 3\r');
    const r = await s.finished();
    expect(r.exitCode).toBe(3);
    expect(r.stty).toHaveLength(2);
    expect(r.stty[1]).toBe(r.stty[0]);
  });

  it('detaches on Ctrl+] and leaves the process running, terminal restored', async () => {
    const s = berthInPty('container exec --tty box');
    await s.waitFor('# ');
    s.term.write('sleep 62\r');
    await waitFor(async () => (await containerProcesses()).includes('sleep 62'), 'sleep to run in the container');
    s.term.write('\x1d');
    const r = await s.finished();
    expect(r.exitCode).toBe(0);
    expect(r.output).toMatch(/detached from \/bin\/sh in box; it keeps running in the container/);
    expect(r.stty[1]).toBe(r.stty[0]);
    expect(await containerProcesses()).toContain('sleep 62');
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('on %s restores the terminal, hangs up the remote shell and exits %i', async (signal, code) => {
    const s = berthInPty('container exec --tty box');
    await s.waitFor('# ');
    const marker = signal === 'SIGTERM' ? 'sleep 63' : 'sleep 64';
    s.term.write(`${marker}\r`);
    await waitFor(async () => (await containerProcesses()).includes(marker), 'sleep to run in the container');
    process.kill(s.berthPid(), signal);
    const r = await s.finished();
    expect(r.exitCode).toBe(code);
    expect(r.stty[1]).toBe(r.stty[0]);
    await waitFor(async () => !(await containerProcesses()).includes(marker), 'the remote processes to get the hang-up');
  });

  it('restores the terminal and says so when the engine goes away mid-session', async () => {
    // A real engine behind a unix-socket relay this test can cut, as when dockerd stops or restarts.
    const sock = path.join(home, 'engine.sock');
    const conns = new Set<net.Socket>();
    const relay = net.createServer((client) => {
      const upstream = net.connect('/var/run/docker.sock');
      conns.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(sock, resolve));
    const s = berthInPty('container exec --tty box', { DOCKER_HOST: `unix://${sock}` });
    await s.waitFor('# ');
    relay.close();
    for (const c of conns) c.destroy();
    const r = await s.finished();
    expect(r.exitCode).toBe(5);
    expect(r.output).toContain(`berth: cannot reach the Docker engine at unix://${sock}`);
    expect(r.stty[1]).toBe(r.stty[0]);
  });

  it('restores the terminal when the client crashes, and hangs up the remote shell', async () => {
    // A real uncaught exception in the running client, injected through a preload that throws on SIGUSR2.
    const preload = path.join(home, 'crash-on-usr2.mjs');
    fs.writeFileSync(preload, "process.on('SIGUSR2', () => setImmediate(() => { throw new Error('injected crash'); }));\n");
    const s = berthInPty('container exec --tty box', { NODE_OPTIONS: `--import ${preload}` });
    await s.waitFor('# ');
    s.term.write('sleep 65\r');
    await waitFor(async () => (await containerProcesses()).includes('sleep 65'), 'sleep to run in the container');
    process.kill(s.berthPid(), 'SIGUSR2');
    const r = await s.finished();
    expect(r.exitCode).toBe(1);
    expect(r.output).toContain('berth: exec client crashed: injected crash');
    expect(r.stty[1]).toBe(r.stty[0]);
    await waitFor(async () => !(await containerProcesses()).includes('sleep 65'), 'the remote processes to get the hang-up');
  });

  it('gives one line for an unknown container and leaves the terminal as it was', async () => {
    const r = await berthInPty('container exec --tty ghost').finished();
    expect(r.exitCode).toBe(3);
    expect(r.output).toContain(`berth: container "ghost" not found in room "${room}"`);
    expect(r.stty[1]).toBe(r.stty[0]);
  });

  it('with --tty and stdin a pipe, runs the shell on the piped input and returns its exit code', async () => {
    const child = spawn(process.execPath, [bin, 'container', 'exec', '--tty', 'box'], { env });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stdin.end('echo piped-$((6*7))\nexit 9\n');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out).toBe('piped-42\n');
    expect(code).toBe(9);
  });
});
