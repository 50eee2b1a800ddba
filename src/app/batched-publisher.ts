// What every dashboard store shares: the listeners useSyncExternalStore subscribes, and one timer that coalesces any
// number of changes (log lines, stats samples, engine events) into at most one publish per interval.

export class BatchedPublisher {
  private readonly listeners = new Set<() => void>();
  private timer?: NodeJS.Timeout;
  private lastFlush = -Infinity;

  /** `flush` moves buffered changes into the published snapshot and says whether subscribers must hear of it. */
  constructor(
    private readonly intervalMs: number,
    private readonly flush: () => boolean,
  ) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /**
   * Asks for a flush: at once (the next turn of the event loop, so changes made together publish together) when
   * the last one was an interval ago or more, else when the interval since it is over; further calls before it fires
   * change nothing. So a lone change shows without waiting, and a flood still publishes once per interval.
   */
  schedule(): void {
    this.timer ??= setTimeout(
      () => {
        this.timer = undefined;
        if (this.flush()) this.notify();
      },
      Math.max(0, this.lastFlush + this.intervalMs - performance.now()),
    );
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  notify(): void {
    this.lastFlush = performance.now();
    for (const listener of this.listeners) listener();
  }

  dispose(): void {
    this.cancel();
    this.listeners.clear();
  }
}
