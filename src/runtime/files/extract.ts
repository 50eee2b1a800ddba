// Unpacking an archive onto the host, all or nothing: entries go through the guard into a staging directory
// beside the target, and only a complete, accepted archive is moved into place. Never chowns, never keeps
// setuid/setgid bits, never follows a symlink while writing.
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ArchiveRefusedError, EntryGuard, guardedBody, printable, type ArchiveEntry, type GuardOptions } from './archive.js';
import { CancelledError, UsageError, ChangedUnderError, copyOpenFile, Dir, removeStaleStaging, stagingName as newStagingName } from '../core/index.js';

/** Extracts stage in `.berth-extract-<holder tag>-<random>` beside (or inside) their target. */
export const EXTRACT_LEAD = '.berth-extract-';

export interface ExtractResult {
  target: string;
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
}

export interface ExtractOptions extends GuardOptions {
  signal?: AbortSignal;
  /** Called with bytes written so far (progress). */
  onProgress?: (bytes: number) => void;
}

/**
 * Where to unpack: a host path, or components below an open directory that containers may write (room storage):
 * those are resolved by descriptor, never followed, and shown as `shown`. The caller keeps `root` and closes it.
 */
export type ExtractTarget = string | { root: Dir; parts: string[]; shown: string };

const writev = promisify(fs.writev);

/** Chunks are gathered up to this many bytes (or chunks) and written with one writev: one trip to the thread pool, not one a chunk. */
const BATCH = 1024 * 1024;
const BATCH_CHUNKS = 256;

async function writeAll(fd: number, chunks: Buffer[]): Promise<void> {
  while (chunks.length) {
    let written = (await writev(fd, chunks)).bytesWritten;
    if (written === 0) throw new Error('the file system took no bytes'); // never loop on a write that makes no progress
    // A short write (a full disk's last bytes): what is left goes again, from where it stopped.
    while (written > 0 && chunks.length) {
      const first = chunks[0]!;
      if (written >= first.length) {
        written -= first.length;
        chunks.shift();
      } else {
        chunks[0] = first.subarray(written);
        written = 0;
      }
    }
  }
}

/** A host path as a target: its own symlinks are the person's to follow; the rest is walked by descriptor. */
function hostTarget(target: string): { root: Dir; parts: string[]; shown: string } {
  const abs = path.resolve(target);
  const existing = lstatOrNull(abs);
  if (existing && !existing.isDirectory() && !(existing.isSymbolicLink() && statOrNull(abs)?.isDirectory())) {
    throw new UsageError(`"${target}" exists and is not a directory`);
  }
  let base = abs;
  while (!fs.existsSync(base)) base = path.dirname(base);
  const real = fs.realpathSync(base);
  const parts = path.relative(base, abs).split(path.sep).filter(Boolean);
  return { root: Dir.open(real, { noFollow: 'berth never writes through symlinks', within: `directory ${real}` }), parts, shown: abs };
}

/**
 * Extracts entries into `target` (created when missing; merged into when it exists). A refused or failed archive
 * leaves the target exactly as it was: the staging directory and any parents made for it are removed. Every write
 * is relative to an open directory descriptor: a directory swapped for a symlink while this runs is refused, never
 * written through.
 */
