// The dashboard's state outside React: rooms and the selected room's containers, reloaded (throttled) on Docker
// events, changed only through a reducer, and published to React at most once per flush interval; whether the
// engine answers (a watchdog's pings, a cut stream), and a signal that aborts everything waiting on it when it does not.
import { BatchedPublisher } from './batched-publisher.js';
import { type ContainerSummary, ContainerService } from '../runtime/containers/index.js';
import { isConnectionError, type Engine, EngineUnreachableError, LABEL, type Runtime } from '../runtime/core/index.js';
import { EngineWatchdog, type EngineWatchdogOptions, watchEvents, type EngineEvent } from '../runtime/engine/index.js';
import { roomDiskUsage, type RoomDiskUsage, RoomService, type RoomSummary } from '../runtime/rooms/index.js';

/** The room picker's "all rooms" entry: every berth container on the engine. */
export const ALL_ROOMS = '*';

export interface DashboardState {
  rooms: RoomSummary[];
  /** A room's name, or ALL_ROOMS. */
  selectedRoom?: string;
  /** The room to select once the rooms are known (defaultRoom, BERTH_ROOM, --room). */
  preferredRoom?: string;
  /** False from a failure to reach the engine until it answers again; the state shown is the last known. */
  connected: boolean;
  /** When the engine last answered (ms since the epoch). */
  lastContact?: number;
  containers: ContainerSummary[];
  loaded: boolean;
  error?: string;
  /** Count of engine events seen; shown in the header so a person can tell the view is live. */
  events: number;
}

export type DashboardAction =
  | { type: 'rooms-loaded'; rooms: RoomSummary[] }
  | { type: 'containers-loaded'; room: string; containers: ContainerSummary[] }
  | { type: 'room-selected'; room: string }
  | { type: 'event-seen' }
  | { type: 'failed'; message: string; engine?: boolean }
  | { type: 'engine-back' };

export const initialDashboardState: DashboardState = { rooms: [], containers: [], loaded: false, events: 0, connected: true };

