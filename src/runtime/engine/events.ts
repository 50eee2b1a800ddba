// The Docker events stream as an async iterable of parsed events, ended by an AbortSignal.
import type Docker from 'dockerode';
import type { Engine } from '../core/index.js';

export interface EngineEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  time: number;
  timeNano: number;
}

export function watchEvents(engine: Engine, filters: Record<string, string[]>, signal: AbortSignal): AsyncGenerator<EngineEvent> {
  return engineJsonLines<EngineEvent>(
    engine,
    'events',
    (d) => d.getEvents({ filters, abortSignal: signal } as object) as Promise<NodeJS.ReadableStream>,
    signal,
  );
}

/**
 * An engine endpoint that streams one JSON document per line (events, stats) as an async iterable; the signal
 * ends it, and connection errors become the engine's typed errors.
 */
export async function* engineJsonLines<T>(
  engine: Engine,
  what: string,
  open: (docker: Docker) => Promise<NodeJS.ReadableStream>,
  signal: AbortSignal,
): AsyncGenerator<T> {
  const stream = (await engine.call(what, open)) as NodeJS.ReadableStream & { destroy(): void };
  const onAbort = () => stream.destroy();
  signal.addEventListener('abort', onAbort, { once: true });
  let pending = '';
  try {
    for await (const chunk of stream) {
      pending += chunk.toString();
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line) yield JSON.parse(line) as T;
      }
    }
  } catch (err) {
    if (!signal.aborted) throw engine.translate(err, what);
  } finally {
    signal.removeEventListener('abort', onAbort);
    stream.destroy();
  }
}
