// The dashboard's container records outside React: followRecords keeps SQLite in line with Docker's events while the
// dashboard runs (whichever view is open), and the Records view reads the newest records from here, re-read after
// each event and whenever another berth process commits to the database (SQLite's data_version).
import { BatchedPublisher } from './batched-publisher.js';
import { RecordService, followRecords, type ContainerRecord } from '../runtime/records.js';
import type { Runtime } from '../runtime/runtime.js';

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
  private dataVersion = -1;

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
    // Other berth processes (a plugin run, records update) commit without a Docker event: data_version tells.
    this.poll = setInterval(() => {
      try {
        const version = this.rt.db().pragma('data_version', { simple: true }) as number;
        if (version !== this.dataVersion) this.scheduleReload();
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
    clearTimeout(this.reloadTimer);
    this.publisher.cancel();
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
        this.dataVersion = this.rt.db().pragma('data_version', { simple: true }) as number;
        const page = await new RecordService(this.rt).list({ limit: this.options.limit ?? 500 }, undefined, { reconcile: false });
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
