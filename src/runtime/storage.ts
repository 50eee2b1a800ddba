// Room storage and agent workspaces on the host, without a container: list, copy in/out/within, remove. Storage
// is mounted read-write into the room's containers, so a container may have planted symlinks, fifos or devices
// there: paths never pass through a symlink, copies keep links as links, and only files, dirs and links are read.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConflictError, NotFoundError, UsageError } from './errors.js';
import { RoomService } from './rooms.js';
import type { Runtime } from './runtime.js';
import { validateRoomName } from './validate.js';
import { workspaceDir } from './agents.js';

export interface StorageScope {
  room: string;
  /** The agent's workspace (`<room storage>/workspaces/<agent>`) instead of the whole room storage. */
  agent?: string;
}

export interface StorageEntry {
  name: string;
  /** Path relative to the scope's root. */
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
  mode: number;
  mtime: string;
  linkTarget?: string;
}

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
   * Resolves a storage path (relative to the scope's root; a leading `:` or `/` is allowed) without following any
   * symlink on the way; the last component may be a link (listed, copied or removed as the link itself).
   */
  resolve(scope: StorageScope, p: string, opts: { create?: boolean } = {}): { abs: string; rel: string; root: string; label: string } {
    const { root, roomStorage, label } = this.root(scope);
    const text = p.replace(/^:/, '');
    if (text.includes('\0')) throw new UsageError('a storage path cannot contain NUL');
    const parts = text.split(/[\\/]/).filter((x) => x !== '' && x !== '.');
    if (parts.includes('..')) throw new UsageError(`invalid storage path "${p}": ".." would leave the ${label}`);
    // Every directory from the room storage down to the last component's parent must be a real directory.
    const chain = [...path.relative(roomStorage, root).split(path.sep).filter(Boolean), ...parts];
    let at = roomStorage;
    const rootDepth = chain.length - parts.length;
    if (!fs.existsSync(roomStorage)) {
      if (!opts.create) throw new NotFoundError(`room "${scope.room}" has no storage (${roomStorage})`);
      fs.mkdirSync(roomStorage, { recursive: true });
    }
    for (let i = 0; i < chain.length; i++) {
      const next = path.join(at, chain[i]!);
      const st = lstatOrNull(next);
      const last = i === chain.length - 1;
      if (st?.isSymbolicLink() && !(last && i >= rootDepth)) {
        throw new UsageError(`invalid storage path "${p}": "${path.relative(roomStorage, next)}" is a symlink, and storage paths never follow symlinks`);
      }
      if (st && !last && !st.isDirectory()) throw new UsageError(`invalid storage path "${p}": "${path.relative(roomStorage, next)}" is not a directory`);
      if (!st && opts.create && i < rootDepth) fs.mkdirSync(next, { mode: 0o755 });
      at = next;
    }
    return { abs: at, rel: parts.join('/'), root, label };
  }

  list(scope: StorageScope, p = ''): { path: string; entries: StorageEntry[] } {
    const { abs, rel, root } = this.resolve(scope, p);
    const st = lstatOrNull(abs);
    if (!st) {
      if (rel === '' && abs === root) return { path: '', entries: [] };
      throw new NotFoundError(`no such storage path "${p}"`);
    }
    if (!st.isDirectory()) return { path: rel, entries: [toEntry(abs, rel)] };
    const entries = fs
      .readdirSync(abs)
      .sort()
      .map((name) => toEntry(path.join(abs, name), rel ? `${rel}/${name}` : name));
    return { path: rel, entries };
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
        const from = srcStorage ? this.resolve(scope, src).abs : path.resolve(src);
        const fromStat = lstatOrNull(from);
        if (!fromStat) throw new NotFoundError(`no such ${srcStorage ? 'storage path' : 'file or directory'} "${src}"`);
        if (!fromStat.isFile() && !fromStat.isDirectory() && !fromStat.isSymbolicLink()) throw new UsageError(`"${src}" is not a file, directory or symlink`);
        let to: string;
        if (dstStorage) {
          const r = this.resolve(scope, dst, { create: true });
          const target = lstatOrNull(r.abs);
          to = target?.isDirectory() || dst.endsWith('/') ? path.join(r.abs, path.basename(from)) : r.abs;
          // Re-check the final name (it may be an existing symlink a container planted).
          this.resolve(scope, `:${path.relative(r.root, to)}`, { create: true });
          if (dst.endsWith('/')) fs.mkdirSync(r.abs, { recursive: true });
        } else {
          const target = path.resolve(dst);
          to = fs.statSync(target, { throwIfNoEntry: false })?.isDirectory() || dst.endsWith('/') ? path.join(target, path.basename(from)) : target;
        }
        if (path.resolve(to) === path.resolve(from)) throw new UsageError('source and destination are the same');
        if (!fs.existsSync(path.dirname(to))) throw new NotFoundError(`no such directory "${path.dirname(to)}" (in the ${dstStorage ? label : 'host'})`);
        const existing = lstatOrNull(to);
        if (existing?.isDirectory()) throw new ConflictError(`"${dst}" already holds a directory "${path.basename(to)}": remove it first`);
        // Copy into a staging name beside the destination, then rename: all or nothing, and an existing link at
        // the destination is replaced, not followed.
        const staging = path.join(path.dirname(to), `.berth-cp-${randomBytes(6).toString('hex')}`);
        let files = 0;
        let bytes = 0;
        try {
          fs.cpSync(from, staging, {
            recursive: true,
            dereference: false,
            verbatimSymlinks: true,
            errorOnExist: true,
            force: false,
            filter: (s) => {
              const st = fs.lstatSync(s);
              if (st.isFile()) (files++, (bytes += st.size));
              // fifos, sockets and devices a container left in storage are skipped: reading a fifo would hang.
              return st.isFile() || st.isDirectory() || st.isSymbolicLink();
            },
          });
          if (existing) fs.rmSync(to, { force: true });
          fs.renameSync(staging, to);
        } catch (err) {
          fs.rmSync(staging, { recursive: true, force: true });
          throw err;
        }
        return { from: srcStorage ? src : from, to: dstStorage ? `:${path.relative(this.root(scope).root, to)}` : to, files, bytes };
      },
    );
  }

  /** Unpacks a host zip/tar into a storage directory (created when missing) through the archive guard. */
  async extract(scope: StorageScope, archive: string, dst: string): Promise<{ from: string; to: string; files: number; bytes: number }> {
    if (!dst.startsWith(':')) throw new UsageError('storage cp --extract ARCHIVE :DIR: the destination must be a storage path');
    const r = this.resolve(scope, dst, { create: true });
    if (lstatOrNull(r.abs)?.isSymbolicLink()) throw new UsageError(`invalid storage path "${dst}": it is a symlink, and storage paths never follow symlinks`);
    return this.rt.audit.record(
      { actor: this.rt.actor, action: 'storage.extract', target: `${scope.room}${scope.agent ? `/${scope.agent}` : ''}`, details: { archive, dst } },
      async () => {
        const { extractArchiveFile } = await import('./files.js');
        const result = await extractArchiveFile(this.rt, archive, r.abs);
        return { from: archive, to: `:${r.rel}`, files: result.files, bytes: result.bytes };
      },
    );
  }

  async remove(scope: StorageScope, p: string, opts: { recursive?: boolean } = {}): Promise<{ path: string }> {
    const { abs, rel, label } = this.resolve(scope, p);
    if (!rel) throw new UsageError(`refusing to remove the whole ${label}`);
    const st = lstatOrNull(abs);
    if (!st) throw new NotFoundError(`no such storage path "${p}"`);
    if (st.isDirectory() && !opts.recursive) throw new UsageError(`"${p}" is a directory: use --recursive`);
    return this.rt.audit.record(
      { actor: this.rt.actor, action: 'storage.rm', target: `${scope.room}${scope.agent ? `/${scope.agent}` : ''}`, details: { path: rel, recursive: !!opts.recursive } },
      async () => {
        // rmSync unlinks symlinks it meets, never what they point to.
        fs.rmSync(abs, { recursive: !!opts.recursive, force: false });
        return { path: rel };
      },
    );
  }
}

function toEntry(abs: string, rel: string): StorageEntry {
  const st = fs.lstatSync(abs);
  const type = st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other';
  return {
    name: path.basename(abs),
    path: rel,
    type,
    size: st.size,
    mode: st.mode & 0o7777,
    mtime: st.mtime.toISOString(),
    ...(type === 'symlink' ? { linkTarget: fs.readlinkSync(abs) } : {}),
  };
}

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch {
    return null;
  }
}
