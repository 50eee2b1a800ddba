// The focused container's log outside React: one follow stream at a time (aborted when the focus changes), lines
// buffered as they arrive and moved into a capped ring buffer on a timer, published as a small snapshot. A follow
// paused by an engine loss or by suspend() keeps its lines and continues from the last one.
import { EngineUnreachableError, terminalText, type Runtime } from '../runtime/core/index.js';
import { containerLogBatches, type LogLine } from '../runtime/containers/index.js';
import { BatchedPublisher } from './batched-publisher.js';
import { RingBuffer } from './ring-buffer.js';

export interface LogSnapshot {
  /** Which container the lines belong to. */
  containerId?: string;
  /** Sequence numbers of the oldest kept line and one past the newest. */
  first: number;
  end: number;
  /** Lines that arrived before the oldest kept one and were dropped by the cap. */
  dropped: number;
  /** The stream ended (the container stopped); no more lines will come. */
  ended: boolean;
  error?: string;
  /** The stream broke (the engine went away): resume() picks it up where it stopped. */
  interrupted?: boolean;
}

export interface LogStoreOptions {
  /** Ring buffer size: settings ui.logLines. */
  capacity?: number;
  /** How often buffered lines are moved into the ring and subscribers hear about them. */
  flushMs?: number;
  /**
   * The engine connection's signal (DashboardStore.connection): when it aborts, the follow pauses as interrupted,
   * keeping its lines, and resume() continues it.
   */
  connection?: () => AbortSignal;
}

const EMPTY: LogSnapshot = { first: 0, end: 0, dropped: 0, ended: false };

function reasonText(reason: unknown): string {
  return (reason as Error)?.message ?? String(reason);
}

export class LogStore {
  private ring: RingBuffer<LogLine>;
  private pending: LogLine[][] = [];
  private snapshot: LogSnapshot = EMPTY;
  private state: LogSnapshot = EMPTY;
  private controller?: AbortController;
  private readonly publisher: BatchedPublisher;
  private lines: number;
  private readonly connection?: () => AbortSignal;
  /** The follow was stopped by suspend(): following the same container again continues it. */
  private suspended = false;

  constructor(
    private readonly rt: Runtime,
    options: LogStoreOptions = {},
  ) {
    this.connection = options.connection;
    this.lines = Math.max(100, options.capacity ?? 5000);
    this.ring = new RingBuffer(this.lines);
    this.publisher = new BatchedPublisher(options.flushMs ?? 75, () => this.flush());
  }

  get capacity(): number {
    return this.ring.capacity;
  }

  /** Changes the cap (settings ui.logLines); takes effect from the next follow(). */
  setCapacity(lines: number): void {
    if (Number.isSafeInteger(lines) && lines >= 100) this.lines = lines;
  }

  subscribe = (listener: () => void): (() => void) => this.publisher.subscribe(listener);

  getSnapshot = (): LogSnapshot => this.snapshot;

  /** The line with this sequence number (between snapshot.first and snapshot.end). */
  at(seq: number): LogLine | undefined {
    return this.ring.at(seq);
  }

  /**
   * Follows one container's log from its last `capacity` lines, replacing whatever was followed before. Timestamps
   * are always fetched so the view can toggle them without reconnecting. The container whose follow is paused
   * (suspended, or interrupted by an engine loss) is continued instead: its lines stay, none is read twice.
   */
  follow(room: string, containerId: string): void {
    if (this.state.containerId === containerId && this.followed?.room === room && (this.suspended || this.state.interrupted)) {
      this.update({ ended: false, error: undefined, interrupted: false });
      this.read(room, containerId, this.last);
      return;
    }
    this.close();
    this.ring = new RingBuffer(this.lines);
    this.state = { containerId, first: 0, end: 0, dropped: 0, ended: false };
    this.publish();
    this.read(room, containerId);
  }

  /**
   * After the engine came back: continues an interrupted follow from the last line kept, into the same buffer, so
   * no line is shown twice and none that was logged meanwhile is missed.
   */
  resume(): void {
    const { containerId, interrupted } = this.state;
    if (!containerId || !interrupted || !this.followed) return;
    this.update({ ended: false, error: undefined, interrupted: false });
    this.read(this.followed.room, containerId, this.last);
  }