export async function extractEntries(entries: AsyncIterable<ArchiveEntry>, target: ExtractTarget, opts: ExtractOptions): Promise<ExtractResult> {
  const own = typeof target === 'string' ? hostTarget(target) : undefined;
  const { root, parts, shown } = own ?? (target as Exclude<ExtractTarget, string>);
  const open: Dir[] = [];
  const keep = (d: Dir): Dir => (open.push(d), d);
  // The first parent made for the target, removed again when the archive is refused.
  let made: { dir: Dir; name: string } | undefined;
  let stagingParent: Dir | undefined;
  let staging: Dir | undefined;
  const stagingName = newStagingName(EXTRACT_LEAD);
  let renamed = false;
  const result: ExtractResult = { target: shown, files: 0, dirs: 0, symlinks: 0, bytes: 0 };
  let current: { key: string; dir: Dir } | undefined;
  try {
    // The target's parents (created when missing), then the target itself: an existing directory to merge into,
    // or a name the staging directory is renamed to at the end.
    let into: Dir | undefined;
    let parent = keep(root.dup());
    for (const [i, part] of parts.entries()) {
      const last = i === parts.length - 1;
      const st = parent.lstat(part);
      if (last) {
        if (st?.isSymbolicLink()) throw new UsageError(`"${shown}" is a symlink, and ${root.wording.noFollow}`);
        if (st && !st.isDirectory()) throw new UsageError(`"${shown}" exists and is not a directory`);
        if (st) into = keep(parent.child(part) ?? changed(parent, part));
        break;
      }
      if (!st && !made) made = { dir: keep(parent.dup()), name: part };
      parent = keep(parent.child(part, { create: true })!);
    }
    if (!parts.length) into = keep(root.dup());
    // The staging dir lives on the target's file system so the final moves are renames.
    stagingParent = into ?? parent;
    // What an extract killed before it finished left here (its process gone) goes first.
    removeStaleStaging(stagingParent, EXTRACT_LEAD);
    stagingParent.mkdir(stagingName, 0o700);
    staging = keep(stagingParent.child(stagingName) ?? changed(stagingParent, stagingName));
    const stage = staging;
    const dirFor = (dirParts: string[]): Dir => {
      const key = dirParts.join('/');
      if (current?.key === key) return current.dir;
      current?.dir.close();
      current = undefined;
      const dir = stage.descend(dirParts, { create: true, mode: 0o700 }) ?? changed(stage, key);
      current = { key, dir };
      return dir;
    };
    const guard = new EntryGuard(opts);
    const dirModes: [string[], number, Date | undefined][] = [];
    let rootMode: number | undefined;
    for await (const entry of entries) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new CancelledError();
      const checked = guard.check(entry);
      if (!checked && entry.type === 'directory') rootMode = entry.mode & 0o777;
      if (!checked) {
        entry.body?.resume?.();
        continue;
      }
      const rel = checked.rel.split('/');
      const name = rel.at(-1)!;
      const dir = dirFor(rel.slice(0, -1));
      switch (entry.type) {
        case 'directory':
          if (!dir.lstat(name)) dir.mkdir(name, 0o700);
          dirModes.push([rel, entry.mode & 0o777, entry.mtime]);
          result.dirs++;
          break;
        case 'symlink':
          dir.symlink(entry.linkname!, name);
          result.symlinks++;
          break;
        case 'link': {
          // A hardlink becomes a copy of the earlier file: no link into anything that was not written here.
          const linkParts = checked.linkTarget!.split('/');
          const from = stage.descend(linkParts.slice(0, -1));
          const src = from?.openFile(linkParts.at(-1)!);
          from?.close();
          if (!src) throw new ArchiveRefusedError(`entry "${printable(entry.name)}" links to "${printable(checked.linkTarget!)}", which is not a file written before it`);
          try {
            copyOpenFile(src, dir, name);
          } finally {
            fs.closeSync(src.fd);
          }
          result.files++;
          break;
        }
        case 'file': {
          const fd = dir.createFile(name, 0o600);
          // One batch is written while the next is read; the file is closed only once no write is in flight.
          let writing: Promise<void> | undefined;
          try {
            let batch: Buffer[] = [];
            let batched = 0;
            for await (const chunk of guardedBody(guard, entry)) {
              batch.push(chunk);
              batched += chunk.length;
              result.bytes += chunk.length;
              if (batched < BATCH && batch.length < BATCH_CHUNKS) continue;
              await writing;
              writing = writeAll(fd, batch);
              writing.catch(() => {});
              batch = [];
              batched = 0;
              opts.onProgress?.(result.bytes);
            }
            await writing;
            if (batched) await writeAll(fd, batch);
            opts.onProgress?.(result.bytes);
            fs.fchmodSync(fd, entry.mode & 0o777);
            if (entry.mtime) fs.futimesSync(fd, entry.mtime, entry.mtime);
          } finally {
            await writing?.catch(() => {});
            fs.closeSync(fd);
          }
          result.files++;
          break;
        }
        default:
          throw new ArchiveRefusedError(`entry "${printable(entry.name)}" has an unsupported type`);
      }
    }
    current?.dir.close();
    current = undefined;
    // Deepest first, so a read-only directory gets its mode after its contents are in.
    const withDir = (base: Dir, rel: string[], fn: (d: Dir) => void) => {
      const d = base.descend(rel);
      if (!d) throw new ChangedUnderError(rel.join('/'), root.wording.within);
      try {
        fn(d);
      } finally {
        d.close();
      }
    };
    for (const [rel, mode, mtime] of dirModes.sort((a, b) => b[0].length - a[0].length)) {
      withDir(stage, rel, (d) => {
        fs.fchmodSync(d.fd, mode | 0o700);
        if (mtime) fs.futimesSync(d.fd, mtime, mtime);
      });
    }
    if (into) {
      planMerge(stage, into, shown);
      merge(stage, into);
      stagingParent.removeTree(stagingName);
    } else {
      const last = parts.at(-1)!;
      try {
        parent.rename(stagingName, parent, last);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR') throw new ChangedUnderError(parent.relOf(last), root.wording.within);
        throw err;
      }
      renamed = true;
      // The staging descriptor is the target now, whatever its name.
      fs.fchmodSync(stage.fd, rootMode ?? 0o755 & ~process.umask());
    }
    // Modes without owner write were widened above so the merge could work: put them back now.
    const final = into ?? stage;
    for (const [rel, mode] of dirModes) if ((mode & 0o700) !== 0o700) withDir(final, rel, (d) => fs.fchmodSync(d.fd, mode));
    return result;
  } catch (err) {
    current?.dir.close();
    if (stagingParent && !renamed) {
      try {
        stagingParent.removeTree(stagingName);
      } catch {
        // best effort: the archive's own error is the one to report
      }
    }
    if (made) {
      try {
        made.dir.removeTree(made.name);
      } catch {
        // as above
      }
    }
    throw err;
  } finally {
    for (const d of open.reverse()) d.close();
    own?.root.close();
  }
}

