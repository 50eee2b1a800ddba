// Room storage and agent workspaces on the host, without a container: list, copy in/out/within, remove. Storage
// is mounted read-write into the room's containers, so a container may have planted symlinks, fifos or devices
// there, and may swap a directory for a symlink at any moment: every operation goes through safe-fs (by
// descriptor, never following a link), copies keep links as links, and only files, dirs and links are read.
import fs from 'node:fs';
import path from 'node:path';
import { ConflictError, NotFoundError, UsageError, copyEntry, Dir, removeStaleStaging, stagingName, storageAnchor, type CopyCount, type Runtime, validateRoomName } from '../core/index.js';

/** storage cp stages in `.berth-cp-<holder tag>-<random>` beside its destination. */
const CP_LEAD = '.berth-cp-';
import { RoomService } from '../rooms/index.js';
import type { PathStat } from './files.js';
import { workspaceDir } from '../agents/index.js';

export interface StorageScope {
  room: string;
  /** The agent's workspace (`<room storage>/workspaces/<agent>`) instead of the whole room storage. */
  agent?: string;
}

/** An entry of storage, described as a container path is (statPath); its `path` is relative to the scope's root. */
export type StorageEntry = PathStat;

export class StorageService {
  constructor(private readonly rt: Runtime) {}

  /** The scope's root directory and the chain of components under the room storage that must not be symlinks. */
  root(scope: StorageScope): { root: string; roomStorage: string; label: string } {
    validateRoomName(scope.room);
    const roomStorage = new RoomService(this.rt).storageDir(scope.room);
    if (scope.agent !== undefined) {
      // The agents module owns where a workspace is (`<room storage>/workspaces/<agent>`).
      return { root: workspaceDir(this.rt, scope.room, scope.agent), roomStorage, label: `workspace of agent "${scope.agent}" in room "${scope.room}"` };
    }
    return { root: roomStorage, roomStorage, label: `storage of room "${scope.room}"` };
  }

  /**
   * Opens the scope's root for a storage path (relative to the root; a leading `:` or `/` is allowed) and returns
   * it with the path's components. The root is reached by descriptor from the berth-owned directory above it
   * (the room storage, or the workspace itself when it lives outside the room storage). null root: the scope has
   * no directory yet (only with create false).
   */
  private open(scope: StorageScope, p: string, opts: { create?: boolean } = {}): { root: Dir | null; parts: string[]; label: string; rootPath: string } {
    const { root, roomStorage, label } = this.root(scope);
    const text = p.replace(/^:/, '');
    if (text.includes('\0')) throw new UsageError('a storage path cannot contain NUL');
    const parts = text.split(/[\\/]/).filter((x) => x !== '' && x !== '.');
    if (parts.includes('..')) throw new UsageError(`invalid storage path "${p}": ".." would leave the ${label}`);
    const inRoom = root === roomStorage || root.startsWith(roomStorage + path.sep);
    const anchor = inRoom ? roomStorage : root;
    const chain = inRoom ? path.relative(roomStorage, root).split(path.sep).filter(Boolean) : [];
    if (!fs.existsSync(anchor)) {
      if (!opts.create) {
        if (anchor === roomStorage) throw new NotFoundError(`room "${scope.room}" has no storage (${roomStorage})`);
        return { root: null, parts, label, rootPath: root };
      }
      fs.mkdirSync(anchor, { recursive: true });
    }
    const top = Dir.open(anchor, { noFollow: 'storage paths never follow symlinks', within: label });
    try {
      return { root: top.descend(chain, { create: opts.create }), parts, label, rootPath: root };
    } finally {
      top.close();
    }
  }

  list(scope: StorageScope, p = ''): { path: string; entries: StorageEntry[] } {
    const { root, parts } = this.open(scope, p);
    const rel = parts.join('/');
    if (!root) {
      if (!parts.length) return { path: '', entries: [] };
      throw new NotFoundError(`no such storage path "${p}"`);
    }
    let parent: Dir | null = null;
    let dir: Dir | null = null;
    try {
      if (!parts.length) dir = root;
      else {
        parent = root.descend(parts.slice(0, -1));
        const st = parent?.lstat(parts.at(-1)!);
        if (!parent || !st) throw new NotFoundError(`no such storage path "${p}"`);
        if (!st.isDirectory()) {
          const e = toEntry(parent, parts.at(-1)!, rel);
          if (!e) throw new NotFoundError(`no such storage path "${p}"`);
          return { path: rel, entries: [e] };
        }
        dir = parent.child(parts.at(-1)!);
        if (!dir) throw new NotFoundError(`no such storage path "${p}"`);
      }
      const d = dir;
      const entries = d.names().flatMap((name) => {
        const e = toEntry(d, name, rel ? `${rel}/${name}` : name);
        return e ? [e] : [];
      });
      return { path: rel, entries };
    } finally {
      dir?.close();
      parent?.close();
      root.close();
    }
  }

