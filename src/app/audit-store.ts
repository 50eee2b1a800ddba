// The Audit view's store outside React: the last entries of the audit log, then every new one as it is written
// (followed across rotations), capped, published at most once per flush interval.
import type { AuditEntry, Runtime } from '../runtime/core/index.js';
import { followAudit } from '../runtime/audit/index.js';
import { BatchedPublisher } from './batched-publisher.js';

export interface AuditSnapshot {
  entries: readonly AuditEntry[];
  error?: string;
}

export class AuditStore {
  private entries: AuditEntry[] = [];
  private snapshot: AuditSnapshot = { entries: [] };
  private error?: string;
  private readonly publisher: BatchedPublisher;
  private readonly controller = new AbortController();

  constructor(
    private readonly rt: Runtime,
    private readonly options: { cap?: number; flushMs?: number; pollMs?: number } = {},
  ) {
    this.publisher = new BatchedPublisher(options.flushMs ?? 100, () => {
      this.snapshot = { entries: [...this.entries], ...(this.error ? { error: this.error } : {}) };
      return true;
    });
  }

  subscribe = (listener: () => void): (() => void) => this.publisher.subscribe(listener);
  getSnapshot = (): AuditSnapshot => this.snapshot;

  start(): void {
    const cap = this.options.cap ?? 2000;
    void (async () => {
      try {
        // The last entries, then every new one, from one follower: none written between the two is lost.
        const entries = followAudit(this.rt, { tail: cap }, { signal: this.controller.signal, intervalMs: this.options.pollMs ?? 250, history: true });
        for await (const e of entries) {
          this.entries.push(e);
          if (this.entries.length > cap) this.entries.splice(0, this.entries.length - cap);
          this.publisher.schedule();
        }
      } catch (err) {
        if (this.controller.signal.aborted) return;
        this.error = (err as Error).message;
        this.publisher.schedule();
      }
    })();
  }

  stop(): void {
    this.controller.abort();
    this.publisher.dispose();
  }
}
