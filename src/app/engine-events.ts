// The dashboard's one engine events stream, fanned out: each live resource subscribes with a filter for the events
// it cares about, and hears when the stream (re)opens, so it can catch up on whatever happened while none was open.
import { engineJsonLines, type EngineEvent } from '../runtime/engine/index.js';
import type { Engine } from '../runtime/core/index.js';

export type { EngineEvent };

/** Every event type a dashboard resource follows; the stream asks the engine for these only. */
export const DASHBOARD_EVENT_TYPES = ['container', 'network', 'image', 'service'];

export interface EventSubscriber {
  /** The events this subscriber cares about (all of them when omitted). */
  filter?: (event: EngineEvent) => boolean;
  onEvent(event: EngineEvent): void;
  /** The stream is open (again): events from now on arrive, anything before may have been missed. */
  onConnect?(): void;
}

export class EngineEventHub {
  private readonly subscribers = new Set<EventSubscriber>();
  private open = false;
  /** Engine event streams this hub has opened (a reconnect opens another): one at a time, never one per view. */
  streamsOpened = 0;

  /** Adds a subscriber; the returned function removes it. */
  subscribe(subscriber: EventSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  /** Whether a stream is open now (events arrive). */
  get connected(): boolean {
    return this.open;
  }

  /**
   * The engine's events as an async iterable, each one also handed to the subscribers that want it. Subscribers hear
   * onConnect once the engine has answered the request, so nothing after that moment is missed. Ends with the signal.
   */
  async *stream(engine: Engine, signal: AbortSignal): AsyncGenerator<EngineEvent> {
    const events = engineJsonLines<EngineEvent>(
      engine,
      'events',
      async (docker) => {
        const stream = (await docker.getEvents({ filters: { type: DASHBOARD_EVENT_TYPES }, abortSignal: signal } as object)) as NodeJS.ReadableStream;
        this.streamsOpened++;
        this.open = true;
        // After the caller's first read is under way: a subscriber's catch-up must not run before the stream is read.
        queueMicrotask(() => this.each((s) => s.onConnect?.()));
        return stream;
      },
      signal,
    );
    try {
      for await (const event of events) {
        this.each((s) => {
          if (!s.filter || s.filter(event)) s.onEvent(event);
        });
        yield event;
      }
    } finally {
      this.open = false;
    }
  }

  /** Calls every subscriber; one that throws does not keep the others from hearing. */
  private each(call: (s: EventSubscriber) => void): void {
    for (const s of [...this.subscribers]) {
      try {
        call(s);
      } catch {
        // a subscriber's own failure is its own to report
      }
    }
  }

  dispose(): void {
    this.subscribers.clear();
  }
}
