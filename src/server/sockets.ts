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

  /** Ends every session's work, then closes its socket with 1001 (going away). */
  async closeAll(reason = 'server shutting down'): Promise<void> {
    await Promise.all(
      [...this.open].map(async ([socket, stop]) => {
        await stop().catch(() => {});
        if (socket.readyState === socket.OPEN) socket.close(1001, reason);
      }),
    );
  }
}

/** A JSON text frame. */
export function sendJson(socket: WebSocket, value: unknown): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(value));
}
