// Unpacking an archive onto the host, all or nothing: entries go through the guard into a staging directory
// beside the target, and only a complete, accepted archive is moved into place. Never chowns, never keeps
// setuid/setgid bits, never follows a symlink while writing.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ArchiveRefusedError, EntryGuard, guardedBody, printable, type ArchiveEntry, type GuardOptions } from './archive.js';
import { CancelledError, UsageError } from './errors.js';

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

const WRITE_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0);

/**
 * Extracts entries into `target` (created when missing; merged into when it exists). A refused or failed archive
 * leaves the target exactly as it was: the staging directory and any parents made for it are removed.
 */
export async function extractEntries(entries: AsyncIterable<ArchiveEntry>, target: string, opts: ExtractOptions): Promise<ExtractResult> {
  const absTarget = path.resolve(target);
  const existing = lstatOrNull(absTarget);
  if (existing && !existing.isDirectory() && !(existing.isSymbolicLink() && statOrNull(absTarget)?.isDirectory())) {
    throw new UsageError(`"${target}" exists and is not a directory`);
  }
  // The staging dir lives on the target's file system so the final moves are renames.
  const madeParents: string[] = [];
  let base: string;
  if (existing) base = fs.realpathSync(absTarget);
  else {
    base = path.dirname(absTarget);
    for (let dir = base; !fs.existsSync(dir); dir = path.dirname(dir)) madeParents.unshift(dir);
    fs.mkdirSync(base, { recursive: true });
  }
  const staging = path.join(base, `.berth-extract-${randomBytes(6).toString('hex')}`);
  fs.mkdirSync(staging, { mode: 0o700 });
  const guard = new EntryGuard(opts);
  const dirModes: [string, number, Date | undefined][] = [];
  let rootMode: number | undefined;
  const madeDirs = new Set<string>([staging]);
  const result: ExtractResult = { target: absTarget, files: 0, dirs: 0, symlinks: 0, bytes: 0 };
  try {
    for await (const entry of entries) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new CancelledError();
      const checked = guard.check(entry);
      if (!checked && entry.type === 'directory') rootMode = entry.mode & 0o777;
      if (!checked) {
        entry.body?.resume?.();
        continue;
      }
      const dest = path.join(staging, ...checked.rel.split('/'));
      const parent = path.dirname(dest);
      if (!madeDirs.has(parent)) {
        fs.mkdirSync(parent, { recursive: true, mode: 0o700 });
        madeDirs.add(parent);
      }
      switch (entry.type) {
        case 'directory':
          if (!lstatOrNull(dest)) fs.mkdirSync(dest, { mode: 0o700 });
          dirModes.push([dest, entry.mode & 0o777, entry.mtime]);
          result.dirs++;
          break;
        case 'symlink':
          fs.symlinkSync(entry.linkname!, dest);
          result.symlinks++;
          break;
        case 'link':
          // A hardlink becomes a copy of the earlier file: no link into anything that was not written here.
          fs.copyFileSync(path.join(staging, ...checked.linkTarget!.split('/')), dest, fs.constants.COPYFILE_EXCL);
          result.files++;
          break;
        case 'file': {
          const fh = await fs.promises.open(dest, WRITE_FLAGS, 0o600);
          try {
            for await (const chunk of guardedBody(guard, entry)) {
              await fh.write(chunk);
              result.bytes += chunk.length;
              opts.onProgress?.(result.bytes);
            }
            await fh.chmod(entry.mode & 0o777);
          } finally {
            await fh.close();
          }
          if (entry.mtime) fs.utimesSync(dest, entry.mtime, entry.mtime);
          result.files++;
          break;
        }
        default:
          throw new ArchiveRefusedError(`entry "${printable(entry.name)}" has an unsupported type`);
      }
    }
    // Deepest first, so a read-only directory gets its mode after its contents are in.
    for (const [dir, mode, mtime] of dirModes.sort((a, b) => b[0].length - a[0].length)) {
      fs.chmodSync(dir, mode | 0o700);
      if (mtime) fs.utimesSync(dir, mtime, mtime);
    }
    if (existing) {
      planMerge(staging, base);
      merge(staging, base);
      fs.rmSync(staging, { recursive: true, force: true });
    } else {
      fs.renameSync(staging, absTarget);
      fs.chmodSync(absTarget, rootMode ?? 0o755 & ~process.umask());
    }
    // Modes without owner write were widened above so the merge could work: put them back now.
    for (const [dir, mode] of dirModes) {
      const final = existing ? path.join(base, path.relative(staging, dir)) : path.join(absTarget, path.relative(staging, dir));
      if ((mode & 0o700) !== 0o700) fs.chmodSync(final, mode);
    }
    return result;
  } catch (err) {
    removeTree(staging);
    for (const dir of madeParents.reverse()) fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Before anything moves: a file may not replace a directory, nor a directory a file (docker cp refuses both). */
function planMerge(from: string, into: string): void {
  for (const name of fs.readdirSync(from)) {
    const src = fs.lstatSync(path.join(from, name));
    const dst = lstatOrNull(path.join(into, name));
    if (!dst) continue;
    if (src.isDirectory() && dst.isDirectory()) planMerge(path.join(from, name), path.join(into, name));
    else if (dst.isDirectory() && !src.isDirectory()) throw new UsageError(`cannot overwrite directory "${path.join(into, name)}" with a non-directory`);
    else if (src.isDirectory() && !dst.isDirectory() && !dst.isSymbolicLink()) throw new UsageError(`cannot overwrite non-directory "${path.join(into, name)}" with a directory`);
  }
}

/** Moves staged entries in; an existing symlink is replaced, never followed. */
function merge(from: string, into: string): void {
  for (const name of fs.readdirSync(from)) {
    const src = path.join(from, name);
    const dst = path.join(into, name);
    const s = fs.lstatSync(src);
    const d = lstatOrNull(dst);
    if (s.isDirectory() && d?.isDirectory()) {
      merge(src, dst);
      continue;
    }
    if (d && (d.isSymbolicLink() || !d.isDirectory())) fs.unlinkSync(dst);
    fs.renameSync(src, dst);
  }
}

function removeTree(dir: string): void {
  // Restrictive modes copied from the archive must not stop the clean-up.
  try {
    const walk = (p: string) => {
      const st = fs.lstatSync(p);
      if (st.isDirectory()) {
        fs.chmodSync(p, 0o700);
        for (const name of fs.readdirSync(p)) walk(path.join(p, name));
      }
    };
    walk(dir);
  } catch {
    // best effort; rmSync below reports nothing either way
  }
  fs.rmSync(dir, { recursive: true, force: true });
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
