// One piece of live dashboard data: a snapshot reloaded when its triggers fire (engine events from the dashboard's one
// stream, a poll, or a call), debounced, one reload at a time, paused while its view is off screen and caught up on
// return, and published to React through a BatchedPublisher.
import { BatchedPublisher } from './batched-publisher.js';
import type { EngineEvent, EngineEventHub } from './engine-events.js';

export interface LiveResourceOptions<T> {
  initial: T;
  /**
   * One reload: reads what the resource shows and sets it (resource.set). `signal` is fresh for each reload (engine
   * calls leave their abort listener on the signal they get, so one signal for the resource's life would collect
   * them) and aborts when the resource is disposed, or when `signal` below aborts.
   */
  load: (signal: AbortSignal) => Promise<void>;
  /** Engine events that call for a reload; the filter may also note what the event changed. */
  events?: { hub: EngineEventHub; filter: (event: EngineEvent) => boolean };
  /** A poll as a trigger, every pollMs while not paused; `changed` (when given) decides whether the poll reloads. */
  poll?: { everyMs: number; changed?: () => boolean };
  /** Quiet time after a trigger before the reload; triggers meanwhile join it (100 ms). */
  debounceMs?: number;
  /** The longest a reload waits while triggers keep coming (debounceMs: the first trigger's time holds). */
  maxWaitMs?: number;
  /** How often subscribers hear of changes at most (50 ms). */
  flushMs?: number;
  /** Starts paused (a view not on screen yet). */
  paused?: boolean;
  /** Also aborts each reload (the engine connection: a loss aborts a reload waiting on a hung engine). */
  signal?: () => AbortSignal;
}

export class LiveResource<T> {
  private state: T;
  private published: T;
  private readonly publisher: BatchedPublisher;
  private readonly disposed = new AbortController();
  private readonly unsubscribe?: () => void;
  private pollTimer?: NodeJS.Timeout;
  private timer?: NodeJS.Timeout;
  private firstTrigger = 0;
  private dueAt = 0;
  private running?: Promise<void>;
  private again = false;
  private paused: boolean;
  /** A trigger came while paused: the reload on resume. */
  private missed = false;
  private lastReload = 0;
  /** Reloads run so far (tests, and the idle figures). */
  reloads = 0;

  constructor(private readonly options: LiveResourceOptions<T>) {
    this.state = this.published = options.initial;
    this.paused = options.paused ?? false;
    this.publisher = new BatchedPublisher(options.flushMs ?? 50, () => {
      if (this.published === this.state) return false;
      this.published = this.state;
      return true;
    });
    if (options.events) {
      const { hub, filter } = options.events;
      this.unsubscribe = hub.subscribe({ filter, onEvent: () => this.trigger(), onConnect: () => this.trigger(0) });
    }
    if (!this.paused) this.startPoll();
  }

  subscribe = (listener: () => void): (() => void) => this.publisher.subscribe(listener);

  /** What React renders: the state as of the last flush. */
  getSnapshot = (): T => this.published;

  /** The latest state, possibly not yet published: key handlers act on this. */
  get(): T {
    return this.state;
  }

  /** Changes the state; subscribers hear of it within the flush interval. */
  set(change: T | ((state: T) => T)): void {
    const next = typeof change === 'function' ? (change as (state: T) => T)(this.state) : change;
    if (next === this.state) return;
    this.state = next;
    if (!this.disposed.signal.aborted) this.publisher.schedule();
  }

  /** Publishes what is set now, not at the next flush. */
  flushNow(): void {
    this.publisher.cancel();
    if (this.published === this.state) return;
    this.published = this.state;
    this.publisher.notify();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Asks for a reload after the debounce (or `delayMs`); while paused it is remembered for resume(). */
  trigger(delayMs = this.options.debounceMs ?? 100): void {
    if (this.disposed.signal.aborted) return;
    if (this.paused) {
      this.missed = true;
      return;
    }
    const now = Date.now();
    if (!this.timer) this.firstTrigger = now;
    // The quiet time moves with each trigger, but never past maxWait from the first one (no starving under a flood).
    const maxWait = Math.max(this.options.maxWaitMs ?? 0, this.options.debounceMs ?? 100);
    const due = Math.min(now + delayMs, this.firstTrigger + maxWait);
    if (this.timer && due === this.dueAt) return;
    clearTimeout(this.timer);
    this.dueAt = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.reload();
    }, Math.max(0, due - now));
  }

  /**
   * Reloads now. One at a time: a call while one runs makes exactly one more after it, and the promise settles when
   * that one is done too.
   */
  reload(): Promise<void> {
    if (this.disposed.signal.aborted) return Promise.resolve();
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          this.missed = false;
          this.reloads++;
          this.lastReload = Date.now();
          const each = new AbortController();
          const stop = () => each.abort();
          this.disposed.signal.addEventListener('abort', stop, { once: true });
          const outer = this.options.signal?.();
          const signal = outer ? AbortSignal.any([each.signal, outer]) : each.signal;
          try {
            await this.options.load(signal);
          } finally {
            this.disposed.signal.removeEventListener('abort', stop);
          }
        } while (this.again && !this.disposed.signal.aborted);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** Off screen: triggers are only remembered, the poll stops; a reload in flight finishes. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.missed = true;
    }
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  /** Back on screen: one reload when anything was missed meanwhile (an event, a poll that came due), else none. */
  resume(): void {
    if (!this.paused || this.disposed.signal.aborted) return;
    this.paused = false;
    const poll = this.options.poll;
    if (poll && !this.missed) {
      try {
        this.missed = poll.changed ? poll.changed() : Date.now() - this.lastReload >= poll.everyMs;
      } catch {
        // the source is closing: the next poll tells
      }
    }
    this.startPoll();
    if (this.missed) this.trigger(0);
  }

  private startPoll(): void {
    const poll = this.options.poll;
    if (!poll || this.pollTimer) return;
    this.pollTimer = setInterval(() => {
      if (this.running || this.timer) return;
      try {
        if (!poll.changed || poll.changed()) this.trigger(0);
      } catch {
        // the source is closing
      }
    }, poll.everyMs);
    this.pollTimer.unref?.();
  }

  /** Stops everything for good: triggers, the poll, a reload in flight (aborted) and the subscribers. */
  dispose(): void {
    this.disposed.abort();
    this.unsubscribe?.();
    clearTimeout(this.timer);
    this.timer = undefined;
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    this.publisher.dispose();
  }
}