  /**
   * Copies between the host and storage, or within storage. `src`/`dst` starting with `:` are storage paths.
   * Into an existing directory the source keeps its base name; a trailing `/` on dst means "into this directory".
   */
  async copy(scope: StorageScope, src: string, dst: string): Promise<{ from: string; to: string; files: number; bytes: number }> {
    const srcStorage = src.startsWith(':');
    const dstStorage = dst.startsWith(':');
    if (!srcStorage && !dstStorage) throw new UsageError('one side of storage cp must be a storage path, written with a leading ":" (e.g. :inputs/data.csv)');
    const { label } = this.root(scope);
    return this.rt.audit.record(
      { actor: this.rt.actor, action: 'storage.cp', target: `${scope.room}${scope.agent ? `/${scope.agent}` : ''}`, details: { src, dst } },
      async () => {
        const open: Dir[] = [];
        const keep = <T extends Dir | null>(d: T): T => (d && open.push(d), d);
        try {
          // The source: an open parent directory and a name in it.
          let from: { dir: Dir; name: string; shown: string };
          if (srcStorage) {
            const r = this.open(scope, src);
            const root = keep(r.root);
            if (!root) throw new NotFoundError(`no such storage path "${src}"`);
            if (!r.parts.length) {
              // The whole scope: its parent is berth's own directory.
              from = { dir: keep(Dir.open(path.dirname(r.rootPath), { noFollow: 'storage paths never follow symlinks', within: label })), name: path.basename(r.rootPath), shown: src };
            } else {
              const dir = keep(root.descend(r.parts.slice(0, -1)));
              if (!dir) throw new NotFoundError(`no such storage path "${src}"`);
              from = { dir, name: r.parts.at(-1)!, shown: src };
            }
          } else {
            const abs = path.resolve(src);
            from = { dir: keep(this.hostDir(path.dirname(abs), `no such file or directory "${src}"`)), name: path.basename(abs), shown: abs };
          }
          const fromStat = from.dir.lstat(from.name);
          if (!fromStat) throw new NotFoundError(`no such ${srcStorage ? 'storage path' : 'file or directory'} "${src}"`);
          if (!fromStat.isFile() && !fromStat.isDirectory() && !fromStat.isSymbolicLink()) throw new UsageError(`"${src}" is not a file, directory or symlink`);

          // The destination: an open directory and the name to create in it.
          let to: { dir: Dir; name: string; shown: (name: string) => string };
          const into = dst.endsWith('/');
          if (dstStorage) {
            const r = this.open(scope, dst, { create: true });
            const root = keep(r.root)!;
            let dir: Dir | null;
            let name: string;
            let dirParts: string[];
            if (into) {
              dir = keep(root.descend(r.parts, { create: true }));
              (name = from.name), (dirParts = r.parts);
            } else if (!r.parts.length) {
              (dir = root), (name = from.name), (dirParts = []);
            } else {
              dir = keep(root.descend(r.parts.slice(0, -1)));
              if (!dir) throw new NotFoundError(`no such directory ":${r.parts.slice(0, -1).join('/')}" (in the ${label})`);
              const last = r.parts.at(-1)!;
              if (dir.lstat(last)?.isDirectory()) {
                dir = keep(dir.child(last));
                (name = from.name), (dirParts = r.parts);
              } else (name = last), (dirParts = r.parts.slice(0, -1));
            }
            const base = dirParts.join('/');
            to = { dir: dir!, name, shown: (n) => `:${base ? `${base}/` : ''}${n}` };
          } else {
            const target = path.resolve(dst);
            const isDir = into || fs.statSync(target, { throwIfNoEntry: false })?.isDirectory();
            const dirPath = isDir ? target : path.dirname(target);
            const name = isDir ? from.name : path.basename(target);
            to = { dir: keep(this.hostDir(dirPath, `no such directory "${dirPath}" (in the host)`)), name, shown: (n) => path.join(dirPath, n) };
          }
          const a = fs.fstatSync(from.dir.fd);
          const b = fs.fstatSync(to.dir.fd);
          if (a.dev === b.dev && a.ino === b.ino && from.name === to.name) throw new UsageError('source and destination are the same');
          const existing = to.dir.lstat(to.name);
          if (existing?.isDirectory()) throw new ConflictError(`"${dst}" already holds a directory "${to.name}": remove it first`);
          // Copy into a staging name beside the destination, then rename (relative to the same open directory): all
          // or nothing, and an existing link at the destination is replaced, not followed.
          // What a copy killed between staging and rename left here (its process gone) goes first.
          removeStaleStaging(to.dir, CP_LEAD);
          const staging = stagingName(CP_LEAD);
          const count: CopyCount = { files: 0, bytes: 0 };
          try {
            copyEntry(from.dir, from.name, to.dir, staging, count);
            if (existing && fromStat.isDirectory()) to.dir.unlink(to.name);
            try {
              to.dir.rename(staging, to.dir, to.name);
            } catch (err) {
              const code = (err as NodeJS.ErrnoException).code;
              if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') throw new ConflictError(`"${dst}" already holds a directory "${to.name}": remove it first`);
              throw err;
            }
          } catch (err) {
            to.dir.removeTree(staging);
            throw err;
          }
          return { from: from.shown, to: to.shown(to.name), files: count.files, bytes: count.bytes };
        } finally {
          for (const d of open.reverse()) d.close();
        }
      },
    );
  }

