// Terminal sessions for scripts, agents, the CLI and the dashboard: one interface, two kinds — a Docker exec with a
// TTY in a container, or a host command under node-pty — plus the plumbing that connects one to a real terminal.
import fs from 'node:fs';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { IPty } from 'node-pty';
import { type Engine, BerthError, ConflictError, NotFoundError, type Runtime } from '../core/index.js';
import { EXEC_MARKER, envList, newExecToken, resolveRunning, signalExec, waitExecExit, type ExecSignal } from '../containers/index.js';
import { onFatal, signalExitCode, takeTerminal } from './terminal.js';

/** Ctrl+] : leaves a session without ending it (as telnet and docker attach users expect). */
export const DETACH_KEY = 0x1d;
const CTRL_C = '\x03';
/** Output kept for an async iterator that is not reading yet; older chunks are dropped past this. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

export interface TerminalSession extends AsyncIterable<Buffer> {
  readonly kind: 'container' | 'host';
  /** What runs: the exec command, or the host command line. */
  readonly command: string[];
  readonly startedAt: Date;
  readonly cols: number;
  readonly rows: number;
  /** True until the process exits (or the session is detached or stopped). */
  readonly running: boolean;
  /** Set once the process has exited. */
  readonly exitCode: number | undefined;
  sendInput(data: string | Uint8Array): void;
  resize(cols: number, rows: number): void;
  /** Ctrl+C through the terminal: the foreground process gets SIGINT, as at a keyboard. */
  interrupt(): void;
  /** SIGTERM to the session's processes. */
  terminate(): Promise<void>;
  /** SIGKILL to the session's processes. */
  kill(): Promise<void>;
  /** Every output chunk from now on, as an event; returns the unsubscribe. */
  onData(listener: (chunk: Buffer) => void): () => void;
  /** The exit code; rejects if the session ends without one (detached, engine gone). */
  wait(): Promise<number>;
  /** Ends the session: kills what still runs, closes the stream, ends iterators, drops listeners. */
  stop(): Promise<void>;
}

export interface SessionSize {
  cols?: number;
  rows?: number;
}

/** Shared by both kinds: output fan-out (listeners + a bounded queue for async iterators) and the exit promise. */
abstract class BaseSession implements AsyncIterable<Buffer> {
  readonly startedAt = new Date();
  exitCode: number | undefined;
  protected ended = false;
  private readonly listeners = new Set<(chunk: Buffer) => void>();
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private waiters: Array<() => void> = [];
  private resolveExit!: (code: number) => void;
  private rejectExit!: (err: unknown) => void;
  protected readonly exit: Promise<number>;

  constructor(
    public cols: number,
    public rows: number,
  ) {
    this.exit = new Promise<number>((resolve, reject) => {
      this.resolveExit = resolve;
      this.rejectExit = reject;
    });
    this.exit.catch(() => {}); // a caller who never waits must not see an unhandled rejection
  }

