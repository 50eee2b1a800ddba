// The Docker events stream as an async iterable of parsed events, ended by an AbortSignal.
import type { Engine } from './engine.js';

export interface EngineEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  time: number;
  timeNano: number;
}

export async function* watchEvents(
  engine: Engine,
  filters: Record<string, string[]>,
  signal: AbortSignal,
): AsyncGenerator<EngineEvent> {
  const stream = (await engine.call('events', (d) =>
    d.getEvents({ filters, abortSignal: signal } as object),
  )) as NodeJS.ReadableStream & { destroy(): void };
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
        if (line) yield JSON.parse(line) as EngineEvent;
      }
    }
  } catch (err) {
    if (!signal.aborted) throw engine.translate(err, 'events');
  } finally {
    signal.removeEventListener('abort', onAbort);
    stream.destroy();
  }
}