  /** A host directory the person named (their own symlinks are theirs to follow); inside storage, by descriptor. */
  private hostDir(abs: string, missing: string): Dir {
    const anchored = storageAnchor(abs, this.rt.paths.dataDir, this.rt.paths.roomsDir);
    if (anchored && fs.existsSync(anchored.anchor)) {
      const top = Dir.open(anchored.anchor, { noFollow: 'storage paths never follow symlinks', within: `storage at ${anchored.anchor}` });
      try {
        const d = top.descend(anchored.parts);
        if (!d) throw new NotFoundError(missing);
        return d;
      } finally {
        top.close();
      }
    }
    let real: string;
    try {
      real = fs.realpathSync(abs);
    } catch {
      throw new NotFoundError(missing);
    }
    try {
      return Dir.open(real, { noFollow: 'berth never follows symlinks here', within: `directory ${real}` });
    } catch (err) {
      if (err instanceof UsageError) throw new NotFoundError(missing);
      throw err;
    }
  }

  /** Unpacks a host zip/tar into a storage directory (created when missing) through the archive guard. */
  async extract(scope: StorageScope, archive: string, dst: string): Promise<{ from: string; to: string; files: number; bytes: number }> {
    if (!dst.startsWith(':')) throw new UsageError('storage cp --extract ARCHIVE :DIR: the destination must be a storage path');
    const r = this.open(scope, dst, { create: true });
    const root = r.root!;
    try {
      const last = r.parts.at(-1);
      if (last !== undefined) {
        const parent = root.descend(r.parts.slice(0, -1));
        const link = parent?.lstat(last)?.isSymbolicLink();
        parent?.close();
        if (link) throw new UsageError(`invalid storage path "${dst}": it is a symlink, and storage paths never follow symlinks`);
      }
      const rel = r.parts.join('/');
      return await this.rt.audit.record(
        { actor: this.rt.actor, action: 'storage.extract', target: `${scope.room}${scope.agent ? `/${scope.agent}` : ''}`, details: { archive, dst } },
        async () => {
          // Lazy for start-up: storage ls/cp/rm load container file transfer only to unpack an archive.
          const { extractArchiveFile } = await import('./files.js');
          const result = await extractArchiveFile(this.rt, archive, { root, parts: r.parts, shown: `:${rel}` });
          return { from: archive, to: `:${rel}`, files: result.files, bytes: result.bytes };
        },
      );
    } finally {
      root.close();
    }
  }

  async remove(scope: StorageScope, p: string, opts: { recursive?: boolean } = {}): Promise<{ path: string }> {
    const { root, parts, label } = this.open(scope, p);
    const rel = parts.join('/');
    try {
      if (!rel) throw new UsageError(`refusing to remove the whole ${label}`);
      if (!root) throw new NotFoundError(`no such storage path "${p}"`);
      const parent = root.descend(parts.slice(0, -1));
      const name = parts.at(-1)!;
      try {
        const st = parent?.lstat(name);
        if (!parent || !st) throw new NotFoundError(`no such storage path "${p}"`);
        if (st.isDirectory() && !opts.recursive) throw new UsageError(`"${p}" is a directory: use --recursive`);
        return await this.rt.audit.record(
          { actor: this.rt.actor, action: 'storage.rm', target: `${scope.room}${scope.agent ? `/${scope.agent}` : ''}`, details: { path: rel, recursive: !!opts.recursive } },
          async () => {
            // By descriptor: symlinks met are unlinked, never followed, and a directory swapped mid-walk is not entered.
            if (opts.recursive) parent.removeTree(name);
            else {
              try {
                parent.unlink(name);
              } catch (err) {
                if ((err as NodeJS.ErrnoException).code === 'EISDIR') throw new UsageError(`"${p}" is a directory: use --recursive`);
                throw err;
              }
            }
            return { path: rel };
          },
        );
      } finally {
        parent?.close();
      }
    } finally {
      root?.close();
    }
  }
}

function toEntry(dir: Dir, name: string, rel: string): StorageEntry | null {
  const st = dir.lstat(name);
  if (!st) return null; // removed while listing
  const type = st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other';
  let linkTarget: string | undefined;
  if (type === 'symlink') {
    try {
      linkTarget = dir.readlink(name);
    } catch {
      linkTarget = '?';
    }
  }
  return {
    name,
    path: rel,
    type,
    size: st.size,
    mode: st.mode & 0o7777,
    mtime: st.mtime.toISOString(),
    ...(linkTarget !== undefined ? { linkTarget } : {}),
  };
}
