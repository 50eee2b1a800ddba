// The Agents view's state outside React: listAgents polled every few seconds as a live resource (one request at a
// time, paused while the view is off screen and caught up on return); components read the snapshot.
import { listAgents, type AgentSummary } from '../runtime/agents/index.js';
import type { Runtime } from '../runtime/core/index.js';
import { LiveResource } from './live-resource.js';
import { trackStore, untrackStore } from './live-stores.js';

/** How often the agents' usage is read again (CPU and memory change without any engine event). */
export const AGENTS_REFRESH_MS = 3000;

export interface AgentsSnapshot {
  agents?: readonly AgentSummary[];
  error?: string;
}

export class AgentsStore {
  private readonly live: LiveResource<AgentsSnapshot>;
  private started = false;

  constructor(
    private readonly rt: Runtime,
    options: { everyMs?: number } = {},
  ) {
    this.live = new LiveResource<AgentsSnapshot>({
      initial: {},
      load: (signal) => this.load(signal),
      poll: { everyMs: options.everyMs ?? AGENTS_REFRESH_MS },
      // Each poll reloads; a sample shows as soon as it is in.
      flushMs: 0,
      paused: true,
    });
    trackStore(this);
  }

  subscribe = (listener: () => void): (() => void) => this.live.subscribe(listener);

  getSnapshot = (): AgentsSnapshot => this.live.getSnapshot();

  /** The view is on screen: polling, and a read at once when the last one is older than the poll interval. */
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

  private async load(signal: AbortSignal): Promise<void> {
    try {
      const agents = await listAgents(this.rt, { signal });
      this.live.set({ agents });
    } catch (err) {
      if (signal.aborted) return;
      this.live.set((s) => ({ agents: s.agents, error: (err as Error).message.split('\n')[0] }));
    }
  }
}
