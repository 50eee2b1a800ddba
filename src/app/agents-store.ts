// The Agents view's state outside React: listAgents polled every few seconds while the view is on screen (CPU and
// memory change without any engine event); components read the snapshot.
import { listAgents, type AgentSummary } from '../runtime/agents/index.js';
import type { Runtime } from '../runtime/core/index.js';
import { PolledStore } from './polled-store.js';

/** How often the agents' usage is read again. */
export const AGENTS_REFRESH_MS = 3000;

export interface AgentsSnapshot {
  agents?: readonly AgentSummary[];
  error?: string;
}

export class AgentsStore extends PolledStore<AgentsSnapshot> {
  constructor(
    private readonly rt: Runtime,
    options: { everyMs?: number } = {},
  ) {
    super({}, options.everyMs ?? AGENTS_REFRESH_MS);
  }

  protected async load(signal: AbortSignal): Promise<void> {
    try {
      const agents = await listAgents(this.rt, { signal });
      this.live.set({ agents });
    } catch (err) {
      if (signal.aborted) return;
      this.live.set((s) => ({ agents: s.agents, error: (err as Error).message.split('\n')[0] }));
    }
  }
}