function changed(dir: Dir, name: string): never {
  throw new ChangedUnderError(dir.relOf(name), dir.wording.within);
}

/** Before anything moves: a file may not replace a directory, nor a directory a file (docker cp refuses both). */
function planMerge(from: Dir, into: Dir, shown: string): void {
  for (const name of from.names()) {
    const src = from.lstat(name) ?? changed(from, name);
    const dst = into.lstat(name);
    if (!dst) continue;
    const where = `${shown}/${name}`;
    if (src.isDirectory() && dst.isDirectory()) {
      const a = from.child(name) ?? changed(from, name);
      const b = into.child(name);
      try {
        if (b) planMerge(a, b, where);
      } finally {
        a.close();
        b?.close();
      }
    } else if (dst.isDirectory() && !src.isDirectory()) throw new UsageError(`cannot overwrite directory "${where}" with a non-directory`);
    else if (src.isDirectory() && !dst.isDirectory() && !dst.isSymbolicLink()) throw new UsageError(`cannot overwrite non-directory "${where}" with a directory`);
  }
}

/** Moves staged entries in, by rename between open directories; an existing symlink is replaced, never followed. */
function merge(from: Dir, into: Dir): void {
  for (const name of from.names()) {
    const s = from.lstat(name) ?? changed(from, name);
    const d = into.lstat(name);
    if (s.isDirectory() && d?.isDirectory()) {
      const a = from.child(name) ?? changed(from, name);
      const b = into.child(name) ?? changed(into, name);
      try {
        merge(a, b);
      } finally {
        a.close();
        b.close();
      }
      continue;
    }
    try {
      if (d && (d.isSymbolicLink() || !d.isDirectory())) into.unlink(name);
      from.rename(name, into, name);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'ENOTEMPTY' || code === 'EEXIST') throw new ChangedUnderError(into.relOf(name), into.wording.within);
      if (code !== 'ENOENT') throw err;
      from.rename(name, into, name);
    }
  }
}

export function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch {
    return null;
  }
}

function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}
