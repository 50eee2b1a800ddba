// Non-interactive exec in a room's container: run a command, demultiplex stdout/stderr, return the exit code; plus
// the pieces the interactive sessions share (resolving a running container, signalling an exec's processes).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Duplex, Readable } from 'node:stream';
import type Docker from 'dockerode';
import { ContainerService } from './containers.js';
import type { ContainerSummary } from './summary.js';
import { type Engine, BerthError, CancelledError, ConflictError, UsageError, type Runtime } from '../core/index.js';

export type OutputStream = 'stdout' | 'stderr';

export interface ExecOptions {
  env?: Record<string, string>;
  user?: string;
  workdir?: string;
  /** Milliseconds; when it passes, every process of the exec is killed (SIGKILL) and `timedOut` is true. */
  timeout?: number;
  /** Aborting kills the exec's processes and rejects with the abort reason. */
  signal?: AbortSignal;
  /** Fed to the command's stdin, then closed (EOF). Without it the command gets no stdin. */
  stdin?: string | Uint8Array | Readable;
  /** Streaming mode: called for every chunk as it arrives. */
  onOutput?: (stream: OutputStream, chunk: Buffer) => void;
  /** Keep stdout/stderr in the result (default true); turn off when streaming output of unbounded size. */
  collect?: boolean;
}

export interface ExecResult {
  container: { id: string; name: string; room: string };
  stdout: string;
  stderr: string;
  exitCode: number;
  timedOut: boolean;
}

/** The environment variable every berth exec carries, so its processes (and their children) can be found to signal. */
export const EXEC_MARKER = 'BERTH_EXEC';

export function newExecToken(): string {
  return randomBytes(8).toString('hex');
}

/** Finds a container of the room and refuses one that has no running process to exec into. */
export async function resolveRunning(rt: Runtime, room: string, ref: string, signal?: AbortSignal): Promise<ContainerSummary> {
  const c = await new ContainerService(rt).resolve(room, ref, signal);
  if (c.state === 'paused') throw new ConflictError(`container "${c.name}" in room "${room}" is paused: unpause it first`);
  if (c.state !== 'running') throw new ConflictError(`container "${c.name}" in room "${room}" is not running (${c.state}): start it first`);
  return c;
}

export function envList(env: Record<string, string> = {}): string[] {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

/**
 * Runs `cmd` in a running container of `room` and waits for it. The result is the exit code and the demultiplexed
 * output; a non-zero exit is a result, not an error. Errors: unknown container (NotFound), not running (Conflict),
 * engine down, or the abort reason.
 */
export async function execCommand(rt: Runtime, room: string, ref: string, cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  if (!cmd.length) throw new UsageError('give a command to run: berth container exec NAME -- CMD...');
  const target = await resolveRunning(rt, room, ref, opts.signal);
  const engine = await rt.engine();
  const token = newExecToken();
  const details = { cmd, user: opts.user, workdir: opts.workdir, env: opts.env && envList(opts.env) };
  return rt.audit.record({ actor: rt.actor, action: 'container.exec', target: `${target.room}/${target.name}`, details: dropUndefined(details) }, async () => {
    const exec = await engine.call(`exec in container ${target.name}`, (d) =>
      d.getContainer(target.id).exec({
        Cmd: cmd,
        AttachStdin: opts.stdin !== undefined,
        AttachStdout: true,
        AttachStderr: true,
        Env: [...envList(opts.env), `${EXEC_MARKER}=${token}`],
        ...(opts.user ? { User: opts.user } : {}),
        ...(opts.workdir ? { WorkingDir: opts.workdir } : {}),
      }),
    );
    const stream = (await engine.call(`start exec in container ${target.name}`, () =>
      opts.stdin !== undefined ? exec.start({ hijack: true, stdin: true }) : exec.start({}),
    )) as Duplex;

    const collect = opts.collect ?? true;
    const chunks: Record<OutputStream, Buffer[]> = { stdout: [], stderr: [] };
    const demux = new Demuxer((which, chunk) => {
      if (collect) chunks[which].push(chunk);
      opts.onOutput?.(which, chunk);
    });

    let timedOut = false;
    let cancelled = false;
    // If the processes cannot be signalled, stop reading so the caller is not held: the result says it timed out.
    const killAll = () => void signalExec(engine, target.id, token, 'KILL', { exec, user: opts.user }).catch(() => stream.destroy());
    const timer = opts.timeout !== undefined ? setTimeout(() => ((timedOut = true), killAll()), opts.timeout) : undefined;
    const onAbort = () => ((cancelled = true), killAll());
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    if (opts.stdin !== undefined) feedStdin(stream, opts.stdin);
    try {
      await new Promise<void>((resolve, reject) => {
        stream.on('data', (chunk: Buffer) => demux.push(chunk));
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', (err) => reject(engine.translate(err, `exec in container ${target.name}`)));
      });
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      stream.destroy();
    }
    if (cancelled) throw opts.signal?.reason ?? new CancelledError();
    // A killed exec exits 137; if the engine is slow to say so, that is what it will say.
    const exitCode = timedOut ? await waitExecExit(engine, exec, 2000).catch(() => 137) : await waitExecExit(engine, exec);
    return {
      container: { id: target.id, name: target.name, room: target.room },
      stdout: Buffer.concat(chunks.stdout).toString('utf8'),
      stderr: Buffer.concat(chunks.stderr).toString('utf8'),
      exitCode,
      timedOut,
    };
  });
}

function feedStdin(stream: Duplex, input: string | Uint8Array | Readable): void {
  if (typeof input === 'string' || input instanceof Uint8Array) {
    stream.end(input);
    return;
  }
  // Half-close the hijacked connection on EOF: Docker then closes the command's stdin.
  const onData = (chunk: Buffer) => {
    if (!stream.write(chunk)) {
      input.pause();
      stream.once('drain', () => input.resume());
    }
  };
  const onEnd = () => stream.end();
  const detach = () => {
    input.off('data', onData);
    input.off('end', onEnd);
    input.pause();
  };
  input.on('data', onData);
  input.once('end', onEnd);
  stream.once('close', detach);
}

/**
 * The exit code of a finished exec. The output stream can end a moment before the engine records the exit, so
 * this polls briefly while the exec still reads as running.
 */
export async function waitExecExit(engine: Engine, exec: Docker.Exec, maxWaitMs = 10_000): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    const info = await engine.call('inspect exec', () => exec.inspect());
    if (!info.Running && info.ExitCode !== null && info.ExitCode !== undefined) return info.ExitCode;
    if (Date.now() > deadline) throw new BerthError('the engine did not report the exec\'s exit code');
    await new Promise((r) => setTimeout(r, delay));
  }
}

