// Live CPU/memory for the containers on screen, outside React: one engine stats stream per watched container
// (started when a row becomes visible, aborted when it scrolls away or the room changes), a capped history for the
// sparklines, published at most once per flush interval. Streams paused by an engine loss or by suspend() keep the
// last numbers on screen until they are sampled again.
import { inspectContainer } from '../runtime/containers/index.js';
import { watchStatsById, type StatsSample } from '../runtime/engine/index.js';
import { type Runtime, formatBytes, formatPercent } from '../runtime/core/index.js';
import { BatchedPublisher } from './batched-publisher.js';

export interface WatchedContainer {
  id: string;
  name: string;
  /** Changes when the container restarts, so its stream is re-opened (e.g. `${id}:${state}`). */
  key: string;
}

export interface StatsHistory {
  cpu: number[];
  memory: number[];
}

export interface StatsSnapshot {
  latest: ReadonlyMap<string, StatsSample>;
  history: ReadonlyMap<string, StatsHistory>;
  /** When each watched container last started (ISO), for the uptime column. */
  startedAt: ReadonlyMap<string, string>;
}

export interface StatsStoreOptions {
  flushMs?: number;
  /** Samples kept per container for the sparklines. */
  historySize?: number;
  /** The engine connection's signal (DashboardStore.connection): a loss pauses the streams until resume(). */
  connection?: () => AbortSignal;
}

interface Watch extends WatchedContainer {
  controller: AbortController;
  /** Its stream ended with the engine connection; resume() starts it again. */
  paused?: boolean;
}

export class ContainerStatsStore {
  private readonly watches = new Map<string, Watch>();
  private readonly latest = new Map<string, StatsSample>();
  private readonly history = new Map<string, StatsHistory>();
  private readonly startedAt = new Map<string, string>();
  /** What the table last showed per container, so unchanged samples cause no redraw. */
  private readonly shown = new Map<string, string>();
  /** The watch key each container's kept numbers were sampled under: they stay while it is watched with that key. */
  private readonly sampledAs = new Map<string, string>();
  private readonly connection?: () => AbortSignal;
  private focus?: string;
  private snapshot: StatsSnapshot = { latest: new Map(), history: new Map(), startedAt: new Map() };
  private dirty = false;
  private readonly publisher: BatchedPublisher;
  readonly historySize: number;

  constructor(
    private readonly rt: Runtime,
    options: StatsStoreOptions = {},
  ) {
    this.publisher = new BatchedPublisher(options.flushMs ?? 500, () => this.flush());
    this.historySize = options.historySize ?? 120;
    this.connection = options.connection;
  }

  subscribe = (listener: () => void): (() => void) => this.publisher.subscribe(listener);

  getSnapshot = (): StatsSnapshot => this.snapshot;

  /** The containers to sample now; streams of the others are aborted and their data dropped. */
  setWatched(containers: readonly WatchedContainer[]): void {
    const wanted = new Map(containers.map((c) => [c.id, c]));
    for (const [id, watch] of this.watches) {
      if (wanted.get(id)?.key === watch.key) continue;
      watch.controller.abort();
      this.watches.delete(id);
    }
    for (const [id, key] of this.sampledAs) if (wanted.get(id)?.key !== key) this.forget(id);
    for (const c of containers) {
      if (this.watches.has(c.id)) continue;
      const watch: Watch = { ...c, controller: new AbortController() };
      this.watches.set(c.id, watch);
      this.sampledAs.set(c.id, c.key);
      void this.sample(watch);
    }
  }

  /** Starts again the streams an engine loss paused (the engine is back). */
  resume(): void {
    for (const watch of this.watches.values()) {
      if (!watch.paused || watch.controller.signal.aborted) continue;
      watch.paused = false;
      void this.sample(watch);
    }
  }

  /**
   * Stops every stream but keeps the numbers (the view went away): watching the same containers again shows them
   * at once and samples on.
   */
  suspend(): void {
    for (const watch of this.watches.values()) watch.controller.abort();
    this.watches.clear();
  }

  /**
   * The container whose sparklines are on screen: its samples are published until its history stops changing;
   * other containers' only when their shown numbers change.
   */
  setFocus(id: string | undefined): void {
    this.focus = id;
  }

  /** Ids with a live stream (for tests and the idle benchmark's sanity checks). */
  watchedIds(): string[] {
    return [...this.watches.keys()];
  }

  dispose(): void {
    this.setWatched([]);
    this.publisher.dispose();
  }

  private async sample(c: Watch): Promise<void> {
    const own = c.controller.signal;
    // While the engine is lost this is already aborted: the stream pauses at once, keeping the last numbers.
    const lost = this.connection?.();
    const signal = lost ? AbortSignal.any([own, lost]) : own;
    try {
      const engine = await this.rt.engine();
      void inspectContainer(this.rt, c.id, signal)
        .then((info) => {
          if (signal.aborted || !info.State?.Running) return;
          this.startedAt.set(c.id, info.State.StartedAt);
          this.markDirty();
        })
        .catch(() => {});
      for await (const sample of watchStatsById(engine, c.id, c.name, signal)) {
        this.latest.set(c.id, sample);
        const h = this.history.get(c.id) ?? { cpu: [], memory: [] };
        // A full history of this very sample shifts into itself: the sparklines would draw the same frame.
        const steady =
          h.cpu.length === this.historySize &&
          h.cpu.every((v) => v === sample.cpuPercent) &&
          h.memory.every((v) => v === sample.memoryUsed);
        h.cpu.push(sample.cpuPercent);
        h.memory.push(sample.memoryUsed);
        if (h.cpu.length > this.historySize) h.cpu.splice(0, h.cpu.length - this.historySize);
        if (h.memory.length > this.historySize) h.memory.splice(0, h.memory.length - this.historySize);
        this.history.set(c.id, h);
        // Publish only what changes the screen: the table shows formatted CPU and memory, so an idle room with
        // steady numbers causes no redraws; the focused container's samples move its sparklines unless steady.
        const shown = `${formatPercent(sample.cpuPercent)} ${formatBytes(sample.memoryUsed)}`;
        if ((c.id === this.focus && !steady) || this.shown.get(c.id) !== shown) this.markDirty();
        this.shown.set(c.id, shown);
      }
    } catch {
      // A container that stops or goes away ends its stream; the events-driven reload updates the row.
    }
    if (own.aborted) return;
    if (lost?.aborted) {
      c.paused = true;
      return;
    }
    // Still wanted (e.g. restarted faster than the events-driven reload could notice): try again shortly. A loss
    // meanwhile pauses it at that next try.
    const cancel = () => clearTimeout(retry);
    const retry = setTimeout(() => {
      own.removeEventListener('abort', cancel);
      if (this.watches.get(c.id) === c) void this.sample(c);
    }, 2000);
    own.addEventListener('abort', cancel, { once: true });
  }

  private forget(id: string): void {
    const had = this.latest.delete(id) || this.history.delete(id) || this.startedAt.delete(id);
    this.history.delete(id);
    this.startedAt.delete(id);
    this.shown.delete(id);
    this.sampledAs.delete(id);
    if (had) this.markDirty();
  }

  private markDirty(): void {
    this.dirty = true;
    this.publisher.schedule();
  }

  /** Copies the samples into a new snapshot; true when anything changed since the last one. */
  private flush(): boolean {
    if (!this.dirty) return false;
    this.dirty = false;
    this.snapshot = {
      latest: new Map(this.latest),
      history: new Map([...this.history].map(([id, h]) => [id, { cpu: [...h.cpu], memory: [...h.memory] }])),
      startedAt: new Map(this.startedAt),
    };
    return true;
  }
}
