// What every route module is given: the room the server serves and its settings.
export interface ServerContext {
  /** Every API container lives in this room (berth serve --room, else BERTH_ROOM, else config). */
  room: string;
  /** Aborted when the server shuts down: long work (exec, waits, terminals) ends with it. */
  shutdown: AbortSignal;
}

export const cuidParams = {
  type: 'object',
  required: ['cuid'],
  properties: { cuid: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

export type CuidParams = { cuid: string };

/**
 * The signal for one request's work: aborted when the client goes away before its answer was sent, or when the
 * server's drain time is over — a download, an exec or a wait then stops instead of running for nobody.
 */
export function requestSignal(req: { raw: NodeJS.EventEmitter }, reply: { raw: NodeJS.EventEmitter & { writableFinished: boolean } }, shutdown: AbortSignal): AbortSignal {
  const controller = new AbortController();
  const gone = () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('the client went away'));
  };
  reply.raw.once('close', gone);
  return AbortSignal.any([controller.signal, shutdown]);
}

/** Long handlers (exec, waits) may stay silent longer than the idle timeout: the socket's timer is off meanwhile. */
export function holdOpen(req: { raw: { socket: { setTimeout(ms: number): unknown } | null } }): void {
  req.raw.socket?.setTimeout(0);
}
