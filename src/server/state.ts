// The server's own figures for the dashboard's API view: requests per token in the last minute and the latest 4xx/5xx
// answers, counted as answers go out, and published with the open sessions to SQLite once a second.
import type { Principal } from './auth.js';
import { clearServerState, publishServerState, type Runtime, type ServerStateBody } from './runtime.js';
import type { SocketSessions } from './sockets.js';

const WINDOW_MS = 60_000;
const KEEP_ERRORS = 20;

export class ServerStats {
  private readonly requests = new Map<string, { name: string; agent: string; times: number[] }>();
  private readonly errors: ServerStateBody['errors'] = [];

  /** One request a token made (WebSocket upgrades included), counted when it is authenticated. */
  requested(principal: Principal & { kind: 'token' }, now = Date.now()): void {
    const r = this.requests.get(principal.id) ?? { name: principal.name, agent: principal.agent, times: [] };
    r.times.push(now);
    this.requests.set(principal.id, r);
  }

  /** One answer: kept when it is a 4xx/5xx. */
  answered(principal: Principal | undefined, method: string, path: string, status: number, now = Date.now()): void {
    if (status >= 400) {
      this.errors.unshift({ time: new Date(now).toISOString(), method, path, status, principal: principal ? `${principal.kind}:${principal.name}` : '-' });
      this.errors.length = Math.min(this.errors.length, KEEP_ERRORS);
    }
  }

  body(sessions: SocketSessions, now = Date.now()): ServerStateBody {
    const tokens: ServerStateBody['tokens'] = [];
    for (const [id, r] of this.requests) {
      while (r.times.length && r.times[0]! <= now - WINDOW_MS) r.times.shift();
      if (!r.times.length) this.requests.delete(id);
      else tokens.push({ id, name: r.name, agent: r.agent, requests: r.times.length });
    }
    return { sessions: sessions.summary(), tokens: tokens.sort((a, b) => b.requests - a.requests), errors: [...this.errors] };
  }
}

/** Publishes the server's state every `ms` until the returned stop, which removes the row. */
export function publishState(rt: Runtime, stats: ServerStats, sessions: SocketSessions, where: { url: string; room: string }, ms = 1000): () => void {
  const startedAt = new Date().toISOString();
  const tick = () => {
    try {
      publishServerState(rt, { ...where, startedAt }, stats.body(sessions));
    } catch {
      // a busy database shows the dashboard an older state, never stops the server
    }
  };
  tick();
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => {
    clearInterval(timer);
    try {
      clearServerState(rt);
    } catch {
      // the row goes stale on its own
    }
  };
}
