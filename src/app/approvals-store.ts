// The approval queue for the dashboard, outside React: polls the shared SQLite file (data_version, so an idle queue
// costs one pragma per tick), publishes pending and recent requests, rings once per new request, and follows one
// approved command's output file (secrets masked as they are shown).
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { ApprovalQueue, type ApprovalRequest } from '../runtime/host-commands/index.js';
import { assertPerson, terminalText, type Runtime } from '../runtime/core/index.js';
import { BatchedPublisher } from './batched-publisher.js';

export interface ApprovalsSnapshot {
  /** Pending requests oldest first (the one waiting longest on top), then recently decided ones, newest first. */
  requests: readonly ApprovalRequest[];
  pending: number;
  error?: string;
}

export interface OutputSnapshot {
  id?: number;
  lines: readonly string[];
  /** Lines dropped from the top by the cap. */
  dropped: number;
}

export interface ApprovalsStoreOptions {
  pollMs?: number;
  /** Decided requests kept in the list under the pending ones. */
  recent?: number;
  /** Called once for each request that arrives pending after the store started (the dashboard rings the bell). */
  onNewRequest?: (req: ApprovalRequest) => void;
  /** Whether stdin is a terminal (deciding is refused otherwise); default process.stdin.isTTY. */
  stdinIsTTY?: boolean;
  /** Output lines kept for the followed request. */
  outputLines?: number;
}

const EMPTY: ApprovalsSnapshot = { requests: [], pending: 0 };
const EMPTY_OUTPUT: OutputSnapshot = { lines: [], dropped: 0 };

export class ApprovalsStore {
  private snapshot: ApprovalsSnapshot = EMPTY;
  private output: OutputSnapshot = EMPTY_OUTPUT;
  private readonly queue: ApprovalQueue;
  private readonly publisher: BatchedPublisher;
  private readonly outputPublisher: BatchedPublisher;
  private timer?: NodeJS.Timeout;
  private version = -1;
  private lastSettle = 0;
  private seenId = -1;
  private follow?: { id: number; fd?: number; offset: number; decoder: StringDecoder; partial: string; lines: string[]; dropped: number; timer: NodeJS.Timeout };

  constructor(
    private readonly rt: Runtime,
    private readonly options: ApprovalsStoreOptions = {},
  ) {
    this.queue = new ApprovalQueue(rt);
    this.publisher = new BatchedPublisher(0, () => true);
    this.outputPublisher = new BatchedPublisher(50, () => true);
  }

  subscribe = (listener: () => void): (() => void) => this.publisher.subscribe(listener);
  getSnapshot = (): ApprovalsSnapshot => this.snapshot;
  subscribeOutput = (listener: () => void): (() => void) => this.outputPublisher.subscribe(listener);
  getOutput = (): OutputSnapshot => this.output;

  start(): void {
    if (this.timer) return;
    this.poll();
    this.timer = setInterval(() => this.poll(), this.options.pollMs ?? 250);
    this.timer.unref?.();
  }

  /** Stops polling and following; subscribers stay, so start() can resume. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.unfollow();
    this.outputPublisher.cancel();
  }

  /** Replaces what happens for each new pending request (the dashboard rings its terminal's bell). */
  onNewRequest(callback: ((req: ApprovalRequest) => void) | undefined): void {
    this.options.onNewRequest = callback;
  }

  /** Re-reads now (after this process's own decisions, which data_version does not report to its own connection). */
  refresh(): void {
    this.version = -1;
    this.poll();
  }

