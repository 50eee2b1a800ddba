// The Services view's state outside React: the room's services, a live resource reloaded on the engine's container
// and service events (paused while the view is off screen), the selected service's deploy history and logs (one
// stream, capped, batched), and a deploy started from the dashboard. It outlives a visit (a deploy goes on while
// another view is shown); the dashboard disposes it on quit, which stops a deploy still running (rerunning it
// converges).
import { describeDeployEvent, parseDeployLine, quoteWords } from '../commands/deploy.js';
import { deployArgs } from '../runtime/services/index.js';
import { DeployState } from '../runtime/services/index.js';
import { CancelledError, LABEL, plural } from '../runtime/core/index.js';
import { DeployFailedError, DeployService, serviceLogBatches, type DeployResult, type RevisionSummary, type ServiceSummary } from '../runtime/services/index.js';
import type { Runtime } from '../runtime/core/index.js';
import { ALL_ROOMS } from './dashboard-store.js';
import type { EngineEventHub } from './engine-events.js';
import { LiveResource } from './live-resource.js';
import { trackStore, untrackStore } from './live-stores.js';

const LOG_LINES = 200;
const DEPLOY_LINES = 500;

/** A deploy started from the dashboard: its progress as it streams, then its outcome. */
export interface DeployRun {
  room: string;
  line: string;
  /** Known once the line parsed. */
  service?: string;
  lines: string[];
  /** The pull's latest progress, replaced in place. */
  pull?: string;
  running: boolean;
  error?: string;
  /** Stopped with x (or by quitting): the running revision kept serving. */
  cancelled?: boolean;
  result?: DeployResult;
}

export interface ServicesSnapshot {
  room?: string;
  services?: readonly ServiceSummary[];
  history: readonly RevisionSummary[];
  logs: readonly string[];
  logsOf?: string;
  error?: string;
  deploy?: DeployRun;
}

export class ServicesStore {
  private readonly live: LiveResource<ServicesSnapshot>;
  /** Whether the shown room's list is followed (the view is on screen). */
  private following = false;
  private logAbort?: AbortController;
  private deployAbort?: AbortController;

  /** `events`: the dashboard's events stream (container and service events reload the list). */
  constructor(
    private readonly rt: Runtime,
    private readonly events?: EngineEventHub,
  ) {
    this.live = new LiveResource<ServicesSnapshot>({
      initial: { history: [], logs: [] },
      load: () => this.load(),
      ...(events ? { events: { hub: events, filter: (e) => e.Type === 'container' || e.Type === 'service' } } : {}),
      debounceMs: 300,
      maxWaitMs: 300,
      // Log lines and a deploy's progress reach the screen at most every 100 ms.
      flushMs: 100,
      paused: true,
    });
    trackStore(this);
  }

  subscribe = (listener: () => void): (() => void) => this.live.subscribe(listener);

  getSnapshot = (): ServicesSnapshot => this.live.getSnapshot();

  private get snapshot(): ServicesSnapshot {
    return this.live.get();
  }

  private set(patch: Partial<ServicesSnapshot>): void {
    this.live.set((s) => ({ ...s, ...patch }));
  }

  /** The view shows `room`: its list followed from now on (a reload unless it is the same room and nothing changed). */
  start(room: string | undefined): void {
    if (room === this.snapshot.room && this.following) return;
    const same = room === this.snapshot.room && this.snapshot.services !== undefined;
    this.stop();
    this.set({ room, services: same ? this.snapshot.services : undefined, history: [], logs: [], logsOf: undefined });
    if (!room) return;
    this.following = true;
    this.live.resume();
    if (!same) void this.reload();
  }

  /** The view left the screen: no events or logs are followed; a deploy goes on. */
  stop(): void {
    this.following = false;
    this.live.pause();
    this.logAbort?.abort();
    this.set({ logsOf: undefined });
  }

  dispose(): void {
    untrackStore(this);
    this.deployAbort?.abort();
    this.stop();
    this.live.dispose();
  }

  /** The `berth deploy` options that redeploy a service as its active revision is (empty when there is none). */
  redeployLine(name: string): string {
    const room = this.snapshot.room;
    if (!room) return '';
    const state = new DeployState(this.rt.db());
    const active = state.service(room, name)?.activeRevision;
    const spec = state.revisions(room, name).find((r) => r.revision === active)?.spec;
    return spec ? quoteWords(deployArgs(spec)) : '';
  }