  get running(): boolean {
    return !this.ended;
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  wait(): Promise<number> {
    return this.exit;
  }

  protected emit(chunk: Buffer): void {
    for (const listener of this.listeners) listener(chunk);
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    while (this.queuedBytes > MAX_QUEUED_BYTES && this.queue.length > 1) this.queuedBytes -= this.queue.shift()!.length;
    this.wake();
  }

  protected finish(result: { code: number } | { error: unknown }): void {
    if (this.ended) return;
    this.ended = true;
    if ('code' in result) {
      this.exitCode = result.code;
      this.resolveExit(result.code);
    } else this.rejectExit(result.error);
    this.wake();
  }

  protected dropListeners(): void {
    this.listeners.clear();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (;;) {
      const chunk = this.queue.shift();
      if (chunk) {
        this.queuedBytes -= chunk.length;
        yield chunk;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}

export interface ContainerSessionOptions extends SessionSize {
  /** Resolve `ref` as a room-local name (or id prefix) in this room; without it `ref` is a Docker id or name. */
  room?: string;
  /** Default: the container's shell, bash when present, else /bin/sh. */
  command?: string[];
  user?: string;
  workdir?: string;
  env?: Record<string, string>;
}

/** A Docker exec with a TTY over the hijacked connection: raw bytes both ways, resize through the exec API. */
export class ContainerTerminalSession extends BaseSession implements TerminalSession {
  readonly kind = 'container';
  private detached = false;

  private constructor(
    private readonly engine: Engine,
    readonly container: { id: string; name: string; room: string },
    readonly command: string[],
    private readonly exec: Docker.Exec,
    private readonly token: string,
    private readonly socket: Duplex,
    private readonly user: string | undefined,
    cols: number,
    rows: number,
  ) {
    super(cols, rows);
    socket.on('data', (chunk: Buffer) => this.emit(chunk));
    socket.once('close', () => void this.onClosed());
    socket.on('error', () => {}); // 'close' follows; the exit code (or the engine error) is read there
  }

  static async create(rt: Runtime, ref: string, opts: ContainerSessionOptions = {}): Promise<ContainerTerminalSession> {
    const engine = await rt.engine();
    const target = opts.room ? await resolveRunning(rt, opts.room, ref) : await inspectRunning(engine, ref);
    const command = opts.command?.length ? opts.command : [await containerShell(engine, target.id)];
    const cols = opts.cols ?? 80;
    const rows = opts.rows ?? 24;
    const token = newExecToken();
    const exec = await engine.call(`exec in container ${target.name}`, (d) =>
      d.getContainer(target.id).exec({
        Cmd: command,
        Tty: true,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        // Docker's default detach keys (ctrl-p ctrl-q) would hold back every ctrl-p; berth detaches client-side.
        DetachKeys: 'ctrl-]',
        Env: [`TERM=${process.env.TERM ?? 'xterm-256color'}`, ...envList(opts.env), `${EXEC_MARKER}=${token}`],
        ...(opts.user ? { User: opts.user } : {}),
        ...(opts.workdir ? { WorkingDir: opts.workdir } : {}),
      }),
    );
    const socket = (await engine.call(`start exec in container ${target.name}`, () =>
      exec.start({ hijack: true, stdin: true, Tty: true }),
    )) as Duplex;
    rt.audit.append({
      actor: rt.actor,
      action: 'container.exec',
      target: `${target.room}/${target.name}`,
      result: 'ok',
      details: { cmd: command, tty: true, ...(opts.user ? { user: opts.user } : {}), ...(opts.env ? { env: envList(opts.env) } : {}) },
    });
    const session = new ContainerTerminalSession(engine, target, command, exec, token, socket, opts.user, cols, rows);
    session.resize(cols, rows);
    return session;
  }

  sendInput(data: string | Uint8Array): void {
    if (!this.ended) this.socket.write(data);
  }

  resize(cols: number, rows: number): void {
    this.cols = cols;
    this.rows = rows;
    if (this.ended) return;
    // The shell may not have its TTY yet right after start; a failed resize only means the next one matters.
    this.exec.resize({ h: rows, w: cols }).catch(() => {});
  }

  interrupt(): void {
    this.sendInput(CTRL_C);
  }

  terminate(): Promise<void> {
    return this.signal('TERM');
  }

  kill(): Promise<void> {
    return this.signal('KILL');
  }

  /** SIGHUP to the session's processes, as when a terminal goes away. */
  hangUp(): Promise<void> {
    return this.signal('HUP');
  }

  async signal(signal: ExecSignal): Promise<void> {
    if (this.ended) return;
    await signalExec(this.engine, this.container.id, this.token, signal, { exec: this.exec, user: this.user });
  }

  /** Leaves the process running in the container and closes berth's end; wait() rejects. */
  detach(): void {
    if (this.ended) return;
    this.detached = true;
    this.socket.destroy();
  }

  async stop(): Promise<void> {
    if (!this.ended && !this.detached) {
      await this.kill().catch(() => {});
      await Promise.race([this.exit.catch(() => {}), new Promise((r) => setTimeout(r, 2000).unref())]);
    }
    this.socket.destroy();
    this.finish({ error: new BerthError('session stopped') });
    this.dropListeners();
  }

  private async onClosed(): Promise<void> {
    if (this.detached) return this.finish({ error: new BerthError('session detached; the process keeps running') });
    try {
      this.finish({ code: await waitExecExit(this.engine, this.exec) });
    } catch (err) {
      this.finish({ error: err });
    }
  }
}

async function inspectRunning(engine: Engine, ref: string): Promise<{ id: string; name: string; room: string }> {
  const info = await engine.call(`container ${ref}`, (d) => d.getContainer(ref).inspect()).catch((err) => {
    throw err instanceof NotFoundError ? new NotFoundError(`container "${ref}" not found`) : err;
  });
  const name = info.Config.Labels?.['berth.name'] ?? info.Name.replace(/^\//, '');
  if (!info.State.Running) throw new ConflictError(`container "${name}" is not running (${info.State.Status}): start it first`);
  if (info.State.Paused) throw new ConflictError(`container "${name}" is paused: unpause it first`);
  return { id: info.Id, name, room: info.Config.Labels?.['berth.room'] ?? '' };
}

/** bash when the image has it, else /bin/sh; asked through the archive API so no process is started to find out. */
export async function containerShell(engine: Engine, containerId: string): Promise<string> {
  try {
    await engine.docker.getContainer(containerId).infoArchive({ path: '/bin/bash' });
    return '/bin/bash';
  } catch {
    return '/bin/sh';
  }
}

export interface HostSessionOptions extends SessionSize {
  command: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** A host command under node-pty (approved shell commands, and the dashboard's background exec clients). */
export class HostTerminalSession extends BaseSession implements TerminalSession {
  readonly kind = 'host';
  private readonly disposables: Array<{ dispose(): void }> = [];

  private constructor(
    private readonly pty: IPty,
    readonly command: string[],
    cols: number,
    rows: number,
    slave: number | undefined,
  ) {
    super(cols, rows);
    const release = () => {
      if (slave === undefined) return;
      fs.closeSync(slave);
      slave = undefined;
    };
    this.disposables.push(
      pty.onData((data) => this.emit(Buffer.from(data, 'utf8'))),
      pty.onExit(({ exitCode, signal }) => {
        release();
        this.finish({ code: signal ? 128 + signal : exitCode });
      }),
      { dispose: release },
    );
  }

  static async create(opts: HostSessionOptions): Promise<HostTerminalSession> {
    if (!opts.command.length) throw new BerthError('a host session needs a command');
    // node-pty is a native addon: loaded only by what opens a session.
    const pty = await import('node-pty');
    const cols = opts.cols ?? 80;
    const rows = opts.rows ?? 24;
    const [file, ...args] = opts.command;
    const child = pty.spawn(file!, args, {
      name: process.env.TERM ?? 'xterm-256color',
      cols,
      rows,
      cwd: opts.cwd ?? process.cwd(),
      env: (opts.env ?? process.env) as Record<string, string>,
    });
    // node-pty on Linux loses the last output of a command that exits quickly (microsoft/node-pty#72, #726): the
    // master reads EIO once the child closes its terminal, and the stream is destroyed with output still unread.
    // Holding the terminal open here means no EIO: everything is read, and node-pty ends the stream shortly after
    // the exit (its socket timeout, 200 ms). Opened before this tick ends, so even a command that already exited
    // has its output kept.
    let slave: number | undefined;
    try {
      const pts = (child as IPty & { ptsName?: string }).ptsName;
      if (pts) slave = fs.openSync(pts, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
    } catch {
      slave = undefined; // no pts path (another platform): the old behaviour
    }
    return new HostTerminalSession(child, opts.command, cols, rows, slave);
  }

  get pid(): number {
    return this.pty.pid;
  }

  sendInput(data: string | Uint8Array): void {
    if (!this.ended) this.pty.write(typeof data === 'string' ? data : Buffer.from(data));
  }

  resize(cols: number, rows: number): void {
    this.cols = cols;
    this.rows = rows;
    if (!this.ended) this.pty.resize(cols, rows);
  }

  interrupt(): void {
    this.sendInput(CTRL_C);
  }

  async terminate(): Promise<void> {
    if (!this.ended) this.pty.kill('SIGTERM');
  }

  async kill(): Promise<void> {
    if (!this.ended) this.pty.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    if (!this.ended) {
      // SIGHUP first, as a closing terminal would (berth's exec client then hangs up its remote shell too).
      this.pty.kill('SIGHUP');
      const exited = await Promise.race([this.exit.then(() => true, () => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3000).unref())]);
      if (!exited) this.pty.kill('SIGKILL');
      await Promise.race([this.exit.catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
    }
    this.finish({ error: new BerthError('session stopped') });
    for (const d of this.disposables.splice(0)) d.dispose();
    this.dropListeners();
  }
}

/** What pipeTerminal needs of a terminal: a byte source, and a sink that may report its size and resizes. */
export interface TerminalStreamsLike {
  stdin: Pick<NodeJS.ReadableStream, 'on' | 'off' | 'resume' | 'pause'>;
  stdout: Pick<NodeJS.WriteStream, 'write' | 'on' | 'off'> & { columns?: number; rows?: number; isTTY?: boolean };
}

export type PipeResult = { detached: true } | { detached: false; exitCode: number };

/**
 * Connects a session to a terminal: input bytes to the session (except the detach key), output to stdout, window
 * resizes forwarded. Resolves on detach or exit; rejects if the session ends without an exit code. Everything it
 * adds (listeners, flowing stdin) is removed before it settles. The caller owns raw mode.
 */
export async function pipeTerminal(session: TerminalSession, streams: TerminalStreamsLike, opts: { detachKey?: number; replay?: Buffer } = {}): Promise<PipeResult> {
  const { stdin, stdout } = streams;
  const detachKey = opts.detachKey ?? DETACH_KEY;
  let detach!: () => void;
  const detached = new Promise<PipeResult>((resolve) => (detach = () => resolve({ detached: true })));
  const onInput = (chunk: Buffer | string) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const at = bytes.indexOf(detachKey);
    if (at < 0) return session.sendInput(bytes);
    if (at > 0) session.sendInput(bytes.subarray(0, at));
    detach();
  };
  const onResize = () => {
    if (stdout.columns && stdout.rows) session.resize(stdout.columns, stdout.rows);
  };
  if (opts.replay?.length) stdout.write(opts.replay);
  const offData = session.onData((chunk) => stdout.write(chunk));
  stdin.on('data', onInput);
  stdout.on('resize', onResize);
  stdin.resume();
  if (stdout.isTTY && stdout.columns && stdout.rows && (stdout.columns !== session.cols || stdout.rows !== session.rows)) onResize();
  try {
    return await Promise.race([detached, session.wait().then((exitCode): PipeResult => ({ detached: false, exitCode }))]);
  } finally {
    offData();
    stdin.off('data', onInput);
    stdout.off('resize', onResize);
    stdin.pause();
  }
}

/**
 * The CLI's interactive session: raw mode, every key to the container, Ctrl+] detaches. The terminal is restored
 * on every path — detach, exit, engine lost (the error is re-thrown), and SIGTERM/SIGHUP/crash, where the remote
 * processes get SIGHUP (the terminal went away) and the process exits with 128+signal (1 on a crash).
 */
export async function runInteractive(session: ContainerTerminalSession, streams: { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream }): Promise<PipeResult> {
  const terminal = takeTerminal(streams, { raw: true, rawOutput: true });
  const disposeFatal = onFatal(({ signal, error }) => {
    terminal.restore();
    if (error) process.stderr.write(`berth: exec client crashed: ${(error as Error)?.message ?? String(error)}\n`);
    const code = signal ? signalExitCode[signal]! : 1;
    // Bounded: a busy engine must not hold the exit for long, but the hang-up needs one exec round trip.
    const hangUp = Promise.race([session.hangUp().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
    void hangUp.finally(() => process.exit(code));
  }, { exclusive: true });
  try {
    const result = await pipeTerminal(session, streams);
    if (result.detached) session.detach();
    return result;
  } finally {
    disposeFatal();
    terminal.restore();
  }
}
