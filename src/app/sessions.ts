// The dashboard's terminal sessions: node-pty children running berth's own exec client (or a host command) that keep
// running in the background, each with a capped output buffer replayed on re-attach; a store React reads.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { useSyncExternalStore } from 'react';
import { HostTerminalSession, type TerminalSession } from '../runtime/terminal/index.js';
import { BatchedPublisher } from './batched-publisher.js';

export interface SessionInfo {
  id: number;
  kind: 'container' | 'host';
  /** The container's room-local name, or "host". */
  target: string;
  room?: string;
  /** What runs in it, as a person would type it. */
  command: string;
  startedAt: string;
  running: boolean;
  exitCode?: number;
}

interface Entry {
  info: SessionInfo;
  session: TerminalSession;
  output: Buffer[];
  outputBytes: number;
  dispose: () => void;
}

export interface SessionManagerOptions {
  /** How to start berth itself: [node, bin/berth] by default. */
  berth?: string[];
  /** --host for the exec clients, when the dashboard was given one. */
  host?: string;
  env?: NodeJS.ProcessEnv;
  /** Output kept per session for re-attach. */
  bufferBytes?: number;
}

/** bin/berth next to the bundle (dist/…) or the sources (src/app/…). */
export function berthCommand(): string[] {
  for (const rel of ['../bin/berth', '../../bin/berth']) {
    const file = fileURLToPath(new URL(rel, import.meta.url));
    if (fs.existsSync(file)) return [process.execPath, file];
  }
  return [process.execPath, process.argv[1] ?? 'berth'];
}

export class SessionManager {
  private readonly entries = new Map<number, Entry>();
  private nextId = 1;
  private snapshot: readonly SessionInfo[] = [];
  /** Session changes are rare (open, exit, close): subscribers hear of each at once. */
  private readonly publisher = new BatchedPublisher(0, () => true);
  private readonly berth: string[];
  private readonly bufferBytes: number;
  /** Set by whoever owns the terminal (run-dashboard): hands it to a session until Ctrl+] or exit. */
  private attachHandler?: (id: number) => void;
  /**
   * Keys typed while a session is taking the screen: held from the moment it is asked for (the key that opened it)
   * until the session has the terminal, then handed to it first; none of them reaches the dashboard.
   */
  private held?: { typed: (string | Buffer)[]; sink?: (bytes: string | Buffer) => void };

  constructor(private readonly options: SessionManagerOptions = {}) {
    this.berth = options.berth ?? berthCommand();
    this.bufferBytes = options.bufferBytes ?? 256 * 1024;
  }

  subscribe = (listener: () => void): (() => void) => this.publisher.subscribe(listener);

  getSnapshot = (): readonly SessionInfo[] => this.snapshot;

  get(id: number): { info: SessionInfo; session: TerminalSession } | undefined {
    const entry = this.entries.get(id);
    return entry && { info: entry.info, session: entry.session };
  }

  /** What the session printed lately (up to the buffer cap), to redraw its screen on attach. */
  replay(id: number): Buffer {
    const entry = this.entries.get(id);
    return entry ? Buffer.concat(entry.output) : Buffer.alloc(0);
  }

  /** A shell (or `command`) in a running container, through `berth container exec --tty` under a pty. */
  async openContainer(room: string, container: { id: string; name: string }, opts: { cols?: number; rows?: number; command?: string[] } = {}): Promise<SessionInfo> {
    const [node, ...entry] = this.berth;
    const args = [...entry, ...(this.options.host ? ['--host', this.options.host] : []), '--room', room, 'container', 'exec', '--tty', container.id];
    if (opts.command?.length) args.push('--', ...opts.command);
    const session = await HostTerminalSession.create({ command: [node!, ...args], cols: opts.cols, rows: opts.rows, env: this.options.env });
    return this.add(session, { kind: 'container', target: container.name, room, command: opts.command?.join(' ') || 'shell' });
  }

  /** A host command under a pty (approved shell commands use this). */
  async openHost(command: string[], opts: { cols?: number; rows?: number; cwd?: string } = {}): Promise<SessionInfo> {
    const session = await HostTerminalSession.create({ command, cols: opts.cols, rows: opts.rows, cwd: opts.cwd, env: this.options.env });
    return this.add(session, { kind: 'host', target: 'host', command: command.join(' ') });
  }

