// The Files tab's state outside React: which container and directory, its listing, the cursor; plus the
// download/upload actions the tab starts. Components read it with useSyncExternalStore.
import fs from 'node:fs';
import path from 'node:path';
import { formatBytes, plural } from '../runtime/core/index.js';
import type { DirEntry } from '../runtime/files/index.js';
import type { Runtime } from '../runtime/core/index.js';
import { BatchedPublisher } from './batched-publisher.js';

export interface FilesSnapshot {
  room?: string;
  id?: string;
  path: string;
  entries: DirEntry[];
  cursor: number;
  loading: boolean;
  error?: string;
  truncated: boolean;
}

const empty: FilesSnapshot = { path: '/', entries: [], cursor: 0, loading: false, truncated: false };

export class FilesBrowser {
  private snap: FilesSnapshot = empty;
  /** Each change is one keypress or one listing: subscribers hear of it at once. */
  private readonly publisher = new BatchedPublisher(0, () => true);
  private generation = 0;
  /** Last directory per container, so coming back to a container lands where it was. */
  private readonly lastPath = new Map<string, string>();

  constructor(private readonly rt: Runtime) {}

  subscribe = (listener: () => void): (() => void) => this.publisher.subscribe(listener);

  getSnapshot = (): FilesSnapshot => this.snap;

  private set(next: Partial<FilesSnapshot>): void {
    this.snap = { ...this.snap, ...next };
    this.publisher.notify();
  }

  /** Shows a container (from its last directory, else its working directory); a no-op when it is already shown. */
  show(room: string, id: string): void {
    if (this.snap.room === room && this.snap.id === id) return;
    this.load(room, id, this.lastPath.get(id) ?? '');
  }

  current(): DirEntry | undefined {
    return this.snap.entries[this.snap.cursor];
  }

  /** The container path of the entry under the cursor. */
  currentPath(): string | undefined {
    const e = this.current();
    return e ? path.posix.join(this.snap.path, e.name) : undefined;
  }

  move(delta: number | 'top' | 'bottom'): void {
    const last = Math.max(0, this.snap.entries.length - 1);
    const cursor = delta === 'top' ? 0 : delta === 'bottom' ? last : Math.min(last, Math.max(0, this.snap.cursor + delta));
    if (cursor !== this.snap.cursor) this.set({ cursor });
  }

  /** Enter: into a directory (or a link, which the engine follows inside the container). */
  enter(): boolean {
    const e = this.current();
    if (!e || !this.snap.room || !this.snap.id) return false;
    if (e.type !== 'directory' && e.type !== 'symlink') return false;
    this.load(this.snap.room, this.snap.id, path.posix.join(this.snap.path, e.name));
    return true;
  }

  /** Up one directory; false at the root. */
  parent(): boolean {
    if (!this.snap.room || !this.snap.id || this.snap.path === '/') return false;
    const from = path.posix.basename(this.snap.path);
    this.load(this.snap.room, this.snap.id, path.posix.dirname(this.snap.path), from);
    return true;
  }

  refresh(): void {
    if (this.snap.room && this.snap.id) this.load(this.snap.room, this.snap.id, this.snap.path, this.current()?.name);
  }

  private load(room: string, id: string, dir: string, select?: string): void {
    const gen = ++this.generation;
    const same = this.snap.id === id && this.snap.path === dir;
    this.set({ room, id, path: dir, loading: true, error: undefined, ...(same ? {} : { entries: [], cursor: 0, truncated: false }) });
    void import('../runtime/files/index.js')
      .then(({ listContainerDir }) => listContainerDir(this.rt, room, id, dir))
      .then(
        (r) => {
          if (gen !== this.generation) return;
          this.lastPath.set(id, r.path);
          const at = select ? r.entries.findIndex((e) => e.name === select) : -1;
          this.set({ path: r.path, entries: r.entries, truncated: r.truncated, loading: false, cursor: at >= 0 ? at : Math.min(this.snap.cursor, Math.max(0, r.entries.length - 1)) });
        },
        (err: Error) => {
          if (gen !== this.generation) return;
          this.set({ loading: false, error: err.message.split('\n')[0], entries: [] });
        },
      );
  }

  /** Downloads the entry under the cursor to a host path: a file as a file, a directory unpacked (checked). */
  async download(to: string): Promise<string> {
    const e = this.current();
    const from = this.currentPath();
    if (!e || !from || !this.snap.room || !this.snap.id) throw new Error('nothing selected');
    const files = await import('../runtime/files/index.js');
    if (e.type === 'directory') {
      const r = await files.downloadExtract(this.rt, this.snap.room, this.snap.id, from, to);
      return `downloaded ${from} (${plural(r.files, 'file')}, ${formatBytes(r.bytes)}) into ${r.target}`;
    }
    const r = await files.downloadFile(this.rt, this.snap.room, this.snap.id, from, to);
    return `downloaded ${from} (${formatBytes(r.bytes)}) to ${r.to}`;
  }

  /** Uploads a host file or directory into the directory shown (a directory keeps its name). */
  async upload(local: string): Promise<string> {
    if (!this.snap.room || !this.snap.id) throw new Error('no container');
    const st = fs.statSync(local, { throwIfNoEntry: false });
    if (!st) throw new Error(`no such file or directory "${local}"`);
    const { uploadToContainer } = await import('../runtime/files/index.js');
    const dest = st.isDirectory() ? path.posix.join(this.snap.path, path.basename(path.resolve(local))) : this.snap.path;
    const r = st.isDirectory()
      ? await uploadToContainer(this.rt, this.snap.room, this.snap.id, { dir: local, dest })
      : await uploadToContainer(this.rt, this.snap.room, this.snap.id, { files: [{ local }], dest });
    this.refresh();
    return `uploaded ${plural(r.files, 'file')} (${formatBytes(r.bytes)}) to ${r.dest}`;
  }
}
