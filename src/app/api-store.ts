// The API view's state outside React: what each berth serve on this data directory published (listen address, open
// sessions, requests per token in the last minute, recent 4xx/5xx), read every second while the view is on screen.
import { readServerStates, type ServerState } from '../runtime/access/index.js';
import type { Runtime } from '../runtime/core/index.js';
import { PolledStore } from './polled-store.js';

export const API_REFRESH_MS = 1000;

export interface ApiSnapshot {
  servers?: readonly ServerState[];
  error?: string;
}

export class ApiStore extends PolledStore<ApiSnapshot> {
  constructor(
    private readonly rt: Runtime,
    options: { everyMs?: number } = {},
  ) {
    super({}, options.everyMs ?? API_REFRESH_MS);
  }

  protected load(): void {
    try {
      this.live.set({ servers: readServerStates(this.rt) });
    } catch (err) {
      this.live.set((s) => ({ servers: s.servers, error: (err as Error).message.split('\n')[0] }));
    }
  }
}
