// The open WebSocket sessions (terminals, streaming execs, every other WebSocket route): on shutdown each gets a
// close frame and its work ends; a session opened with a bearer token is closed the same way within a second of the
// token being revoked or expiring, and the audit log says why.
import type { WebSocket } from 'ws';
import type { Principal } from './auth.js';
import { toHttpError } from './errors.js';
import type { Runtime } from './runtime.js';

/** Who opened a socket: the principal, the runtime acting for it (its audit log) and the route. */
export interface SessionOwner {
  principal: Principal;
  rt: Runtime;
  url: string;
}

export class SocketSessions {
  private readonly open = new Map<WebSocket, () => Promise<void>>();
  private readonly owners = new Map<WebSocket, SessionOwner>();

  add(socket: WebSocket, stop: () => Promise<void>): void {
    this.open.set(socket, stop);
    socket.once('close', () => this.open.delete(socket));
  }

  /** Every WebSocket connection with who opened it (registered when the upgrade completes). */
  own(socket: WebSocket, owner: SessionOwner): void {
    this.owners.set(socket, owner);
    socket.once('close', () => this.owners.delete(socket));
  }

  get size(): number {
    return Math.max(this.open.size, this.owners.size);
  }

  /** Open sessions per principal, with a token's name and agent (for the server's published state). */
  summary(): { principal: string; name: string; agent?: string; count: number }[] {
    const out = new Map<string, { principal: string; name: string; agent?: string; count: number }>();
    for (const o of this.owners.values()) {
      const p = o.principal;
      const key = p.kind === 'token' ? `token:${p.id}` : `user:${p.name}`;
      const row = out.get(key) ?? { principal: key, name: p.name, ...(p.kind === 'token' ? { agent: p.agent } : {}), count: 0 };
      row.count++;
      out.set(key, row);
    }
    return [...out.values()];
  }

  /** The token ids that have a session open now, with the earliest expiry of each (null: none). */
  tokens(): Map<string, string | null> {
    const out = new Map<string, string | null>();
    for (const o of this.owners.values()) if (o.principal.kind === 'token') out.set(o.principal.id, o.principal.expiresAt);
    return out;
  }

  /**
   * Closes every session of a token with 1008 (policy violation) and `reason`, ends each one's work, and writes one
   * audit line per session.
   */
  async closeToken(id: string, reason: string): Promise<number> {
    const mine = [...this.owners].filter(([s, o]) => o.principal.kind === 'token' && o.principal.id === id && (s.readyState === s.OPEN || s.readyState === s.CONNECTING));
    await Promise.all(
      mine.map(async ([socket, owner]) => {
        socket.close(1008, reason);
        // A peer that does not answer the close frame is cut.
        setTimeout(() => socket.terminate(), 1000).unref();
        try {
          owner.rt.audit.append({
            actor: owner.rt.actor,
            action: 'api.session.close',
            target: owner.url,
            result: 'ok',
            details: { reason },
          });
        } catch {
          // the session is closed whether or not its line could be written
        }
        await this.open.get(socket)?.().catch(() => {});
      }),
    );
    return mine.length;
  }

  /**
   * Closes every socket with 1001 (going away), then ends each session's work (its processes signalled), waiting for
   * that at most `waitMs`: a shutdown never hangs on a session.
   */
  async closeAll(reason = 'server shutting down', waitMs = 3000): Promise<void> {
    const stops = [...this.open].map(([socket, stop]) => {
      if (socket.readyState === socket.OPEN) socket.close(1001, reason);
      return stop().catch(() => {});
    });
    for (const socket of this.owners.keys()) if (socket.readyState === socket.OPEN) socket.close(1001, reason);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(stops), new Promise((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
  }
}

/** A JSON text frame. */
export function sendJson(socket: WebSocket, value: unknown): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(value));
}

/**
 * Streams a followed log over a WebSocket: each batch's lines as JSON frames, `{"type":"end"}` (with `end`) then a
 * normal close when the source ends, `{"type":"error"}` and close 1011 on failure. The follow stops when the socket
 * closes, the session is ended (revocation, shutdown) or the server shuts down.
 */
export function followToSocket<L>(
  socket: WebSocket,
  req: { raw: { socket: { setTimeout(ms: number): unknown } | null }; rt: Runtime },
  shutdown: AbortSignal,
  sessions: SocketSessions,
  follow: (signal: AbortSignal) => AsyncIterable<L[]>,
  frame: (line: L) => object,
  opts: { end?: boolean } = {},
): void {
  req.raw.socket?.setTimeout(0);
  const abort = new AbortController();
  const onShutdown = () => abort.abort();
  shutdown.addEventListener('abort', onShutdown, { once: true });
  socket.once('close', () => abort.abort());
  sessions.add(socket, async () => abort.abort());
  void (async () => {
    try {
      for await (const batch of follow(abort.signal)) for (const l of batch) sendJson(socket, { type: 'line', ...frame(l) });
      if (!abort.signal.aborted) {
        if (opts.end) sendJson(socket, { type: 'end' });
        socket.close(1000);
      }
    } catch (err) {
      if (socket.readyState !== socket.OPEN) return;
      const e = toHttpError(err, req.rt);
      sendJson(socket, { type: 'error', error: { code: e.code, message: e.message } });
      socket.close(1011, e.code);
    } finally {
      shutdown.removeEventListener('abort', onShutdown);
    }
  })();
}