  /**
   * Starts a deploy into the shown room from a `berth deploy` line (one at a time); its progress lands in the
   * snapshot as it comes, published at most every 100 ms. Resolves with the finished run, never rejects.
   */
  deploy(line: string): Promise<DeployRun> {
    const running = this.snapshot.deploy;
    if (running?.running) return Promise.resolve(running);
    const room = this.snapshot.room;
    let run: DeployRun = { room: room ?? '-', line, lines: [], running: true };
    const ctl = (this.deployAbort = new AbortController());
    const update = (change: Partial<DeployRun>, now = false) => {
      run = { ...run, ...change, lines: (change.lines ?? run.lines).slice(-DEPLOY_LINES) };
      this.set({ deploy: run });
      if (now) this.live.flushNow();
    };
    const add = (text: string) => update({ lines: [...run.lines, ...this.rt.mask.text(text).split('\n')] });
    update({}, true);
    return (async () => {
      try {
        if (!room || room === ALL_ROOMS) throw new Error('choose a room first: a service is deployed into one room');
        const opts = await parseDeployLine(line);
        const result = await new DeployService(this.rt).deploy(room, opts, {
          signal: ctl.signal,
          onEvent: (e) => {
            if (run.service === undefined) update({ service: e.service });
            add(describeDeployEvent(e));
          },
          onPull: (e) => update({ pull: this.rt.mask.text(`${e.id ? `${e.id}: ` : ''}${e.status}${e.progress ? ` ${e.progress}` : ''}`) }),
          onBuild: (text) => add(text),
        });
        update({ running: false, result, service: result.name, pull: undefined }, true);
      } catch (err) {
        if (err instanceof DeployFailedError && err.logs.length) {
          add(`last ${plural(err.logs.length, 'log line')} of revision ${err.revision}:`);
          for (const l of err.logs) add(`  ${l}`);
        }
        update({ running: false, error: this.rt.mask.text((err as Error).message), cancelled: err instanceof CancelledError, pull: undefined }, true);
      }
      void this.reload();
      return run;
    })();
  }

  /** Stops the running deploy (the old revision keeps serving). */
  cancelDeploy(): boolean {
    if (!this.snapshot.deploy?.running || !this.deployAbort) return false;
    this.deployAbort.abort();
    return true;
  }

  /** Reloads the list now (one reload at a time). */
  reload(): Promise<void> {
    return this.live.reload();
  }

  private async load(): Promise<void> {
    const room = this.snapshot.room;
    if (!room) return;
    try {
      const services = await new DeployService(this.rt).list(room);
      if (room !== this.snapshot.room) return;
      const history = this.snapshot.logsOf ? new DeployService(this.rt).history(room, this.snapshot.logsOf) : [];
      this.set({ services, history, error: undefined });
    } catch (err) {
      this.set({ error: this.rt.mask.text((err as Error).message) });
    }
  }

  /** Follows the selected service's logs and history (one stream at a time, aborted on a new selection). */
  select(name: string | undefined): void {
    const room = this.snapshot.room;
    if (!room || name === this.snapshot.logsOf) return;
    this.logAbort?.abort();
    this.set({ logsOf: name, logs: [], history: name ? new DeployService(this.rt).history(room, name) : [] });
    if (!name) return;
    const abort = (this.logAbort = new AbortController());
    void this.followLogs(room, name, abort.signal);
  }

  /**
   * The service's logs until the selection changes. A service with no container yet (its first deploy before the
   * create, a failed one) or whose follow broke off is followed again at the next container event in its room (or
   * when the events stream reconnects), so the lines of a container that comes later are never missed.
   */
  private async followLogs(room: string, name: string, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      // Listening before looking: a container that appears while the follow starts still wakes the next attempt.
      let changed = false;
      let wake: (() => void) | undefined;
      const poke = () => {
        changed = true;
        wake?.();
      };
      const unsubscribe = this.events?.subscribe({
        filter: (e) => e.Type === 'container' && e.Actor?.Attributes?.[LABEL.room] === room,
        onEvent: poke,
        onConnect: poke,
      });
      let first = true;
      try {
        for await (const batch of serviceLogBatches(this.rt, room, name, { follow: true, tail: 50, signal })) {
          // A follow again after one broke off starts from the last lines: the pane shows them once.
          if (first) this.live.set((s) => ({ ...s, logs: [] }));
          first = false;
          if (signal.aborted) return;
          const lines = batch.map((l) => this.rt.mask.text(`${l.container} | ${l.text}`));
          // Kept capped as they come; the resource publishes them batched.
          this.live.set((s) => ({ ...s, logs: [...s.logs, ...lines].slice(-LOG_LINES) }));
        }
        if (!this.events) return;
      } catch {
        // No containers yet (or no longer), or the engine broke the stream off: tried again at the next event.
        if (!this.events) return;
      }
      try {
        if (!changed && !signal.aborted) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            signal.addEventListener('abort', () => resolve(), { once: true });
          });
        }
      } finally {
        unsubscribe?.();
      }
    }
  }
}