  private poll(): void {
    try {
      const version = this.queue.version();
      const now = Date.now();
      // Deadlines and dead callers change nothing in the file until someone settles them: do so once a second.
      const settleDue = now - this.lastSettle >= 1000;
      if (version === this.version && !settleDue) return;
      if (settleDue) {
        this.lastSettle = now;
        this.queue.settle(now);
      }
      this.version = this.queue.version();
      const pending = this.queue.list({ status: 'pending' });
      const recent = this.queue
        .list({ status: ['approved', 'denied', 'expired', 'cancelled'], limit: this.options.recent ?? 30 })
        .reverse();
      const maxId = Math.max(0, ...pending.map((r) => r.id), ...recent.map((r) => r.id));
      if (this.seenId >= 0) for (const r of pending) if (r.id > this.seenId) this.options.onNewRequest?.(r);
      this.seenId = Math.max(this.seenId, maxId);
      const next: ApprovalsSnapshot = { requests: [...pending, ...recent], pending: pending.length };
      if (!sameRequests(this.snapshot, next)) {
        this.snapshot = next;
        this.publisher.notify();
      }
    } catch (err) {
      this.snapshot = { ...this.snapshot, error: (err as Error).message };
      this.publisher.notify();
    }
  }

  /** A person's decision from the dashboard; throws (one line) when refused or already decided. */
  decide(id: number, decision: 'approved' | 'denied', opts: { reason?: string; stdinIsTTY?: boolean } = {}): ApprovalRequest {
    const { reason } = opts;
    assertPerson(this.rt, opts.stdinIsTTY ?? this.options.stdinIsTTY ?? Boolean(process.stdin.isTTY), 'deciding an approval', { action: `approval.${decision === 'approved' ? 'approve' : 'deny'}`, target: `approval/${id}` });
    try {
      return this.queue.decide(id, decision, { actor: this.rt.actor, ...(reason ? { reason } : {}) });
    } finally {
      this.refresh();
    }
  }

  /** Follows one request's output file (the caller writes it while the approved command runs). */
  followOutput(id: number | undefined): void {
    if (this.follow?.id === id) return;
    this.unfollow();
    this.output = { ...EMPTY_OUTPUT, ...(id !== undefined ? { id } : {}) };
    this.outputPublisher.notify();
    if (id === undefined) return;
    const cap = this.options.outputLines ?? 1000;
    const f = { id, offset: 0, decoder: new StringDecoder('utf8'), partial: '', lines: [] as string[], dropped: 0, timer: undefined as unknown as NodeJS.Timeout, fd: undefined as number | undefined };
    const file = this.queue.outputFile(id);
    const read = () => {
      if (f.fd === undefined) {
        try {
          f.fd = fs.openSync(file, 'r');
        } catch {
          return; // not started yet
        }
      }
      const buf = Buffer.alloc(64 * 1024);
      let changed = false;
      for (;;) {
        const n = fs.readSync(f.fd, buf, 0, buf.length, f.offset);
        if (n <= 0) break;
        f.offset += n;
        changed = true;
        const text = f.partial + f.decoder.write(buf.subarray(0, n));
        const parts = text.split('\n');
        f.partial = parts.pop()!;
        for (const line of parts) f.lines.push(this.rt.mask.text(cleanLine(line)));
        if (f.lines.length > cap) f.dropped += f.lines.splice(0, f.lines.length - cap).length;
      }
      if (changed) {
        const lines = f.partial ? [...f.lines, this.rt.mask.text(cleanLine(f.partial))] : [...f.lines];
        this.output = { id, lines, dropped: f.dropped };
        this.outputPublisher.schedule();
      }
    };
    f.timer = setInterval(read, 100);
    f.timer.unref?.();
    this.follow = f;
    read();
  }

  private unfollow(): void {
    if (!this.follow) return;
    clearInterval(this.follow.timer);
    if (this.follow.fd !== undefined) fs.closeSync(this.follow.fd);
    this.follow = undefined;
  }
}

/** One terminal line as text: what a carriage return overwrote is gone, colours kept, every other escape shown escaped. */
export function cleanLine(raw: string): string {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const cr = line.lastIndexOf('\r');
  return terminalText(cr >= 0 ? line.slice(cr + 1) : line, { sgr: true });
}

function sameRequests(a: ApprovalsSnapshot, b: ApprovalsSnapshot): boolean {
  if (a.pending !== b.pending || a.requests.length !== b.requests.length || a.error !== b.error) return false;
  return a.requests.every((r, i) => {
    const o = b.requests[i]!;
    return r.id === o.id && r.status === o.status && r.startedAt === o.startedAt && r.endedAt === o.endedAt;
  });
}
