// The open WebSocket sessions (terminals, streaming execs): on shutdown each gets a close frame and its work ends.
import type { WebSocket } from 'ws';

export class SocketSessions {
  private readonly open = new Map<WebSocket, () => Promise<void>>();

  add(socket: WebSocket, stop: () => Promise<void>): void {
    this.open.set(socket, stop);
    socket.once('close', () => this.open.delete(socket));
  }

  get size(): number {
    return this.open.size;
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
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(stops), new Promise((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
  }
}

/** A JSON text frame. */
export function sendJson(socket: WebSocket, value: unknown): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(value));
}