  private followed?: { room: string };
  /** The newest line's time and how many lines carry exactly that time: where a resume starts. */
  private last?: { time: string; seen: number };

  private read(room: string, containerId: string, after?: { time: string; seen: number }): void {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.followed = { room };
    this.suspended = false;
    if (!after) this.last = undefined;
    // While the engine is lost this signal is already aborted: the follow pauses at once, keeping its lines.
    const lost = this.connection?.();
    const signal = lost ? AbortSignal.any([controller.signal, lost]) : controller.signal;
    void (async () => {
      try {
        for await (const batch of containerLogBatches(this.rt, room, containerId, {
          follow: true,
          tail: this.ring.capacity,
          timestamps: true,
          after,
          signal,
        })) {
          for (const line of batch) {
            if (!line.time) continue;
            if (line.time === this.last?.time) this.last.seen++;
            else this.last = { time: line.time, seen: 1 };
          }
          // The one place a container's log text enters the dashboard: escaped here, colours kept (LogPane shows
          // them), so search and the pane's width see what is drawn.
          this.pending.push(batch.map((line) => {
            const text = terminalText(line.text, { sgr: true });
            return text === line.text ? line : { ...line, text };
          }));
          this.schedule();
        }
        if (controller.signal.aborted) return;
        if (lost?.aborted) return this.update({ ended: true, error: reasonText(lost.reason), interrupted: true });
        this.update({ ended: true });
      } catch (err) {
        if (controller.signal.aborted) return;
        const interrupted = Boolean(lost?.aborted) || err instanceof EngineUnreachableError;
        this.update({ ended: true, error: reasonText(lost?.aborted ? lost.reason : err), interrupted });
      }
    })();
  }

  /**
   * Stops the stream but keeps the lines and where it stopped (the view went away): following the same container
   * again continues from the last line.
   */
  suspend(): void {
    if (!this.controller) return;
    this.controller.abort();
    this.controller = undefined;
    this.suspended = Boolean(this.state.containerId);
  }

  /** Stops following and forgets the lines. */
  close(): void {
    this.controller?.abort();
    this.controller = undefined;
    this.pending = [];
    this.followed = undefined;
    this.last = undefined;
    this.suspended = false;
    this.publisher.cancel();
    this.state = EMPTY;
    this.publish();
  }

  dispose(): void {
    this.close();
    this.publisher.dispose();
  }

  private update(patch: Partial<LogSnapshot>): void {
    this.state = { ...this.state, ...patch };
    this.schedule();
  }

  private schedule(): void {
    this.publisher.schedule();
  }

  /** Moves buffered batches into the ring; true when the snapshot changed. */
  private flush(): boolean {
    const batches = this.pending;
    this.pending = [];
    for (const batch of batches) this.ring.pushAll(batch);
    this.state = { ...this.state, first: this.ring.first, end: this.ring.end, dropped: this.ring.first };
    return this.takeSnapshot();
  }

  /** Publishes the current state now, not at the next flush. */
  private publish(): void {
    if (this.takeSnapshot()) this.publisher.notify();
  }

  private takeSnapshot(): boolean {
    if (this.snapshot === this.state) return false;
    this.snapshot = this.state;
    return true;
  }

  /**
   * The nearest line matching `term` (case-insensitive) strictly after (dir 1) or before (dir -1) `from`, wrapping
   * around the buffer; undefined when no kept line matches.
   */
  findMatch(term: string, from: number, dir: 1 | -1): number | undefined {
    const needle = term.toLowerCase();
    if (!needle) return undefined;
    const { first, end } = this.snapshot;
    const size = end - first;
    for (let step = 1; step <= size; step++) {
      const seq = first + ((((from - first + dir * step) % size) + size) % size);
      if (this.ring.at(seq)?.text.toLowerCase().includes(needle)) return seq;
    }
    return undefined;
  }

  /** Which match (1-based, oldest first) `seq` is among all kept lines matching `term`, and how many there are. */
  matchPosition(term: string, seq: number): { index: number; total: number } {
    const needle = term.toLowerCase();
    let total = 0;
    let index = 0;
    for (let s = this.snapshot.first; s < this.snapshot.end; s++) {
      if (!this.ring.at(s)?.text.toLowerCase().includes(needle)) continue;
      total++;
      if (s === seq) index = total;
    }
    return { index, total };
  }
}
