// Container logs against the real engine: follow ends when the container exits, tail/since/timestamps, stdout and
// stderr kept apart (multiplexed and TTY containers), abort, and the CLI's streams and bad input.
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { LogDecoder, containerLogBatches, containerLogs, unixNanoString, type LogLine } from '../../src/runtime/containers/index.js';
import { FIXTURE_IMAGE, docker, removeRooms, runCli, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('logs');
const env = { BERTH_HOME: home, BERTH_ROOM: room };
afterAll(async () => {
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

async function startContainer(name: string, cmd: string, tty = false) {
  const c = await docker.createContainer({
    Image: FIXTURE_IMAGE,
    Cmd: ['sh', '-c', cmd],
    Tty: tty,
    name: `${room}.${name}`,
    Labels: { 'berth.room': room, 'berth.kind': 'container', 'berth.name': name },
  });
  await c.start();
  return c;
}

async function exited(name: string) {
  const c = docker.getContainer(`${room}.${name}`);
  await waitFor(async () => !(await c.inspect()).State.Running, `${name} to exit`);
}

async function collect(iter: AsyncIterable<LogLine>): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  for await (const line of iter) lines.push(line);
  return lines;
}

describe('container logs', () => {
  it('follows a running container and ends cleanly when it exits, stdout and stderr apart', async () => {
    const rt = runtimeFor(home);
    await startContainer('follow', 'echo out1; echo err1 >&2; sleep 1; echo out2; echo err2 >&2');
    const lines = await collect(containerLogs(rt, room, 'follow', { follow: true }));
    // The iteration only ended because the container did.
    expect((await docker.getContainer(`${room}.follow`).inspect()).State.Running).toBe(false);
    expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.text)).toEqual(['out1', 'out2']);
    expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.text)).toEqual(['err1', 'err2']);
    rt.close();
  });

  it('a slow reader following a fast container still gets every line, once, in order', async () => {
    const rt = runtimeFor(home);
    await startContainer('fast', 'seq 400000');
    let count = 0;
    let last = '';
    let ordered = true;
    let paused = false;
    for await (const batch of containerLogBatches(rt, room, 'fast', { follow: true })) {
      if (!paused) {
        // Fall behind until the container has exited: dockerd (20.10) then ends the follow long before the end.
        paused = true;
        await exited('fast');
      }
      for (const line of batch) {
        count++;
        if (line.text !== String(count)) ordered = false;
        last = line.text;
      }
    }
    expect({ count, last, ordered }).toEqual({ count: 400000, last: '400000', ordered: true });
    rt.close();
  });

  it('stops following when the signal aborts', async () => {
    const rt = runtimeFor(home);
    await startContainer('endless', 'while true; do echo tick; sleep 0.2; done');
    const controller = new AbortController();
    const seen: LogLine[] = [];
    for await (const line of containerLogs(rt, room, 'endless', { follow: true, signal: controller.signal })) {
      seen.push(line);
      if (seen.length === 2) controller.abort();
    }
    expect(seen.map((l) => l.text)).toEqual(['tick', 'tick']);
    expect((await docker.getContainer(`${room}.endless`).inspect()).State.Running).toBe(true);
    rt.close();
  });

  it('honours tail, since and timestamps', async () => {
    const rt = runtimeFor(home);
    await startContainer('seq', 'seq 1 5; sleep 0.2; seq 6 8 >&2');
    await exited('seq');
    const tail = await collect(containerLogs(rt, room, 'seq', { tail: 2 }));
    expect(tail).toEqual([
      { stream: 'stderr', text: '7' },
      { stream: 'stderr', text: '8' },
    ]);

    const stamped = await collect(containerLogs(rt, room, 'seq', { timestamps: true }));
    expect(stamped).toHaveLength(8);
    for (const line of stamped) {
      expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      expect(line.text).toMatch(/^\d$/); // the time never leaks into the text
    }
    expect(stamped.filter((l) => l.stream === 'stderr').map((l) => l.text)).toEqual(['6', '7', '8']);

    expect(await collect(containerLogs(rt, room, 'seq', { since: '1h' }))).toHaveLength(8);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await collect(containerLogs(rt, room, 'seq', { since: future }))).toHaveLength(0);
    rt.close();
  });

  it('reads a TTY container as one stream with clean lines', async () => {
    const rt = runtimeFor(home);
    await startContainer('tty', 'echo one; echo two >&2', true);
    await exited('tty');
    const lines = await collect(containerLogs(rt, room, 'tty'));
    expect(lines).toEqual([
      { stream: 'stdout', text: 'one' },
      { stream: 'stdout', text: 'two' },
    ]);
    rt.close();
  });

  it('CLI: stdout lines to stdout, stderr lines to stderr, --tail and --timestamps', async () => {
    await startContainer('cli', 'echo hello; echo oops >&2; sleep 0.3; echo bye');
    await exited('cli');
    const all = await runCli(['container', 'logs', 'cli'], env);
    expect(all.code).toBe(0);
    expect(all.stdout).toBe('hello\nbye\n');
    expect(all.stderr).toBe('oops\n');

    const tail = await runCli(['container', 'logs', 'cli', '--tail', '1'], env);
    expect(tail.stdout + tail.stderr).toBe('bye\n');

    const stamped = await runCli(['container', 'logs', 'cli', '--timestamps', '--follow'], env);
    expect(stamped.code).toBe(0);
    expect(stamped.stdout).toMatch(/^\d{4}-\d\d-\d\dT\S+Z hello\n\S+Z bye\n$/);
  });

  it('decodes frames and UTF-8 characters cut anywhere across chunks', () => {
    const frame = (type: number, text: string) => {
      const payload = Buffer.from(text);
      const header = Buffer.alloc(8);
      header[0] = type;
      header.writeUInt32BE(payload.length, 4);
      return Buffer.concat([header, payload]);
    };
    const bytes = Buffer.concat([
      frame(1, 'héllo wörld\n'),
      frame(2, 'err ✓ one\nerr two\n'),
      frame(1, 'a long line cut '),
      frame(1, 'across two frames\n'),
      frame(1, 'no newline at the end'),
    ]);
    const decoder = new LogDecoder(true, false);
    const lines: LogLine[] = [];
    for (let i = 0; i < bytes.length; i++) lines.push(...decoder.push(bytes.subarray(i, i + 1))); // one byte at a time
    lines.push(...decoder.end());
    expect(lines).toEqual([
      { stream: 'stdout', text: 'héllo wörld' },
      { stream: 'stderr', text: 'err ✓ one' },
      { stream: 'stderr', text: 'err two' },
      { stream: 'stdout', text: 'a long line cut across two frames' },
      { stream: 'stdout', text: 'no newline at the end' },
    ]);
    expect(unixNanoString('2026-11-22T06:46:13.08603727Z')).toBe(`${Date.parse('2026-11-22T06:46:13Z') / 1000}.086037270`);
  });

  it('CLI: bad input is one clear line with the right exit code', async () => {
    const unknown = await runCli(['container', 'logs', 'no-such-container'], env);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toContain('no-such-container');

    const badSince = await runCli(['container', 'logs', 'cli', '--since', 'yesterday'], env);
    expect(badSince.code).toBe(2);
    expect(badSince.stderr).toContain('invalid --since "yesterday"');

    const badTail = await runCli(['container', 'logs', 'cli', '--tail', '-3'], env);
    expect(badTail.code).toBe(2);
    expect(badTail.stderr).toContain('--tail');
  });
});