export type ExecSignal = 'KILL' | 'TERM' | 'HUP' | 'INT';

/**
 * Sends a signal to every process of one exec, children included. Docker has no exec-kill API and exec inspect's
 * Pid is a host pid (meaningless inside the container), so a second exec looks through the container's /proc for
 * processes whose environment carries this exec's marker and signals them. It runs as the exec's own user: without
 * CAP_SYS_PTRACE (not in Docker's defaults) even root cannot read another user's /proc/PID/environ. Without /bin/sh in the image,
 * and only when the engine runs on this machine, the exec's host pid is signalled directly (after checking the
 * marker, so a recycled pid is never hit).
 */
export async function signalExec(
  engine: Engine,
  containerId: string,
  token: string,
  signal: ExecSignal,
  opts: { exec?: Docker.Exec; user?: string } = {},
): Promise<void> {
  const { exec } = opts;
  const marker = `${EXEC_MARKER}=${token}`;
  // environ is NUL-separated; busybox grep stops at a NUL, so split it into lines first.
  const script = `for p in /proc/[0-9]*; do tr '\\0' '\\n' < "$p/environ" 2>/dev/null | grep -qxF '${marker}' && kill -${signal} "\${p#/proc/}" 2>/dev/null; done; exit 0`;
  try {
    const killer = await engine.call('signal exec', (d) =>
      d.getContainer(containerId).exec({ Cmd: ['/bin/sh', '-c', script], AttachStdout: true, AttachStderr: true, ...(opts.user ? { User: opts.user } : {}) }),
    );
    const out = (await engine.call('signal exec', () => killer.start({}))) as Readable;
    out.resume();
    await new Promise<void>((resolve) => {
      out.once('end', resolve);
      out.once('close', resolve);
      out.once('error', () => resolve());
    });
    if ((await waitExecExit(engine, killer)) === 0) return;
  } catch (err) {
    if (!exec) throw err;
  }
  if (!exec) throw new BerthError('cannot signal the exec: the container has no /bin/sh');
  const info = await engine.call('inspect exec', () => exec.inspect());
  if (!info.Running) return;
  const local = engine.endpoint.url.startsWith('unix:');
  let environ = '';
  try {
    environ = local ? fs.readFileSync(`/proc/${info.Pid}/environ`, 'latin1') : '';
  } catch {
    // not visible from here (another machine, a VM, or no permission)
  }
  if (!environ.split('\0').includes(marker)) {
    throw new BerthError('cannot signal the exec: the container has no /bin/sh and its process is not visible on this machine');
  }
  process.kill(info.Pid, `SIG${signal}`);
}

/** Docker's multiplexed stream: 8-byte headers (stream type, 3 zero bytes, big-endian length) then the payload. */
export class Demuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly emit: (stream: OutputStream, chunk: Buffer) => void) {}

  push(data: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, data]) : data;
    while (this.pending.length >= 8) {
      const type = this.pending[0];
      const length = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + length) return;
      const payload = this.pending.subarray(8, 8 + length);
      this.pending = this.pending.subarray(8 + length);
      if (length) this.emit(type === 2 ? 'stderr' : 'stdout', payload);
    }
  }
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
