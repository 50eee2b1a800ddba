// A view's data read on a timer while the view is on screen: one LiveResource polled (one read at a time, paused
// while the view is off screen, a read at once on return), the snapshot components read, and its disposal.
import { LiveResource } from './live-resource.js';
import { trackStore, untrackStore } from './live-stores.js';

export abstract class PolledStore<S extends object> {
  protected readonly live: LiveResource<S>;
  private started = false;

  constructor(initial: S, everyMs: number) {
    this.live = new LiveResource<S>({
      initial,
      load: async (signal) => this.load(signal),
      poll: { everyMs },
      // Each poll reloads; a sample shows as soon as it is in.
      flushMs: 0,
      paused: true,
    });
    trackStore(this);
  }

  /** One read; it publishes through `this.live.set`. */
  protected abstract load(signal: AbortSignal): Promise<void> | void;

  subscribe = (listener: () => void): (() => void) => this.live.subscribe(listener);

  getSnapshot = (): S => this.live.getSnapshot();

  /** The view is on screen: polling, and a read at once the first time or when the last one is older than a poll. */
  start(): void {
    if (!this.started) {
      this.started = true;
      this.live.resume();
      void this.live.reload();
      return;
    }
    this.live.resume();
  }

  /** The view left the screen: no polling until start(). */
  stop(): void {
    this.live.pause();
  }

  dispose(): void {
    untrackStore(this);
    this.live.dispose();
  }
}
