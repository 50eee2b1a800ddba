// What every dashboard store shares: the listeners useSyncExternalStore subscribes, and one timer that coalesces any
// number of changes (log lines, stats samples, engine events) into at most one publish per interval.

export class BatchedPublisher {
  private readonly listeners = new Set<() => void>();
  private timer?: NodeJS.Timeout;

  /** `flush` moves buffered changes into the published snapshot and says whether subscribers must hear of it. */
  constructor(
    private readonly intervalMs: number,
    private readonly flush: () => boolean,
  ) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Asks for a flush within the interval; further calls before it fires change nothing. */
  schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      if (this.flush()) this.notify();
    }, this.intervalMs);
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  notify(): void {
    for (const listener of this.listeners) listener();
  }

  dispose(): void {
    this.cancel();
    this.listeners.clear();
  }
}
