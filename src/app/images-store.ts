// The Images view's state outside React: the room's images (or every image), a live resource reloaded on the
// engine's image and container events (debounced, paused while the view is off screen), the detail of the image
// under the cursor, and one pull's progress line.
import type { EngineEventHub } from './engine-events.js';
import { LiveResource } from './live-resource.js';
import { trackStore, untrackStore } from './live-stores.js';
import { buildImage } from '../runtime/images/index.js';
import { formatBytes, plural } from '../runtime/core/index.js';
import { deleteImage, inspectImage, listImages, pullImage, tagImage, type DeleteImageResult, type ImageDetail, type ImageSummary, type ProgressEvent } from '../runtime/images/index.js';
import type { Runtime } from '../runtime/core/index.js';

export interface PullState {
  ref: string;
  line: string;
  running: boolean;
  error?: string;
}

/** A build started from the dashboard: its output (the last BUILD_LINES lines) as it streams. */
export interface BuildState {
  context: string;
  tag: string;
  lines: string[];
  running: boolean;
  /** Context upload progress, while it lasts. */
  upload?: string;
  error?: string;
  id?: string;
}

export const BUILD_LINES = 1000;

export interface ImagesSnapshot {
  room?: string;
  all: boolean;
  images: ImageSummary[];
  loaded: boolean;
  error?: string;
  pull?: PullState;
  build?: BuildState;
  detail?: { id: string; detail?: ImageDetail; error?: string };
}

/** One line for a pull in progress: layers done of all seen, bytes of the layers downloading. */
export function pullLine(ref: string, layers: Map<string, ProgressEvent>): string {
  const all = [...layers.values()];
  const done = all.filter((l) => /complete|already exists/i.test(l.status)).length;
  const current = all.reduce((n, l) => n + (/Downloading/.test(l.status) ? (l.current ?? 0) : 0), 0);
  const total = all.reduce((n, l) => n + (/Downloading/.test(l.status) ? (l.total ?? 0) : 0), 0);
  const bytes = total ? `, ${formatBytes(current)}/${formatBytes(total)}` : '';
  return `pulling ${ref}: ${done}/${all.length} layers${bytes}`;
}

export class ImagesStore {
  private readonly live: LiveResource<ImagesSnapshot>;
  private readonly abort = new AbortController();
  private started = false;

  /** `events`: the dashboard's events stream (image and container events reload the list). */
  constructor(
    private readonly rt: Runtime,
    events?: EngineEventHub,
  ) {
    this.live = new LiveResource<ImagesSnapshot>({
      initial: { all: false, images: [], loaded: false },
      load: (signal) => this.load(signal),
      ...(events ? { events: { hub: events, filter: (e) => e.Type === 'image' || e.Type === 'container' } } : {}),
      // Engine events come in bursts (a pull, a build): one reload a few hundred ms after the last.
      debounceMs: 300,
      maxWaitMs: 1500,
      flushMs: 80,
      // Nothing shown yet: the first setScope reloads.
      paused: true,
    });
    trackStore(this);
  }

  subscribe = (listener: () => void): (() => void) => this.live.subscribe(listener);
  getSnapshot = (): ImagesSnapshot => this.live.getSnapshot();

  private get pending(): ImagesSnapshot {
    return this.live.get();
  }

  private update(change: Partial<ImagesSnapshot>): void {
    this.live.set((s) => ({ ...s, ...change }));
  }

  /** Which images to show: a room's (room undefined = every image, as with --all), or all of them. */
  setScope(room: string | undefined, all: boolean): void {
    if (this.pending.room === room && this.pending.all === all && this.started) return;
    this.update({ room, all, images: this.pending.room === room ? this.pending.images : [], loaded: false });
    this.started = true;
    void this.reload();
  }

  reload(): Promise<void> {
    return this.live.reload();
  }

  private async load(signal: AbortSignal): Promise<void> {
    try {
      const room = this.pending.room ?? (await this.rt.room());
      const images = await listImages(this.rt, { room, all: this.pending.all || this.pending.room === undefined, signal });
      this.update({ images, loaded: true, error: undefined });
      const shown = this.pending.detail?.id;
      if (shown && images.some((i) => i.id === shown)) void this.loadDetail(shown, true);
    } catch (err) {
      if (!signal.aborted) this.update({ loaded: true, error: (err as Error).message });
    }
  }

  /** The view came on screen or left it; a pull or build keeps running either way. */
  setActive(active: boolean): void {
    // Back on screen, whatever changed while away (an event came) shows now.
    if (active) this.live.resume();
    else this.live.pause();
  }

