// The dashboard's container records outside React: while the dashboard runs (whichever view is open) the records are
// kept in line with Docker from the dashboard's one events stream, and the Records view reads the newest records from
// a live resource, re-read after each change and whenever another berth process commits to the database (a poll of
// the records table's signature).
import { RecordService, followRecords, type ContainerRecord } from '../runtime/records/index.js';
import { LABEL } from '../runtime/core/index.js';
import type { Runtime } from '../runtime/core/index.js';
import type { EngineEvent, EngineEventHub } from './engine-events.js';
import { LiveResource } from './live-resource.js';

export interface RecordsState {
  records: ContainerRecord[];
  /** Every record there is (the view shows the newest `limit`). */
  total: number;
  loaded: boolean;
  error?: string;
}

const initial: RecordsState = { records: [], total: 0, loaded: false };

/** The container events that change a record (as followRecords asks the engine for). */
const RECORD_ACTIONS = new Set(['create', 'start', 'restart', 'die', 'oom', 'kill', 'pause', 'unpause', 'destroy']);

function isRecordEvent(event: EngineEvent): boolean {
  return event.Type === 'container' && RECORD_ACTIONS.has(event.Action) && LABEL.room in (event.Actor.Attributes ?? {});
}

export class RecordsStore {
  private readonly live: LiveResource<RecordsState>;
  private controller?: AbortController;
  private unfollow?: () => void;
  private seen = '';

  constructor(
    private readonly rt: Runtime,
    private readonly options: { limit?: number; flushMs?: number; pollMs?: number } = {},
  ) {
    this.live = new LiveResource<RecordsState>({
      initial,
      load: () => this.load(),
      // Other berth processes (a plugin run, records update) commit without a Docker event: the records' count, newest
      // id and latest update tell, and unlike data_version they do not change with every audit or approval write.
      poll: { everyMs: options.pollMs ?? 1000, changed: () => this.signature() !== this.seen },
      flushMs: options.flushMs ?? 50,
      paused: true,
    });
  }

  subscribe = (listener: () => void): (() => void) => this.live.subscribe(listener);
  getSnapshot = (): RecordsState => this.live.getSnapshot();

  /**
   * Keeps the records in line with Docker until stop(), from `events` (the dashboard's stream) or, without it, from a
   * stream of its own; false (and nothing done) when it already runs.
   */
  start(events?: EngineEventHub): boolean {
    if (this.controller) return false;
    const controller = (this.controller = new AbortController());
    if (events) this.unfollow = this.reconcileFrom(events, controller.signal);
    else void followRecords(this.rt, controller.signal, () => this.live.trigger());
    this.live.resume();
    void this.live.reload();
    return true;
  }

  stop(): void {
    this.controller?.abort();
    this.controller = undefined;
    this.unfollow?.();
    this.unfollow = undefined;
    this.live.pause();
  }

  /**
   * Reconciles every record when the stream (re)opens (nothing is missed: events after that arrive), then the record
   * of each container an event is about, in order, one at a time; a change re-reads the list.
   */
  private reconcileFrom(events: EngineEventHub, signal: AbortSignal): () => void {
    const records = new RecordService(this.rt);
    let queue = Promise.resolve();
    // After an event the list is read again even when no record changed: its creator may have updated it already.
    const then = (work: () => Promise<number[]>, always = false) => {
      queue = queue.then(async () => {
        if (signal.aborted) return;
        try {
          if ((await work()).length || always) this.live.trigger();
        } catch {
          // The engine went away: the stream's next open reconciles everything again.
        }
      });
    };
    const unsubscribe = events.subscribe({
      filter: isRecordEvent,
      onEvent: (event) => then(() => records.reconcile({ containerIds: [event.Actor.ID], signal }), true),
      onConnect: () => then(() => records.reconcile({ signal })),
    });
    // Already open: the records are reconciled once now, as on a connect.
    if (events.connected) then(() => records.reconcile({ signal }));
    return unsubscribe;
  }

  private signature(): string {
    const row = this.rt.db().prepare('SELECT COUNT(*) AS n, MAX(id) AS id, MAX(updated_at) AS at FROM container_records').get() as { n: number; id: number | null; at: string | null };
    return `${row.n}:${row.id}:${row.at}`;
  }

  /** Re-reads the newest records now (no engine call: the events reconcile). */
  reload(): void {
    void this.live.reload();
  }

  private async load(): Promise<void> {
    try {
      // Taken before the read, kept only once it succeeded: a failed read is retried by the next poll.
      const version = this.signature();
      const page = await new RecordService(this.rt).list({ limit: this.options.limit ?? 500 }, undefined, { reconcile: false });
      this.seen = version;
      this.live.set({ records: page.items, total: page.total, loaded: true });
    } catch (err) {
      this.live.set((s) => ({ ...s, loaded: true, error: (err as Error).message.split('\n')[0] }));
    }
  }
}

const stores = new WeakMap<Runtime, RecordsStore>();

/** One records store per runtime: the dashboard starts it, the Records view reads it. */
export function recordsStoreFor(rt: Runtime): RecordsStore {
  let store = stores.get(rt);
  if (!store) stores.set(rt, (store = new RecordsStore(rt)));
  return store;
}
