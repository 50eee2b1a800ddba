// Host file operations below a directory that containers can also write (room storage, workspaces, extraction
// targets): everything is done relative to open directory descriptors, so no checked path is ever resolved again.
// Linux only: Node has no openat(2), so `/proc/self/fd/N/<name>` stands in for it (the kernel resolves /proc/self/fd/N
// to the open directory itself, never by its name); mkdir, rename, unlink, rmdir, symlink, readlink and lstat never
// follow the final component, and opens use O_NOFOLLOW.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConflictError, UsageError } from './errors.js';
import { holderTag, tagHolderGone } from './holder.js';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY } = fs.constants;
const DIR_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
/** O_NONBLOCK: a fifo swapped in after the check never blocks the open; O_NOCTTY: a tty never becomes ours. */
const READ_FLAGS = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
const CREATE_FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;

export interface DirWording {
  /** How a refused symlink is explained ("storage paths never follow symlinks"). */
  noFollow: string;
  /** The thing the relative paths are in, for messages ("the storage of room r"). */
  within: string;
}

/** A component that was a directory when looked at and was something else when opened: refused, exit 4. */
export class ChangedUnderError extends ConflictError {
  constructor(
    readonly rel: string,
    within: string,
  ) {
    super(`"${rel}" in the ${within} changed while berth was using it (replaced by a link or a file, likely from a container): refused, nothing outside it was touched`);
  }
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException)?.code;
}

/** An open directory; every operation names entries relative to it. */
export class Dir {
  private closed = false;

  private constructor(
    readonly fd: number,
    /** This directory's path relative to the root ('' for the root), for messages. */
    readonly rel: string,
    readonly wording: DirWording,
  ) {}

  /** Opens a trusted root (its last component must be a real directory: never a link). */
  static open(abs: string, wording: DirWording): Dir {
    try {
      return new Dir(fs.openSync(abs, DIR_FLAGS), '', wording);
    } catch (err) {
      if (code(err) === 'ELOOP' || code(err) === 'ENOTDIR') throw new UsageError(`"${abs}" is not a directory (a symlink is never followed here)`);
      throw err;
    }
  }

  /** The kernel's name for an entry of this directory (or for the directory itself). */
  at(name?: string): string {
    return name === undefined ? `/proc/self/fd/${this.fd}` : `/proc/self/fd/${this.fd}/${name}`;
  }

  relOf(name: string): string {
    return this.rel ? `${this.rel}/${name}` : name;
  }

  lstat(name: string): fs.Stats | null {
    return fs.lstatSync(this.at(name), { throwIfNoEntry: false }) ?? null;
  }

  names(): string[] {
    return fs.readdirSync(this.at()).sort();
  }

  readlink(name: string): string {
    return fs.readlinkSync(this.at(name));
  }

  /**
   * A subdirectory, opened without following it. Missing: null, or created (mode) with create. A symlink or
   * non-directory is refused (usage, 2); one that was a directory when looked at but not when opened was swapped
   * under berth (ChangedUnderError, 4).
   */
  child(name: string, opts: { create?: boolean; mode?: number } = {}): Dir | null {
    const rel = this.relOf(name);
    for (let attempt = 0; ; attempt++) {
      const st = this.lstat(name);
      if (!st) {
        if (!opts.create) return null;
        try {
          this.mkdir(name, opts.mode ?? 0o755);
        } catch (err) {
          if (code(err) !== 'EEXIST') throw err;
        }
      } else if (st.isSymbolicLink()) throw new UsageError(`"${rel}" is a symlink, and ${this.wording.noFollow}`);
      else if (!st.isDirectory()) throw new UsageError(`"${rel}" is not a directory`);
      try {
        return new Dir(fs.openSync(this.at(name), DIR_FLAGS), rel, this.wording);
      } catch (err) {
        // Gone between the look and the open: look again, a few times, then call it a change.
        if (code(err) === 'ENOENT' && attempt < 3) continue;
        if (code(err) === 'ELOOP' || code(err) === 'ENOTDIR' || code(err) === 'ENOENT') throw new ChangedUnderError(rel, this.wording.within);
        throw err;
      }
    }
  }

  /** child() down a list of components (created with create); null when one is missing. Always a new descriptor. */
  descend(parts: readonly string[], opts: { create?: boolean; mode?: number } = {}): Dir | null {
    let at: Dir = this;
    try {
      for (const part of parts) {
        const next = at.child(part, opts);
        if (at !== this) at.close();
        if (!next) return null;
        at = next;
      }
      return at === this ? this.dup() : at;
    } catch (err) {
      if (at !== this) at.close();
      throw err;
    }
  }