export function dashboardReducer(state: DashboardState, action: DashboardAction): DashboardState {
  switch (action.type) {
    case 'rooms-loaded': {
      // A reload that found nothing new keeps the same objects, so nothing re-renders.
      if (state.loaded && !state.error && sameJson(action.rooms, state.rooms)) return state;
      const known = (room?: string) => room === ALL_ROOMS || action.rooms.some((r) => r.name === room);
      const selectedRoom = known(state.selectedRoom)
        ? state.selectedRoom
        : known(state.preferredRoom) && !state.loaded
          ? state.preferredRoom
          : (action.rooms[0]?.name ?? ALL_ROOMS);
      return {
        ...state,
        rooms: action.rooms,
        selectedRoom,
        containers: selectedRoom === state.selectedRoom ? state.containers : [],
        loaded: true,
        error: undefined,
        lastContact: Date.now(),
      };
    }
    case 'containers-loaded':
      // A slow reload for a room the user already left must not overwrite the current room.
      if (action.room !== state.selectedRoom) return state;
      if (!state.error && sameJson(action.containers, state.containers)) return state;
      return { ...state, containers: action.containers, error: undefined };
    case 'room-selected':
      if (action.room === state.selectedRoom) return state;
      return { ...state, selectedRoom: action.room, containers: [] };
    case 'event-seen':
      return { ...state, events: state.events + 1 };
    case 'failed':
      return { ...state, error: action.message, loaded: true, connected: !action.engine && state.connected };
    case 'engine-back':
      // Whatever the engine said last is stale; the reload that follows brings the state up to date.
      return state.connected ? state : { ...state, connected: true, error: undefined, lastContact: Date.now() };
    default: {
      const never: never = action;
      return never;
    }
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export interface DashboardStoreOptions {
  /** The room to start on when it exists (the configured default room, BERTH_ROOM or --room). */
  initialRoom?: string;
  /** Quiet period after an event before re-listing; bursts of events cause one reload. */
  reloadDelayMs?: number;
  /** How often subscribers (React) hear about changes at most. */
  flushMs?: number;
  /** The liveness probe's timing (tests). */
  watchdog?: Pick<EngineWatchdogOptions, 'everyMs' | 'timeoutMs' | 'backoffMs'>;
}

export class DashboardStore {
  private state = initialDashboardState;
  private published = initialDashboardState;
  private readonly publisher: BatchedPublisher;
  private reloadTimer?: NodeJS.Timeout;
  private lateReload?: NodeJS.Timeout;
  private readonly rooms: RoomService;
  private readonly containers: ContainerService;
  private readonly controller = new AbortController();
  private readonly reloadDelayMs: number;
  private reloading?: Promise<void>;
  private reloadAgain = false;
  /**
   * Whether the selected room's container list needs listing again: events in other rooms only change the room
   * list's counts, so a busy engine does not re-list (and re-render) the table on every foreign event.
   */
  private containersStale = true;
  private loadedRoom?: string;
  /** Rooms' disk use, measured in the background at most every diskEveryMs (sizing layers is slow). */
  private disk = new Map<string, RoomDiskUsage>();
  private diskMeasuredAt = 0;
  private diskMeasuring = false;
  private watchdog?: EngineWatchdog;
  /** Aborted when the engine is lost, replaced when it answers again; see connection(). */
  private link = new AbortController();
  /** Wakes the events loop when the engine is back. */
  private back?: () => void;
  private readonly watchdogOptions: DashboardStoreOptions['watchdog'];
  private endpoint = 'the engine';

  constructor(
    /** Public so the views' own stores (logs, stats) and actions share the dashboard's engine connection. */
    readonly rt: Runtime,
    options: DashboardStoreOptions = {},
  ) {
    this.rooms = new RoomService(rt);
    this.containers = new ContainerService(rt);
    this.reloadDelayMs = options.reloadDelayMs ?? 100;
    this.watchdogOptions = options.watchdog;
    this.state = { ...initialDashboardState, preferredRoom: options.initialRoom };
    this.publisher = new BatchedPublisher(options.flushMs ?? 50, () => {
      if (this.published === this.state) return false;
      this.published = this.state;
      return true;
    });
  }

  subscribe = (listener: () => void): (() => void) => this.publisher.subscribe(listener);

  getSnapshot = (): DashboardState => this.published;

  /** The latest state, possibly not yet published: key handlers act on this, never on a stale render. */
  current(): DashboardState {
    return this.state;
  }

  dispatch(action: DashboardAction): void {
    const next = dashboardReducer(this.state, action);
    if (next === this.state) return;
    this.state = next;
    this.publisher.schedule();
  }

  /**
   * The signal of the current connection to the engine: aborted (with the EngineUnreachableError as its reason) when
   * the engine stops answering, so streams and calls waiting on a hung engine end at once; already aborted while it
   * is lost. The views' stores and actions take it for everything they ask of the engine.
   */
  connection = (): AbortSignal => this.link.signal;

  /**
   * Loads everything once, then follows the events stream until stop(); a watchdog pings the engine meanwhile, so a
   * hung engine is noticed too, and it is what finds the engine back (with backoff) after a loss.
   */
  async start(): Promise<void> {
    let engine: Engine;
    try {
      engine = await this.rt.engine();
    } catch (err) {
      this.dispatch({ type: 'failed', message: (err as Error).message, engine: true });
      return;
    }
    if (this.controller.signal.aborted) return;
    this.endpoint = engine.endpoint.url;
    this.watchdog = new EngineWatchdog(engine, {
      ...this.watchdogOptions,
      onLost: (err) => this.lose(err),
      onBack: () => this.regain(),
    }).start();
    await this.reload();
    void this.follow();
  }

  selectRoom(room: string): void {
    this.dispatch({ type: 'room-selected', room });
    this.containersStale = true;
    this.scheduleReload(0);
  }

  stop(): void {
    this.controller.abort();
    this.watchdog?.stop();
    this.back?.();
    clearTimeout(this.reloadTimer);
    clearTimeout(this.lateReload);
    this.publisher.dispose();
  }

  /**
   * The engine stopped answering (the watchdog), or a call or stream found it gone: the first report of a loss
   * aborts the connection signal and says so; the watchdog then probes with backoff until it answers.
   */
  private lose(err: unknown): void {
    if (this.controller.signal.aborted || this.link.signal.aborted) return;
    const error =
      err instanceof EngineUnreachableError
        ? err
        : new EngineUnreachableError(this.endpoint, (err as Error)?.message ?? String(err), { cause: err });
    this.link.abort(error);
    this.containersStale = true;
    this.dispatch({ type: 'failed', message: `${error.message}; reconnecting…`, engine: true });
    this.watchdog?.lost(error);
  }

  /** The watchdog's ping was answered again: a new connection signal, the events stream and a reload. */
  private regain(): void {
    if (this.controller.signal.aborted) return;
    if (this.link.signal.aborted) this.link = new AbortController();
    this.dispatch({ type: 'engine-back' });
    this.containersStale = true;
    this.scheduleReload(0); // catch up on whatever happened while disconnected
    this.back?.();
  }

  private async follow(): Promise<void> {
    let backoff = 500;
    while (!this.controller.signal.aborted) {
      if (this.link.signal.aborted) {
        // Lost: the watchdog finds the engine back (with backoff) and wakes this loop.
        await new Promise<void>((resolve) => (this.back = resolve));
        this.back = undefined;
        continue;
      }
      const signal = AbortSignal.any([this.controller.signal, this.link.signal]);
      try {
        const engine = await this.rt.engine();
        for await (const event of watchEvents(engine, { type: ['container', 'network'] }, signal)) {
          backoff = 500;
          if (isRoomEvent(event)) {
            this.dispatch({ type: 'event-seen' });
            const selected = this.state.selectedRoom;
            if (event.Type !== 'container' || selected === ALL_ROOMS || event.Actor.Attributes?.[LABEL.room] === selected) {
              this.containersStale = true;
            }
            this.scheduleReload(this.reloadDelayMs);
            // dockerd can still list a container as running just after its die event (its list view catches up a
            // moment later): one more look, so the row does not stay "running" until some other event.
            if (event.Type === 'container' && event.Action === 'die') this.lookAgainLater();
          }
        }
        // dockerd never ends an events stream by itself: it went away (stopped, restarted, the connection dropped).
        if (!signal.aborted) this.lose(new Error('the connection was lost (did dockerd stop or restart?)'));
        continue;
      } catch (err) {
        if (signal.aborted) continue;
        if (isEngineLoss(err)) {
          this.lose(err);
          continue;
        }
        this.dispatch({ type: 'failed', message: (err as Error).message });
      }
      // The engine answers but refused the stream: try again, less often each time.
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(backoff * 2, 5000);
      this.containersStale = true;
      this.scheduleReload(0);
    }
  }

  private lookAgainLater(): void {
    clearTimeout(this.lateReload);
    this.lateReload = setTimeout(() => {
      this.containersStale = true;
      this.scheduleReload(0);
    }, 500);
  }

  private measureDisk(rooms: string[]): void {
    if (this.diskMeasuring || Date.now() - this.diskMeasuredAt < 30_000) return;
    this.diskMeasuring = true;
    roomDiskUsage(this.rt, { rooms, signal: AbortSignal.any([this.controller.signal, this.link.signal]) })
      .then((disk) => {
        this.disk = disk;
        this.diskMeasuredAt = Date.now();
        const rooms = this.state.rooms.map((r) => ({ ...r, disk: disk.get(r.name) }));
        this.dispatch({ type: 'rooms-loaded', rooms });
      })
      .catch(() => (this.diskMeasuredAt = Date.now())) // an engine error shows through the next reload
      .finally(() => (this.diskMeasuring = false));
  }

  private scheduleReload(delay: number): void {
    if (this.reloadTimer) return;
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = undefined;
      void this.reload();
    }, delay);
  }

  /** One reload at a time; events during a reload cause exactly one more. */
  private async reload(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      do {
        this.reloadAgain = false;
        // A hung engine must not hold the one reload in flight: a loss aborts it, and the reload after it catches up.
        const signal = AbortSignal.any([this.controller.signal, this.link.signal]);
        if (this.link.signal.aborted) return;
        try {
          const rooms = (await this.rooms.list(signal)).map((r) => ({ ...r, disk: this.disk.get(r.name) }));
          this.dispatch({ type: 'rooms-loaded', rooms });
          const room = this.state.selectedRoom;
          try {
            if (room && (this.containersStale || room !== this.loadedRoom)) {
              this.containersStale = false;
              const containers = await this.containers.list(room === ALL_ROOMS ? undefined : room, { all: true, signal });
              this.loadedRoom = room;
              this.dispatch({ type: 'containers-loaded', room, containers });
            }
          } finally {
            // Disk sizes after the containers: the engine's sized listing is slow (~100 ms with 100 containers) and
            // held up the room's containers, asked at the same time, before the first frame.
            this.measureDisk(rooms.map((r) => r.name));
          }
        } catch (err) {
          this.containersStale = true;
          if (signal.aborted) return;
          if (isEngineLoss(err)) this.lose(err);
          else this.dispatch({ type: 'failed', message: (err as Error).message });
        }
      } while (this.reloadAgain && !this.controller.signal.aborted);
    })();
    try {
      await this.reloading;
    } finally {
      this.reloading = undefined;
    }
  }
}

function isEngineLoss(err: unknown): boolean {
  return err instanceof EngineUnreachableError || isConnectionError(err);
}

function isRoomEvent(event: EngineEvent): boolean {
  if (event.Type === 'container') {
    return LABEL.room in (event.Actor.Attributes ?? {}) && !event.Action.startsWith('exec_');
  }
  if (event.Type === 'network') {
    const name = event.Actor.Attributes?.name ?? '';
    return name.startsWith('berth-');
  }
  return false;
}
