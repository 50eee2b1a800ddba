// The dashboard's container records outside React: followRecords keeps SQLite in line with Docker's events while the
// dashboard runs (whichever view is open), and the Records view reads the newest records from here, re-read after
// each event and whenever another berth process commits to the database (a signature of the records table).
import { BatchedPublisher } from './batched-publisher.js';
import { RecordService, followRecords, type ContainerRecord } from '../runtime/records/index.js';
import type { Runtime } from '../runtime/core/index.js';

export interface RecordsState {
  records: ContainerRecord[];
  /** Every record there is (the view shows the newest `limit`). */
  total: number;
  loaded: boolean;
  error?: string;
}

const initial: RecordsState = { records: [], total: 0, loaded: false };

export class RecordsStore {
  private state = initial;
  private published = initial;
  private readonly publisher: BatchedPublisher;
  private controller?: AbortController;
  private poll?: NodeJS.Timeout;
  private reloadTimer?: NodeJS.Timeout;
  private seen = '';

  constructor(
    private readonly rt: Runtime,
    private readonly options: { limit?: number; flushMs?: number; pollMs?: number } = {},
  ) {
    this.publisher = new BatchedPublisher(options.flushMs ?? 50, () => {
      if (this.published === this.state) return false;
      this.published = this.state;
      return true;
    });
  }

  subscribe = (listener: () => void): (() => void) => this.publisher.subscribe(listener);
  getSnapshot = (): RecordsState => this.published;

  /** Follows events and watches the database until stop(); false (and nothing done) when it already runs. */
  start(): boolean {
    if (this.controller) return false;
    this.controller = new AbortController();
    void followRecords(this.rt, this.controller.signal, () => this.scheduleReload());
    this.reload();
    // Other berth processes (a plugin run, records update) commit without a Docker event: the records' count, newest
    // id and latest update tell, and unlike data_version they do not change with every audit or approval write.
    this.poll = setInterval(() => {
      try {
        if (this.signature() !== this.seen) this.scheduleReload();
      } catch {
        // the database is closing
      }
    }, this.options.pollMs ?? 1000);
    return true;
  }

  stop(): void {
    this.controller?.abort();
    this.controller = undefined;
    clearInterval(this.poll);
    // Forgotten as well as cleared: a pending reload left set would make every later scheduleReload a no-op.
    clearTimeout(this.reloadTimer);
    this.reloadTimer = undefined;
    this.publisher.cancel();
  }

  private signature(): string {
    const row = this.rt.db().prepare('SELECT COUNT(*) AS n, MAX(id) AS id, MAX(updated_at) AS at FROM container_records').get() as { n: number; id: number | null; at: string | null };
    return `${row.n}:${row.id}:${row.at}`;
  }

  private scheduleReload(): void {
    this.reloadTimer ??= setTimeout(() => {
      this.reloadTimer = undefined;
      this.reload();
    }, 100);
  }

  /** Re-reads the newest records (no engine call: the follower reconciles). */
  reload(): void {
    void (async () => {
      try {
        // Taken before the read, kept only once it succeeded: a failed read is retried by the next poll.
        const version = this.signature();
        const page = await new RecordService(this.rt).list({ limit: this.options.limit ?? 500 }, undefined, { reconcile: false });
        this.seen = version;
        this.state = { records: page.items, total: page.total, loaded: true };
      } catch (err) {
        this.state = { ...this.state, loaded: true, error: (err as Error).message.split('\n')[0] };
      }
      this.publisher.schedule();
    })();
  }
}

const stores = new WeakMap<Runtime, RecordsStore>();

/** One records store per runtime: the dashboard starts it, the Records view reads it. */
export function recordsStoreFor(rt: Runtime): RecordsStore {
  let store = stores.get(rt);
  if (!store) stores.set(rt, (store = new RecordsStore(rt)));
  return store;
}
