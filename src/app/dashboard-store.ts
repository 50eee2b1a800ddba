// The dashboard's state outside React: rooms and the selected room's containers, a live resource reloaded on the
// dashboard's one engine events stream (which this store follows and fans out to the views' resources), changed only
// through a reducer; whether the engine answers (a watchdog's pings, a cut stream), and a signal that aborts
// everything waiting on it when it does not.
import { EngineEventHub } from './engine-events.js';
import { LiveResource } from './live-resource.js';
import type { ContainerSummary } from '../runtime/containers/index.js';
import { ContainerService } from '../runtime/containers/index.js';
import { isConnectionError, type Engine } from '../runtime/core/index.js';
import { EngineWatchdog, type EngineWatchdogOptions } from '../runtime/engine/index.js';
import { EngineUnreachableError } from '../runtime/core/index.js';
import type { EngineEvent } from '../runtime/engine/index.js';
import { LABEL } from '../runtime/core/index.js';
import { roomDiskUsage, type RoomDiskUsage } from '../runtime/rooms/index.js';
import { RoomService, type RoomSummary } from '../runtime/rooms/index.js';
import type { Runtime } from '../runtime/core/index.js';

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
  private readonly live: LiveResource<DashboardState>;
  /** The dashboard's one engine events stream, fanned out: the views' resources subscribe here. */
  readonly events = new EngineEventHub();
  private lateReload?: NodeJS.Timeout;
  private readonly rooms: RoomService;
  private readonly containers: ContainerService;
  private readonly controller = new AbortController();
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
    this.watchdogOptions = options.watchdog;
    const delay = options.reloadDelayMs ?? 100;
    this.live = new LiveResource<DashboardState>({
      initial: { ...initialDashboardState, preferredRoom: options.initialRoom },
      load: (signal) => this.load(signal),
      events: { hub: this.events, filter: (event) => this.noteEvent(event) },
      debounceMs: delay,
      maxWaitMs: delay,
      flushMs: options.flushMs ?? 50,
      // A hung engine must not hold the one reload in flight: a loss aborts it, and the reload after it catches up.
      signal: () => AbortSignal.any([this.controller.signal, this.link.signal]),
    });
  }

  subscribe = (listener: () => void): (() => void) => this.live.subscribe(listener);

  getSnapshot = (): DashboardState => this.live.getSnapshot();

  /** Publishes what is set now instead of at the next flush (the first frame). */
  publishNow(): void {
    this.live.flushNow();
  }

  /** The latest state, possibly not yet published: key handlers act on this, never on a stale render. */
  current(): DashboardState {
    return this.live.get();
  }

  /** Reloads the rooms and containers have run (tests). */
  get reloads(): number {
    return this.live.reloads;
  }

  dispatch(action: DashboardAction): void {
    this.live.set((state) => dashboardReducer(state, action));
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
    this.live.trigger(0);
  }

  stop(): void {
    this.controller.abort();
    this.watchdog?.stop();
    this.back?.();
    clearTimeout(this.lateReload);
    this.live.dispose();
    this.events.dispose();
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
    this.live.trigger(0); // catch up on whatever happened while disconnected
    this.back?.();
  }

  /** Follows the dashboard's one events stream; the hub hands each event to the resources that want it. */
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
        for await (const _event of this.events.stream(engine, signal)) backoff = 500;
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
      this.live.trigger(0);
    }
  }

  /** An event from the stream: counted when it is about berth's rooms; true when the rooms or containers changed. */
  private noteEvent(event: EngineEvent): boolean {
    if (!isRoomEvent(event)) return false;
    this.dispatch({ type: 'event-seen' });
    const selected = this.live.get().selectedRoom;
    if (event.Type !== 'container' || selected === ALL_ROOMS || event.Actor.Attributes?.[LABEL.room] === selected) {
      this.containersStale = true;
    }
    // dockerd can still list a container as running just after its die event (its list view catches up a moment
    // later): one more look, so the row does not stay "running" until some other event.
    if (event.Type === 'container' && event.Action === 'die') this.lookAgainLater();
    return true;
  }

  private lookAgainLater(): void {
    clearTimeout(this.lateReload);
    this.lateReload = setTimeout(() => {
      this.containersStale = true;
      this.live.trigger(0);
    }, 500);
  }

  private measureDisk(rooms: string[]): void {
    if (this.diskMeasuring || Date.now() - this.diskMeasuredAt < 30_000) return;
    this.diskMeasuring = true;
    roomDiskUsage(this.rt, { rooms, signal: AbortSignal.any([this.controller.signal, this.link.signal]) })
      .then((disk) => {
        this.disk = disk;
        this.diskMeasuredAt = Date.now();
        const rooms = this.live.get().rooms.map((r) => ({ ...r, disk: disk.get(r.name) }));
        this.dispatch({ type: 'rooms-loaded', rooms });
      })
      .catch(() => (this.diskMeasuredAt = Date.now())) // an engine error shows through the next reload
      .finally(() => (this.diskMeasuring = false));
  }

  /** Reloads now (the live resource runs one at a time; a call meanwhile makes exactly one more). */
  private reload(): Promise<void> {
    return this.live.reload();
  }

  /** One reload: the rooms, then the selected room's containers when they may have changed. */
  private async load(signal: AbortSignal): Promise<void> {
    if (this.link.signal.aborted) return;
    try {
      // The first look lists the room the dashboard starts on beside the rooms, not after them, so its containers are
      // in the first frames; the list is used only if that room exists (else the rooms decide, as on every reload).
      const before = this.live.get();
      const early = !before.loaded && before.preferredRoom ? before.preferredRoom : undefined;
      const earlyList = early ? this.containers.list(early === ALL_ROOMS ? undefined : early, { all: true, signal }) : undefined;
      earlyList?.catch(() => {}); // awaited below when used; a room that does not exist is not an error here
      const rooms = (await this.rooms.list(signal)).map((r) => ({ ...r, disk: this.disk.get(r.name) }));
      this.dispatch({ type: 'rooms-loaded', rooms });
      const room = this.live.get().selectedRoom;
      try {
        if (room && (this.containersStale || room !== this.loadedRoom)) {
          this.containersStale = false;
          const containers = await (room === early && earlyList ? earlyList : this.containers.list(room === ALL_ROOMS ? undefined : room, { all: true, signal }));
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