  onAttachRequest(handler: ((id: number) => void) | undefined): void {
    this.attachHandler = handler;
  }

  /**
   * From now on keys belong to the session about to take the screen: the dashboard passes them to typeahead()
   * instead of acting on them. Ends with releaseInput() (the session ended, or never came). Nothing is held when no
   * one owns the terminal (component tests), as no session could ever take it.
   */
  holdInput(): void {
    if (this.attachHandler) this.held ??= { typed: [] };
  }

  /** Whether keys belong to a session that has or is taking the screen. */
  inputHeld(): boolean {
    return this.held !== undefined;
  }

  /** A key typed while input is held: kept for the session, or passed on at once when it has the terminal. */
  typeahead(bytes: string | Buffer): void {
    if (!this.held) return;
    if (this.held.sink) this.held.sink(bytes);
    else this.held.typed.push(bytes);
  }

  /**
   * The terminal's owner, once session `id` has the terminal: keys go to `sink` from the session's first output on
   * (its program is up and reading, so the pty does not echo them early; at most 5 s later for a program that
   * prints nothing: an exec on a busy machine can take well over a second to show a shell's prompt), what was
   * typed ahead first, in order.
   */
  connectInput(id: number, sink: (bytes: string | Buffer) => void): void {
    const held = (this.held ??= { typed: [] });
    const connect = () => {
      if (this.held !== held) return;
      for (const bytes of held.typed.splice(0)) sink(bytes);
      held.sink = sink;
    };
    const entry = this.entries.get(id);
    if (!entry || entry.output.length || !entry.info.running) return connect();
    // A program that prints nothing at first still gets the keys, a moment later.
    const timer = setTimeout(() => {
      off();
      connect();
    }, 5000).unref();
    const off = entry.session.onData(() => {
      off();
      clearTimeout(timer);
      connect();
    });
  }

  /** Keys are the dashboard's again; anything typed ahead for a session that never came is dropped. */
  releaseInput(): void {
    this.held = undefined;
  }

  /** Asks the terminal's owner to attach (keys are held for the session from now on); false when nobody can. */
  requestAttach(id: number): boolean {
    if (!this.entries.has(id) || !this.attachHandler) return false;
    this.holdInput();
    this.attachHandler(id);
    return true;
  }

  /** Ends one session (kills it if still running) and forgets it. */
  async close(id: number): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    entry.dispose();
    await entry.session.stop();
    this.publish();
  }

  /** Ends every session: on dashboard exit, so no exec client is left behind. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((id) => this.close(id)));
    this.publisher.dispose();
  }

  private add(session: TerminalSession, what: Pick<SessionInfo, 'kind' | 'target' | 'room' | 'command'>): SessionInfo {
    const id = this.nextId++;
    const info: SessionInfo = { id, ...what, startedAt: session.startedAt.toISOString(), running: true };
    const entry: Entry = { info, session, output: [], outputBytes: 0, dispose: () => {} };
    const offData = session.onData((chunk) => {
      entry.output.push(chunk);
      entry.outputBytes += chunk.length;
      while (entry.outputBytes > this.bufferBytes && entry.output.length > 1) entry.outputBytes -= entry.output.shift()!.length;
    });
    let live = true;
    session.wait().then(
      (code) => live && this.update(id, { running: false, exitCode: code }),
      () => live && this.update(id, { running: false }),
    );
    entry.dispose = () => {
      live = false;
      offData();
    };
    this.entries.set(id, entry);
    this.publish();
    return info;
  }

  private update(id: number, change: Partial<SessionInfo>): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.info = { ...entry.info, ...change };
    this.publish();
  }

  private publish(): void {
    this.snapshot = [...this.entries.values()].map((e) => e.info);
    this.publisher.notify();
  }
}

const noSessions: readonly SessionInfo[] = [];
const noSubscription = () => () => {};

/** The session list for React; empty when the dashboard runs without sessions (component tests). */
export function useSessionList(manager: SessionManager | undefined): readonly SessionInfo[] {
  return useSyncExternalStore(manager?.subscribe ?? noSubscription, manager?.getSnapshot ?? (() => noSessions));
}
