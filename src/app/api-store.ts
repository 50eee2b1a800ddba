// The API view's state outside React: what each berth serve on this data directory published (listen address, open
// sessions, requests per token in the last minute, recent 4xx/5xx), read every second while the view is on screen.
import { readServerStates, type ServerState } from '../runtime/access/index.js';
import type { Runtime } from '../runtime/core/index.js';
import { LiveResource } from './live-resource.js';
import { trackStore, untrackStore } from './live-stores.js';

export const API_REFRESH_MS = 1000;

export interface ApiSnapshot {
  servers?: readonly ServerState[];
  error?: string;
}

export class ApiStore {
  private readonly live: LiveResource<ApiSnapshot>;
  private started = false;

  constructor(
    private readonly rt: Runtime,
    options: { everyMs?: number } = {},
  ) {
    this.live = new LiveResource<ApiSnapshot>({
      initial: {},
      load: async () => this.load(),
      poll: { everyMs: options.everyMs ?? API_REFRESH_MS },
      flushMs: 0,
      paused: true,
    });
    trackStore(this);
  }

  subscribe = (listener: () => void): (() => void) => this.live.subscribe(listener);

  getSnapshot = (): ApiSnapshot => this.live.getSnapshot();

  start(): void {
    if (!this.started) {
      this.started = true;
      this.live.resume();
      void this.live.reload();
      return;
    }
    this.live.resume();
  }

  stop(): void {
    this.live.pause();
  }

  dispose(): void {
    untrackStore(this);
    this.live.dispose();
  }

  private load(): void {
    try {
      this.live.set({ servers: readServerStates(this.rt) });
    } catch (err) {
      this.live.set((s) => ({ servers: s.servers, error: (err as Error).message.split('\n')[0] }));
    }
  }
}
