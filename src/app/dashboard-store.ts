// The dashboard's state outside React: rooms and the selected room's containers, reloaded (throttled) on Docker
// events, changed only through a reducer, and published to React at most once per flush interval.
import { BatchedPublisher } from './batched-publisher.js';
import type { ContainerSummary } from '../runtime/containers.js';
import { ContainerService } from '../runtime/containers.js';
import { isConnectionError } from '../runtime/engine.js';
import { EngineUnreachableError } from '../runtime/errors.js';
import { watchEvents, type EngineEvent } from '../runtime/events.js';
import { LABEL } from '../runtime/labels.js';
import { roomDiskUsage, type RoomDiskUsage } from '../runtime/disk-usage.js';
import { RoomService, type RoomSummary } from '../runtime/rooms.js';
import type { Runtime } from '../runtime/runtime.js';

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
  | { type: 'failed'; message: string; engine?: boolean };

export const initialDashboardState: DashboardState = { rooms: [], containers: [], loaded: false, events: 0, connected: true };

export function dashboardReducer(state: DashboardState, action: DashboardAction): DashboardState {
  switch (action.type) {
    case 'rooms-loaded': {
      // A reload that found nothing new keeps the same objects, so nothing re-renders.
      if (state.loaded && !state.error && state.connected && sameJson(action.rooms, state.rooms)) return state;
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
        connected: true,
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
}

export class DashboardStore {
  private state = initialDashboardState;
  private published = initialDashboardState;
  private readonly publisher: BatchedPublisher;
  private reloadTimer?: NodeJS.Timeout;
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

  constructor(
    /** Public so the views' own stores (logs, stats) and actions share the dashboard's engine connection. */
    readonly rt: Runtime,
    options: DashboardStoreOptions = {},
  ) {
    this.rooms = new RoomService(rt);
    this.containers = new ContainerService(rt);
    this.reloadDelayMs = options.reloadDelayMs ?? 100;
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

  /** Loads everything once, then follows the events stream until stop(); reconnects when the engine drops it. */
  async start(): Promise<void> {
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
    clearTimeout(this.reloadTimer);
    this.publisher.dispose();
  }

  private async follow(): Promise<void> {
    const signal = this.controller.signal;
    let backoff = 500;
    while (!signal.aborted) {
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
          }
        }
        // dockerd never ends an events stream by itself: it went away (stopped, restarted, the connection dropped).
        if (!signal.aborted) this.dispatch({ type: 'failed', message: 'lost the connection to the engine; reconnecting…', engine: true });
      } catch (err) {
        if (signal.aborted) return;
        this.dispatch({ type: 'failed', message: (err as Error).message, engine: isEngineLoss(err) });
      }
      if (signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(backoff * 2, 5000);
      this.containersStale = true;
      this.scheduleReload(0); // catch up on whatever happened while disconnected
    }
  }

  private measureDisk(rooms: string[]): void {
    if (this.diskMeasuring || Date.now() - this.diskMeasuredAt < 30_000) return;
    this.diskMeasuring = true;
    roomDiskUsage(this.rt, { rooms, signal: this.controller.signal })
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
        const signal = this.controller.signal;
        try {
          const rooms = (await this.rooms.list(signal)).map((r) => ({ ...r, disk: this.disk.get(r.name) }));
          this.dispatch({ type: 'rooms-loaded', rooms });
          this.measureDisk(rooms.map((r) => r.name));
          const room = this.state.selectedRoom;
          if (room && (this.containersStale || room !== this.loadedRoom)) {
            this.containersStale = false;
            const containers = await this.containers.list(room === ALL_ROOMS ? undefined : room, { all: true, signal });
            this.loadedRoom = room;
            this.dispatch({ type: 'containers-loaded', room, containers });
          }
        } catch (err) {
          this.containersStale = true;
          if (signal.aborted) return;
          this.dispatch({ type: 'failed', message: (err as Error).message, engine: isEngineLoss(err) });
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