  /** Another descriptor for this directory (so the caller can close each independently). */
  dup(): Dir {
    // `/.`: the magic link is then a middle component, which is followed (as a last one, O_NOFOLLOW refuses it).
    return new Dir(fs.openSync(`${this.at()}/.`, DIR_FLAGS), this.rel, this.wording);
  }

  /** ENOENT from a create in an open directory: the directory itself was removed (or a renamed source moved). */
  private gone<T>(name: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (code(err) === 'ENOENT') throw new ChangedUnderError(this.relOf(name), this.wording.within);
      throw err;
    }
  }

  mkdir(name: string, mode = 0o755): void {
    this.gone(name, () => fs.mkdirSync(this.at(name), { mode }));
  }

  symlink(target: string, name: string): void {
    this.gone(name, () => fs.symlinkSync(target, this.at(name)));
  }

  unlink(name: string): void {
    fs.unlinkSync(this.at(name));
  }

  rmdir(name: string): void {
    fs.rmdirSync(this.at(name));
  }

  /** rename(2) between two open directories: replaces a non-directory (or empty directory) target, never follows it. */
  rename(name: string, to: Dir, toName: string): void {
    this.gone(name, () => fs.renameSync(this.at(name), to.at(toName)));
  }

  /** A new file (never an existing one, never through a link), open for writing. */
  createFile(name: string, mode = 0o600): number {
    return this.gone(name, () => fs.openSync(this.at(name), CREATE_FLAGS, mode));
  }

  /**
   * A regular file open for reading, with its stat taken from the descriptor; null when the entry is not (or is no
   * longer) a regular file: a link, fifo, socket or device is never read.
   */
  openFile(name: string): { fd: number; stat: fs.Stats } | null {
    let fd: number;
    try {
      fd = fs.openSync(this.at(name), READ_FLAGS);
    } catch (err) {
      if (code(err) === 'ELOOP' || code(err) === 'ENOENT' || code(err) === 'ENXIO' || code(err) === 'EISDIR') return null;
      throw err;
    }
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) {
      fs.closeSync(fd);
      return null;
    }
    return { fd, stat };
  }

  /**
   * Removes an entry and, for a directory, everything in it, walking by descriptor: an entry that is no longer a
   * directory when opened is unlinked as what it is, never followed. Restrictive modes are widened so they cannot
   * stop the removal.
   */
  removeTree(name: string): void {
    for (let attempt = 0; ; attempt++) {
      const st = this.lstat(name);
      if (!st) return;
      if (!st.isDirectory()) {
        try {
          this.unlink(name);
          return;
        } catch (err) {
          if (code(err) === 'ENOENT') return;
          if (code(err) === 'EISDIR' && attempt < 3) continue; // became a directory: walk it
          throw err;
        }
      }
      let fd: number;
      try {
        fd = fs.openSync(this.at(name), DIR_FLAGS);
      } catch (err) {
        if ((code(err) === 'ELOOP' || code(err) === 'ENOTDIR' || code(err) === 'ENOENT') && attempt < 3) continue; // now a link or a file: unlink that
        if (code(err) === 'ELOOP' || code(err) === 'ENOTDIR') throw new ChangedUnderError(this.relOf(name), this.wording.within);
        throw err;
      }
      const sub = new Dir(fd, this.relOf(name), this.wording);
      try {
        if ((st.mode & 0o700) !== 0o700) {
          try {
            fs.fchmodSync(fd, 0o700);
          } catch {
            // not ours: the unlinks below say why
          }
        }
        for (const entry of sub.names()) sub.removeTree(entry);
      } finally {
        sub.close();
      }
      try {
        this.rmdir(name);
        return;
      } catch (err) {
        if (code(err) === 'ENOENT') return;
        // Swapped for a link or a file after the walk (the walked directory moved elsewhere in the tree): refuse.
        if (code(err) === 'ENOTDIR') throw new ChangedUnderError(this.relOf(name), this.wording.within);
        if (code(err) === 'ENOTEMPTY' && attempt < 3) continue;
        throw err;
      }
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}

/** Runs fn with dirs and closes every one of them afterwards, whatever happens. */
export function withDirs<T>(dirs: (Dir | null | undefined)[], fn: () => T): T {
  try {
    return fn();
  } finally {
    for (const d of dirs) d?.close();
  }
}

export interface CopyCount {
  files: number;
  bytes: number;
}

const COPY_CHUNK = 1024 * 1024;
let copyBuffer: Buffer | undefined;

/** Copies from one descriptor to another until the end of the source. */
export function copyBytes(from: number, to: number): number {
  copyBuffer ??= Buffer.allocUnsafe(COPY_CHUNK);
  let total = 0;
  for (;;) {
    const n = fs.readSync(from, copyBuffer, 0, COPY_CHUNK, null);
    if (n === 0) break;
    let off = 0;
    while (off < n) off += fs.writeSync(to, copyBuffer, off, n - off);
    total += n;
  }
  return total;
}

/**
 * Copies one entry (a file, a directory tree or a symlink, kept as a link) from one open directory to a new name in
 * another, by descriptor on both sides. Fifos, sockets and devices are skipped (reading a fifo would hang, a device
 * could be anything on the host). Returns false when the entry was skipped.
 */
export function copyEntry(from: Dir, name: string, to: Dir, toName: string, count: CopyCount): boolean {
  const st = from.lstat(name);
  if (!st) throw new ChangedUnderError(from.relOf(name), from.wording.within);
  if (st.isSymbolicLink()) {
    let target: string;
    try {
      target = from.readlink(name);
    } catch (err) {
      if (code(err) === 'EINVAL' || code(err) === 'ENOENT') throw new ChangedUnderError(from.relOf(name), from.wording.within);
      throw err;
    }
    to.symlink(target, toName);
    return true;
  }
  if (st.isDirectory()) {
    const src = from.child(name);
    if (!src) throw new ChangedUnderError(from.relOf(name), from.wording.within);
    try {
      to.mkdir(toName, 0o700);
      const dst = to.child(toName);
      if (!dst) throw new ChangedUnderError(to.relOf(toName), to.wording.within);
      try {
        for (const entry of src.names()) copyEntry(src, entry, dst, entry, count);
        fs.fchmodSync(dst.fd, fs.fstatSync(src.fd).mode & 0o7777);
      } finally {
        dst.close();
      }
    } finally {
      src.close();
    }
    return true;
  }
  if (!st.isFile()) return false;
  const opened = from.openFile(name);
  if (!opened) {
    // It was a file when looked at: what is there now is copied as what it is, or refused.
    const now = from.lstat(name);
    if (now && (now.isSymbolicLink() || now.isDirectory())) return copyEntry(from, name, to, toName, count);
    if (now && !now.isFile()) return false;
    throw new ChangedUnderError(from.relOf(name), from.wording.within);
  }
  try {
    count.bytes += copyOpenFile(opened, to, toName);
  } finally {
    fs.closeSync(opened.fd);
  }
  count.files++;
  return true;
}

/**
 * Copies an open file into a new file `name` of `to` (created 0600, never through a link), then gives it the
 * source's mode; returns the bytes copied. The source stays open: its opener closes it.
 */
export function copyOpenFile(src: { fd: number; stat: fs.Stats }, to: Dir, name: string): number {
  const out = to.createFile(name, 0o600);
  try {
    const bytes = copyBytes(src.fd, out);
    fs.fchmodSync(out, src.stat.mode & 0o7777);
    return bytes;
  } finally {
    fs.closeSync(out);
  }
}

/**
 * For a host path under a directory containers can write (a room's storage, an agent's workspace), the berth-owned
 * directory it starts from and the components below it, which are resolved by descriptor and never as a path;
 * null for any other path. The match is on the path as written: what lies below the anchor is never resolved.
 */
export function storageAnchor(abs: string, dataDir: string, roomsDir: string): { anchor: string; parts: string[] } | null {
  const under = (base: string, depth: number) => {
    const rel = path.relative(base, abs);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return null;
    const parts = rel.split(path.sep).filter((x) => x && x !== '.');
    if (parts.length < depth) return null;
    return { anchor: path.join(base, ...parts.slice(0, depth)), parts: parts.slice(depth) };
  };
  return under(roomsDir, 1) ?? under(path.join(dataDir, 'workspaces'), 2);
}

/**
 * A name for what a process writes before it moves it into place: `<lead><holder tag>-<random>`, e.g.
 * `.berth-extract-1234.5678.0a1b2c3d.9e8f7a6b-4f3e2d1c`. The tag names the process, so a later berth can tell a
 * staging entry whose maker was killed from one still being written (isStaleStaging).
 */
export function stagingName(lead: string): string {
  return `${lead}${holderTag()}-${randomBytes(4).toString('hex')}`;
}

/** A staging entry named by stagingName(lead) whose maker is certainly gone (on this host, no longer running). */
export function isStaleStaging(name: string, lead: string): boolean {
  return name.startsWith(lead) && tagHolderGone(name.slice(lead.length));
}

/** Removes the entries of `dir` staged under `lead` by processes that are gone; returns their names. */
export function removeStaleStaging(dir: Dir, lead: string): string[] {
  const removed: string[] = [];
  for (const name of dir.names()) {
    if (!isStaleStaging(name, lead)) continue;
    try {
      dir.removeTree(name);
      removed.push(name);
    } catch {
      // another berth removed it first, or it cannot be removed: the next sweep tries again
    }
  }
  return removed;
}