  /** Loads the history/labels of one image (the cursor's); kept until another is asked for. */
  async loadDetail(id: string, refresh = false): Promise<void> {
    if (!refresh && this.pending.detail?.id === id) return;
    if (!refresh) this.update({ detail: { id } });
    try {
      const room = this.pending.room ?? (await this.rt.room());
      const detail = await inspectImage(this.rt, { room, ref: id });
      if (this.pending.detail?.id === id) this.update({ detail: { id, detail } });
    } catch (err) {
      if (this.pending.detail?.id === id) this.update({ detail: { id, error: (err as Error).message } });
    }
  }

  /** Pulls into the room with a live progress line; resolves with the final line (never throws). */
  async pull(ref: string): Promise<PullState> {
    const layers = new Map<string, ProgressEvent>();
    this.update({ pull: { ref, line: `pulling ${ref}…`, running: true } });
    try {
      const room = this.pending.room ?? (await this.rt.room());
      const result = await pullImage(this.rt, {
        room,
        ref,
        signal: this.abort.signal,
        onEvent: (e) => {
          if (e.id) layers.set(e.id, e);
          this.update({ pull: { ref, line: pullLine(ref, layers), running: true } });
        },
      });
      const state = { ref, line: `pulled ${result.ref} into ${room}`, running: false };
      this.update({ pull: state });
      void this.reload();
      return state;
    } catch (err) {
      const state = { ref, line: `pull ${ref} failed`, running: false, error: (err as Error).message };
      this.update({ pull: state });
      return state;
    }
  }

  private buildAbort?: AbortController;

  /** Starts a build in the room (one at a time); its output lands in the snapshot, batched like every change. */
  build(context: string, tag: string): Promise<BuildState> {
    if (this.pending.build?.running) return Promise.resolve(this.pending.build);
    const ctl = new AbortController();
    this.buildAbort = ctl;
    const onDispose = () => ctl.abort();
    this.abort.signal.addEventListener('abort', onDispose, { once: true });
    let lines: string[] = [];
    let partial = '';
    const push = (text: string) => {
      const parts = (partial + text).split('\n');
      partial = parts.pop() ?? '';
      lines = [...lines, ...parts].slice(-BUILD_LINES);
    };
    const publish = (change: Partial<BuildState> = {}) =>
      this.update({ build: { context, tag, lines: partial ? [...lines, partial].slice(-BUILD_LINES) : lines, running: true, ...change } });
    publish();
    return (async () => {
      try {
        const room = this.pending.room ?? (await this.rt.room());
        const result = await buildImage(this.rt, {
          room,
          context,
          tag,
          signal: ctl.signal,
          onEvent: (e) => {
            if (e.type === 'context') return publish({ upload: `sending build context: ${formatBytes(e.bytes)} (${plural(e.files, 'file')})` });
            if (e.type === 'output') push(e.text);
            else if (e.event.status) push(`${e.event.id ? `${e.event.id}: ` : ''}${e.event.status}\n`);
            publish();
          },
        });
        push(`built ${result.id.replace(/^sha256:/, '').slice(0, 12)} as ${result.tags.join(', ')}\n`);
        const state: BuildState = { context, tag, lines, running: false, id: result.id };
        this.update({ build: state });
        void this.reload();
        return state;
      } catch (err) {
        const state: BuildState = { context, tag, lines: partial ? [...lines, partial] : lines, running: false, error: (err as Error).message };
        this.update({ build: state });
        return state;
      } finally {
        this.abort.signal.removeEventListener('abort', onDispose);
      }
    })();
  }

  /** Stops the running build on the engine. */
  cancelBuild(): boolean {
    if (!this.pending.build?.running || !this.buildAbort) return false;
    this.buildAbort.abort();
    return true;
  }

  async tag(source: string, target: string): Promise<{ ref: string }> {
    const room = this.pending.room ?? (await this.rt.room());
    const result = await tagImage(this.rt, { room, source, target });
    void this.reload();
    return result;
  }

  async delete(ref: string, force: boolean): Promise<DeleteImageResult> {
    const room = this.pending.room ?? (await this.rt.room());
    const result = await deleteImage(this.rt, { room, ref, force, all: this.pending.all || this.pending.room === undefined });
    void this.reload();
    return result;
  }

  dispose(): void {
    untrackStore(this);
    this.buildAbort?.abort();
    this.abort.abort();
    this.live.dispose();
  }
}
