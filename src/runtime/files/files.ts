// Files in and out of a room's containers through the engine's archive API: upload (directories, files, in-memory
// maps, untrusted zip/tar checked before they reach the engine), download (a file, a directory as tar or zip, or
// extracted safely onto the host), upload-and-run, and a one-level listing for the dashboard. Everything streams.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import querystring from 'node:querystring';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  ArchiveRefusedError,
  EntryGuard,
  checkZipHeaders,
  defaultArchiveLimits,
  drainBody,
  fileEntries,
  guardedBody,
  normaliseName,
  printable,
  sniffFile,
  sniffFormat,
  tarEntries,
  type ArchiveEntry,
  type ArchiveLimits,
} from './archive.js';
import { auditTarget, ContainerService, type ContainerSummary, Demuxer, EXEC_MARKER, execCommand, newExecToken, resolveRunning, waitExecExit, type ExecResult, type OutputStream } from '../containers/index.js';
import { BerthError, CancelledError, NotFoundError, UsageError, Dir, isStaleStaging, stagingName, storageAnchor, type Runtime, compareText } from '../core/index.js';
import { extractEntries, type ExtractResult, type ExtractTarget } from './extract.js';
import { RequestClosedError, SizeChangedError, TarUpload, type TarHeader } from '../engine/index.js';

let bulkPolicy = false;
/**
 * Called as a transfer starts. Files move through sockets, and every socket read is a fresh 64 KiB buffer outside the
 * JS heap. By default V8 answers each few MiB of such memory with a full collection of the whole heap (a gigabyte
 * through `berth serve` cost ~100 of them, a third of its CPU). Counted in the heap's global limit instead, they come
 * far less often, and peak RSS stays flat as the size grows (docs/BENCHMARKS.md, "Garbage collection"). Set here, not
 * at start-up: node:v8 costs ~3 ms to load, which commands that move no files should not pay.
 */
function forBulkTransfer(): void {
  if (bulkPolicy) return;
  bulkPolicy = true;
  process.getBuiltinModule('node:v8').setFlagsFromString('--external-memory-accounted-in-global-limit');
}

/** In-memory content for one file of a map: bytes, text, a stream (spooled to a temp file when its size is unknown). */
export type FileData = string | Uint8Array | Readable | { stream: Readable; size?: number; mode?: number } | { data: string | Uint8Array; mode?: number };
/** name (relative POSIX path, no `..`) → content; agents that generate files upload these without touching disk. */
export type FileMap = Record<string, FileData>;

export interface UploadSources {
  /** A host directory: its contents land in dest (like `docker cp DIR/. ID:DEST`). */
  dir?: string;
  /** Host files, each to `remote` (relative to dest; default its base name). */
  files?: { local: string; remote?: string }[];
  map?: FileMap;
  /** A zip or tar (gzip'd or not): a host path, bytes or a stream (stdin). Checked entry by entry before upload. */
  archive?: string | Uint8Array | Readable;
  /**
   * How the archive is checked. 'before' (the default): every entry and its data pass the guard before anything
   * reaches the engine (the archive is read twice). 'streaming': it is read once; a zip's directory (names, types,
   * links, declared sizes and ratios) is checked before anything reaches the engine and its data as it is sent; a
   * tar stream is checked entry by entry as it is sent (never spooled), so a refused entry stops the upload after
   * the entries before it.
   */
  archiveChecks?: 'before' | 'streaming';
}

export interface UploadOptions extends UploadSources {
  /** Where in the container (default: its working directory); created when missing. Relative = under the working dir. */
  dest?: string;
  signal?: AbortSignal;
  /** Bytes of tar sent so far, and the total when known. */
  onProgress?: (sent: number, total: number | undefined) => void;
}

export interface UploadResult {
  container: { id: string; name: string; room: string };
  dest: string;
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
}

export interface PathStat {
  name: string;
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
  mode: number;
  mtime: string;
  linkTarget?: string;
}

export async function archiveLimits(rt: Runtime): Promise<ArchiveLimits> {
  const s = (await rt.setting('files')) as Partial<ArchiveLimits> | undefined;
  return { ...defaultArchiveLimits, ...(s ?? {}) };
}

// ---------------------------------------------------------------------------------------------------------------
// Container paths

async function workingDir(rt: Runtime, c: ContainerSummary): Promise<string> {
  const info = await new ContainerService(rt).raw(c.id);
  return info.Config?.WorkingDir || '/';
}

function containerPath(base: string, p: string | undefined): string {
  if (!p) return base;
  if (p.includes('\0')) throw new UsageError('a container path cannot contain NUL');
  return path.posix.resolve(base, p);
}

// Go's os.FileMode type bits, as the engine reports them in X-Docker-Container-Path-Stat.
const MODE_DIR = 2 ** 31;
const MODE_SYMLINK = 2 ** 27;
const MODE_SPECIAL = 2 ** 26 + 2 ** 25 + 2 ** 24 + 2 ** 21;

/** Stat of a path in the container without following its last component (docker cp semantics). */
export async function statPath(rt: Runtime, c: ContainerSummary, p: string, signal?: AbortSignal): Promise<PathStat> {
  const engine = await rt.engine();
  const res = (await engine
    .call(`stat ${p} in container ${c.name}`, (d) => d.getContainer(c.id).infoArchive({ path: p, abortSignal: signal } as object))
    .catch((err) => {
      if (err instanceof NotFoundError) throw new NotFoundError(`no such path "${p}" in container "${c.name}"`);
      throw err;
    })) as { headers: Record<string, string>; resume?: () => void };
  res.resume?.();
  const raw = res.headers['x-docker-container-path-stat'];
  if (!raw) throw new BerthError(`the engine did not describe "${p}" in container "${c.name}"`);
  const s = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as { name: string; size: number; mode: number; mtime: string; linkTarget: string };
  const type = Math.floor(s.mode / MODE_DIR) % 2 ? 'directory' : Math.floor(s.mode / MODE_SYMLINK) % 2 ? 'symlink' : s.mode & MODE_SPECIAL ? 'other' : 'file';
  return { name: s.name, path: p, type, size: s.size, mode: s.mode & 0o7777, mtime: s.mtime, ...(s.linkTarget ? { linkTarget: s.linkTarget } : {}) };
}

async function statOrNull(rt: Runtime, c: ContainerSummary, p: string): Promise<PathStat | null> {
  try {
    return await statPath(rt, c, p);
  } catch (err) {
    if (err instanceof NotFoundError) return null;
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Upload

interface PlannedEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'link';
  mode: number;
  mtime?: Date;
  size: number;
  linkname?: string;
  /** Where the bytes come from: a host file (read at `size`), a stream, or memory. */
  file?: string;
  open?: () => Readable | AsyncIterable<Buffer>;
  data?: Buffer;
}

function checkRemoteName(name: string, what: string): string {
  if (path.posix.isAbsolute(name)) throw new UsageError(`invalid ${what} "${name}": use a path relative to --dest`);
  try {
    const rel = normaliseName(name);
    if (!rel) throw new UsageError(`invalid ${what} "${name}": it names no file`);
    return rel;
  } catch (err) {
    if (err instanceof ArchiveRefusedError) throw new UsageError(`invalid ${what} "${printable(name)}": ${err.message.replace(/^archive refused: entry "[^"]*" /, '')}`);
    throw err;
  }
}

/** Walks a host directory: entries relative to it, symlinks kept as links, sockets and fifos skipped. */
function* walkDir(root: string, prefix: string): Generator<PlannedEntry> {
  const stack: string[] = [''];
  while (stack.length) {
    const rel = stack.pop()!;
    const abs = path.join(root, rel);
    const names = fs.readdirSync(abs).sort();
    for (const name of names.reverse()) {
      const childRel = rel ? `${rel}/${name}` : name;
      const childAbs = path.join(abs, name);
      const st = fs.lstatSync(childAbs);
      const tarName = prefix ? `${prefix}/${childRel}` : childRel;
      if (st.isDirectory()) {
        yield { name: tarName, type: 'directory', mode: st.mode & 0o7777, mtime: st.mtime, size: 0 };
        stack.push(childRel);
      } else if (st.isSymbolicLink()) {
        yield { name: tarName, type: 'symlink', mode: 0o777, mtime: st.mtime, size: 0, linkname: fs.readlinkSync(childAbs) };
      } else if (st.isFile()) {
        yield { name: tarName, type: 'file', mode: st.mode & 0o7777, mtime: st.mtime, size: st.size, file: childAbs };
      }
    }
  }
}

async function spool(input: Uint8Array | Readable, signal?: AbortSignal): Promise<string> {
  const file = path.join(os.tmpdir(), `berth-upload-${randomBytes(6).toString('hex')}`);
  const out = fs.createWriteStream(file, { mode: 0o600 });
  await pipeline(input instanceof Uint8Array ? Readable.from([Buffer.from(input)]) : input, out, { signal });
  return file;
}

/**
 * Reads an untrusted archive twice: first every entry through the guard (nothing reaches the engine if any is
 * refused), then again to repack it, so the engine gets exactly the entries that were checked.
 */
async function checkArchive(
  file: string,
  limits: ArchiveLimits,
  signal?: AbortSignal,
  rules: { foldCase: boolean; externalSymlinks: 'refuse' | 'keep' } = { foldCase: false, externalSymlinks: 'refuse' },
): Promise<{ entries: number; bytes: number }> {
  const guard = new EntryGuard({ limits, ...rules });
  let bytes = 0;
  for await (const entry of fileEntries(file, limits)) {
    if (signal?.aborted) throw signal.reason ?? new CancelledError();
    if (guard.check(entry) && entry.type === 'file') bytes += await drainBody(guard, entry);
  }
  return { entries: guard.entries, bytes };
}

/** The first bytes of a stream, left in it. */
async function peek(stream: Readable): Promise<Buffer> {
  for (;;) {
    const chunk = stream.read() as Buffer | null;
    if (chunk) {
      stream.unshift(chunk);
      return chunk;
    }
    if (stream.readableEnded || stream.destroyed) return Buffer.alloc(0);
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        stream.off('readable', done).off('end', done).off('error', done);
        if (err) reject(err);
        else resolve();
      };
      stream.on('readable', done).on('end', done).on('error', done);
    });
  }
}

/**
 * The archive's entries as planned tar entries, through the guard. With `countBytes` each body's bytes are counted
 * by the guard as they are read (the archive was not read through it before).
 */
async function* archivePlan(entries: AsyncIterable<ArchiveEntry>, limits: ArchiveLimits, prefix: string, countBytes = false): AsyncGenerator<PlannedEntry & { entry?: ArchiveEntry }> {
  const guard = new EntryGuard({ limits, foldCase: false, externalSymlinks: 'refuse' });
  for await (const entry of entries) {
    const checked = guard.check(entry);
    if (!checked) continue;
    const name = prefix ? `${prefix}/${checked.rel}` : checked.rel;
    const type = entry.type as PlannedEntry['type'];
    const linkname = type === 'link' ? (prefix ? `${prefix}/${checked.linkTarget}` : checked.linkTarget) : entry.linkname;
    const open = entry.body ? () => (countBytes ? guardedBody(guard, entry) : entry.body!) : undefined;
    yield { name, type, mode: entry.mode & 0o7777, mtime: entry.mtime, size: entry.size, linkname, entry, open };
  }
}

async function mapEntry(name: string, value: FileData, spooled: string[], signal?: AbortSignal): Promise<PlannedEntry> {
  if (typeof value === 'string' || value instanceof Uint8Array) {
    const data = Buffer.from(value);
    return { name, type: 'file', mode: 0o644, size: data.length, data };
  }
  if (value instanceof Readable) return mapEntry(name, { stream: value }, spooled, signal);
  if ('data' in value) {
    const data = Buffer.from(value.data);
    return { name, type: 'file', mode: value.mode ?? 0o644, size: data.length, data };
  }
  if (value.size !== undefined) return { name, type: 'file', mode: value.mode ?? 0o644, size: value.size, open: () => value.stream };
  // A tar header needs the size first: an unsized stream goes to a temp file (bounded memory, any length).
  const file = await spool(value.stream, signal);
  spooled.push(file);
  return { name, type: 'file', mode: value.mode ?? 0o644, size: fs.statSync(file).size, file };
}

async function writeEntry(tar: TarUpload, e: PlannedEntry): Promise<void> {
  const header: TarHeader = {
    name: e.name,
    type: e.type,
    mode: e.mode || (e.type === 'directory' ? 0o755 : 0o644),
    mtime: e.mtime ?? new Date(),
    size: e.type === 'file' ? e.size : 0,
    ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
  };
  if (e.type !== 'file') return tar.entry(header);
  if (e.data) return tar.data(header, e.data);
  const grew = () => new UsageError(`"${printable(e.name)}" grew while it was being uploaded`);
  try {
    if (e.file) await tar.file(header, e.file);
    else
      await tar.stream(header, e.open!() as AsyncIterable<Buffer>, (written) => {
        if (written > e.size) throw grew();
      });
  } catch (err) {
    if (!(err instanceof SizeChangedError)) throw err;
    if (err.read > e.size) throw grew();
    throw new UsageError(`"${printable(e.name)}" changed size while it was being uploaded (${err.read} of ${e.size} bytes)`);
  }
}

/**
 * Uploads into a container (running or stopped). A missing dest is created (its parents as root-owned 0755
 * directories). Nothing reaches the engine from an archive that fails the checks.
 */
export async function uploadToContainer(rt: Runtime, room: string, ref: string, opts: UploadOptions): Promise<UploadResult> {
  const c = await new ContainerService(rt).resolve(room, ref, opts.signal);
  return uploadResolved(rt, c, opts);
}

async function uploadResolved(rt: Runtime, c: ContainerSummary, opts: UploadOptions): Promise<UploadResult> {
  forBulkTransfer();
  const limits = await archiveLimits(rt);
  const fileList = (opts.files ?? []).map((f) => ({ local: f.local, remote: checkRemoteName(f.remote ?? path.basename(f.local), '--file remote path') }));
  const mapNames = Object.keys(opts.map ?? {}).map((n) => checkRemoteName(n, 'file name'));
  if (!opts.dir && !fileList.length && !mapNames.length && opts.archive === undefined) throw new UsageError('nothing to upload: give a directory, --file, --archive or an archive on stdin');
  if (opts.dir) {
    const st = fs.statSync(opts.dir, { throwIfNoEntry: false });
    if (!st) throw new NotFoundError(`no such directory "${opts.dir}"`);
    if (!st.isDirectory()) throw new UsageError(`"${opts.dir}" is not a directory: use --file for a file, --archive for an archive`);
  }
  for (const f of fileList) {
    const st = fs.statSync(f.local, { throwIfNoEntry: false });
    if (!st) throw new NotFoundError(`no such file "${f.local}"`);
    if (!st.isFile()) throw new UsageError(`--file "${f.local}" is not a regular file`);
  }
  const dest = containerPath(await workingDir(rt, c), opts.dest);
  // The archive API needs an existing directory: put at the nearest existing ancestor, the rest as tar entries.
  let base = dest;
  const missing: string[] = [];
  for (;;) {
    const st = await statOrNull(rt, c, base);
    if (st?.type === 'directory' || (st?.type === 'symlink' && (await statOrNull(rt, c, `${base}/`))?.type === 'directory')) break;
    if (st) throw new UsageError(`--dest "${dest}": "${base}" exists in container "${c.name}" and is not a directory`);
    missing.unshift(path.posix.basename(base));
    base = path.posix.dirname(base);
  }
  // All or nothing: in a running container with a shell, the upload goes into a staging directory in `base` (where
  // it would land anyway, so on the same file system) and is moved into place at the end by one command in the
  // container, which finishes even if berth is killed then. Staging entries left by a berth that was killed are
  // removed by the next upload to the same place. A stopped container, or one without /bin/sh, is written in place.
  const lead = missing.length ? `.${missing[0]}.berth-upload-` : '.berth-upload-';
  const stage = await stagingFor(rt, c, base, lead);
  const prefix = stage ? [stage.name, ...missing.slice(1)].join('/') : missing.join('/');
  const lead0 = prefix ? prefix.split('/') : [];

  const spooled: string[] = [];
  try {
    let archiveFile: string | undefined;
    let archiveStream: AsyncGenerator<ArchiveEntry> | undefined;
    const streaming = opts.archiveChecks === 'streaming';
    if (opts.archive instanceof Readable && streaming) {
      // A (gzip'd) tar is read as it arrives; a zip needs its directory, at the end, so it is spooled.
      const format = sniffFormat(await peek(opts.archive));
      if (format !== 'zip') archiveStream = tarEntries(opts.archive, { gzip: format === 'tar.gz', limits });
    }
    if (opts.archive !== undefined && !archiveStream) {
      if (typeof opts.archive === 'string') {
        if (!fs.statSync(opts.archive, { throwIfNoEntry: false })?.isFile()) throw new NotFoundError(`no such archive "${opts.archive}"`);
        archiveFile = opts.archive;
      } else {
        archiveFile = await spool(opts.archive, opts.signal);
        spooled.push(archiveFile);
      }
      if (streaming && sniffFile(archiveFile) === 'zip') await checkZipHeaders(archiveFile, limits, { foldCase: false, externalSymlinks: 'refuse' });
      else await checkArchive(archiveFile, limits, opts.signal);
    }
    const mapEntries: PlannedEntry[] = [];
    for (const [i, name] of mapNames.entries()) mapEntries.push(await mapEntry(prefix ? `${prefix}/${name}` : name, Object.values(opts.map!)[i]!, spooled, opts.signal));

    const counts = { files: 0, dirs: 0, symlinks: 0, bytes: 0 };
    let total: number | undefined = 0;
    if (opts.dir) for (const e of walkDir(opts.dir, prefix)) total += e.size;
    for (const f of fileList) total += fs.statSync(f.local).size;
    for (const e of mapEntries) total += e.size;
    if (archiveFile || archiveStream) total = undefined;

    const tar = new TarUpload(opts.onProgress && ((sent) => opts.onProgress!(sent, total)));
    const madeDirs = new Set<string>();
    const fill = async () => {
      const add = async (e: PlannedEntry) => {
        // Parents first, so a file in a new subdirectory never lands in a directory the engine made 0700 or root-only.
        const parts = e.name.split('/');
        for (let i = 1; i < parts.length; i++) {
          const dir = parts.slice(0, i).join('/');
          if (!madeDirs.has(dir)) {
            madeDirs.add(dir);
            await writeEntry(tar, { name: dir, type: 'directory', mode: 0o755, size: 0 });
          }
        }
        if (e.type === 'directory') {
          if (madeDirs.has(e.name)) return;
          madeDirs.add(e.name);
        }
        await writeEntry(tar, e);
        if (e.type === 'directory') counts.dirs++;
        else if (e.type === 'symlink') counts.symlinks++;
        else counts.files++;
        counts.bytes += e.type === 'file' ? e.size : 0;
      };
      for (const dir of lead0.map((_, i) => lead0.slice(0, i + 1).join('/'))) await add({ name: dir, type: 'directory', mode: 0o755, size: 0 });
      if (opts.dir) for (const e of walkDir(opts.dir, prefix)) await add(e);
      for (const f of fileList) {
        const st = fs.statSync(f.local);
        await add({ name: prefix ? `${prefix}/${f.remote}` : f.remote, type: 'file', mode: st.mode & 0o7777, mtime: st.mtime, size: st.size, file: f.local });
      }
      for (const e of mapEntries) await add(e);
      if (archiveFile) for await (const e of archivePlan(fileEntries(archiveFile, limits), limits, prefix, streaming)) await add(e);
      if (archiveStream) for await (const e of archivePlan(archiveStream, limits, prefix, true)) await add(e);
      await tar.finish();
    };
    const engine = await rt.engine();
    const details = { dest, sources: { dir: opts.dir, files: fileList.map((f) => f.local), map: mapNames.length || undefined, archive: typeof opts.archive === 'string' ? opts.archive : opts.archive ? 'stream' : undefined } };
    return await rt.audit.record({ actor: rt.actor, action: 'container.upload', target: auditTarget(c), details }, async () => {
      // A refused or failed entry destroys the body: the engine's request is cut.
      const filling = fill().catch((err) => {
        tar.destroy(err);
        throw err;
      });
      const putting = engine.call(`upload to container ${c.name}`, (d) => d.getContainer(c.id).putArchive(tar, { path: base, abortSignal: opts.signal } as object));
      // A request that failed before it took the whole tar leaves the writer nothing to write into.
      putting.catch(() => tar.destroy());
      try {
        const [filled, put] = await Promise.allSettled([filling, putting]);
        // The entry's own error first; a request the engine ended early fails with the engine's.
        if (filled.status === 'rejected' && !(filled.reason instanceof RequestClosedError)) throw filled.reason;
        if (put.status === 'rejected') throw put.reason;
        if (filled.status === 'rejected') throw filled.reason;
        if (stage) await stage.moveInto(missing.length ? path.posix.join(base, missing[0]!) : dest, missing.length > 0);
      } catch (err) {
        await stage?.remove();
        throw err;
      }
      return { container: { id: c.id, name: c.name, room: c.room }, dest, ...counts };
    });
  } finally {
    for (const f of spooled) fs.rmSync(f, { force: true });
  }
}

interface Stage {
  /** The staging directory's name in `base`. */
  name: string;
  /** Moves the staged upload into place: renamed to `target` when it is new, else merged into it entry by entry. */
  moveInto(target: string, isNew: boolean): Promise<void>;
  /** Removes the staging directory (a failed or cancelled upload). */
  remove(): Promise<void>;
}

// Run as root in the container (the archive API writes as root too). $1 the staging directory, $2 the destination,
// $3 "new" when the destination did not exist; the rest are stale staging entries to remove first.
// Merging follows docker cp: a directory merges into a directory; any other entry replaces what is there by one
// rename (never a copy: a gigabyte file moves in at once, and a reader holding the old file keeps it whole); a
// directory over a non-directory, or the reverse, is refused. Every clash is found before anything moves, so a
// refused upload changes nothing. A subshell keeps each level's loop variables.
const MOVE_INTO_PLACE = [
  'stage=$1; dest=$2; new=$3; shift 3',
  'for s in "$@"; do rm -rf -- "$s"; done',
  'if [ "$new" = new ] && [ ! -e "$dest" ] && [ ! -L "$dest" ]; then mv -- "$stage" "$dest" && exit 0; rm -rf -- "$stage"; exit 1; fi',
  'isdir() { [ -d "$1" ] && [ ! -L "$1" ]; }',
  'merge() {',
  '  for e in "$2"/* "$2"/.[!.]* "$2"/..?*; do',
  '    if [ -e "$e" ] || [ -L "$e" ]; then',
  '      d=$3/${e##*/}',
  '      if isdir "$e" && isdir "$d"; then (merge "$1" "$e" "$d") || return 1',
  '      elif [ ! -e "$d" ] && [ ! -L "$d" ]; then [ "$1" = check ] || mv -- "$e" "$d" || return 1',
  '      elif isdir "$d"; then echo "cannot replace the directory $d with a non-directory" >&2; return 1',
  '      elif isdir "$e"; then echo "cannot replace the non-directory $d with a directory" >&2; return 1',
  '      elif [ "$1" = move ]; then { [ ! -L "$d" ] || rm -f -- "$d"; } && mv -f -- "$e" "$d" || return 1',
  '      fi',
  '    fi',
  '  done',
  '}',
  'merge check "$stage" "$dest" && merge move "$stage" "$dest"; code=$?',
  'rm -rf -- "$stage"',
  'exit $code',
].join('\n');

/**
 * A staging directory for an upload into `base`, or null when the container cannot move one into place (not
 * running, or no /bin/sh). Lists the staging entries under `lead` already there: those whose berth is gone are
 * removed when this one moves into place.
 */
async function stagingFor(rt: Runtime, c: ContainerSummary, base: string, lead: string): Promise<Stage | null> {
  if (c.state !== 'running') return null;
  const listed = await execCollect(rt, c, ['/bin/sh', '-c', 'cd -- "$1" || exit 3; for f in "$2"*; do if [ -e "$f" ] || [ -L "$f" ]; then printf "%s\\n" "$f"; fi; done', 'sh', base, lead]).catch(() => null);
  if (!listed || listed.code !== 0) return null;
  const stale = listed.stdout.split('\n').filter((n) => n && !n.includes('/') && isStaleStaging(n, lead)).map((n) => path.posix.join(base, n));
  const name = stagingName(lead);
  const full = path.posix.join(base, name);
  return {
    name,
    async moveInto(target, isNew) {
      const moved = await execCollect(rt, c, ['/bin/sh', '-c', MOVE_INTO_PLACE, 'sh', full, target, isNew ? 'new' : 'merge', ...stale]);
      if (moved.code !== 0) throw new BerthError(`cannot move the upload into place at "${target}" in container "${c.name}": ${moved.stderr.trim().split('\n').pop() || `exit ${moved.code}`}`);
    },
    async remove() {
      await execCollect(rt, c, ['/bin/sh', '-c', 'rm -rf -- "$1"', 'sh', full]).catch(() => undefined);
    },
  };
}

/** Runs a command in the container as root and collects its output. Not audited: the caller's action is. */
async function execCollect(rt: Runtime, c: ContainerSummary, cmd: string[], user?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const engine = await rt.engine();
  const exec = await engine.call(`exec in container ${c.name}`, (d) => d.getContainer(c.id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, User: user ?? '0' }));
  const stream = (await engine.call(`exec in container ${c.name}`, () => exec.start({}))) as Readable;
  const out: Record<OutputStream, Buffer[]> = { stdout: [], stderr: [] };
  const demux = new Demuxer((which, chunk) => out[which].push(chunk));
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => demux.push(chunk));
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  return { code: await waitExecExit(engine, exec), stdout: Buffer.concat(out.stdout).toString('utf8'), stderr: Buffer.concat(out.stderr).toString('utf8') };
}

// ---------------------------------------------------------------------------------------------------------------
// Download

async function openArchive(rt: Runtime, c: ContainerSummary, p: string, signal?: AbortSignal): Promise<Readable> {
  forBulkTransfer();
  const engine = await rt.engine();
  return (await engine.call(`download ${p} from container ${c.name}`, (d) => d.getContainer(c.id).getArchive({ path: p, abortSignal: signal } as object))) as Readable;
}

function symlinkRefusal(c: ContainerSummary, st: PathStat): UsageError {
  return new UsageError(`"${st.path}" in container "${c.name}" is a symlink to "${st.linkTarget}": download that path, or add a trailing / to follow a link to a directory`);
}

/** A container path looked up: its container, its full path and what it is. */
export type ContainerPath = Awaited<ReturnType<typeof resolvePath>>;

async function resolvePath(rt: Runtime, room: string, ref: string, p: string, signal?: AbortSignal) {
  const c = await new ContainerService(rt).resolve(room, ref, signal);
  const full = containerPath(await workingDir(rt, c), p);
  // A trailing slash asks the engine to follow a final symlink (inside the container's root, never the host's).
  const asked = p.endsWith('/') && full !== '/' ? `${full}/` : full;
  const st = await statPath(rt, c, asked, signal);
  return { c, path: asked, st };
}

interface PartialFile {
  sink: fs.WriteStream;
  /** Ends the sink (unless a pipeline did), sets the mode when given, and renames the file over the target. */
  commit(mode?: number): Promise<void>;
  /** Removes the file unless it was committed (a failed or cancelled download). */
  discard(): void;
}

/**
 * A host file written all or nothing: its bytes go to `.NAME.berth-partial-<holder tag>-<random>` beside the target
 * and are renamed over it at the end. Partial files a download killed before its rename left beside the same target
 * (their process gone) are removed first.
 */
function partialFile(target: string, mode: number): PartialFile {
  const dir = path.dirname(target);
  const lead = `.${path.basename(target)}.berth-partial-`;
  for (const name of fs.readdirSync(dir)) if (isStaleStaging(name, lead)) fs.rmSync(path.join(dir, name), { force: true });
  const file = path.join(dir, stagingName(lead));
  // Opened here, so that the descriptor is there for writes berth makes itself (writeRead).
  const sink = fs.createWriteStream(file, { fd: fs.openSync(file, 'wx', mode) });
  let committed = false;
  return {
    sink,
    async commit(finalMode) {
      if (!sink.writableFinished) await new Promise<void>((resolve, reject) => sink.end((err?: Error | null) => (err ? reject(err) : resolve())));
      if (finalMode !== undefined) fs.chmodSync(file, finalMode);
      fs.renameSync(file, target);
      committed = true;
    },
    discard() {
      if (committed) return;
      sink.destroy();
      fs.rmSync(file, { force: true });
    },
  };
}

/** docker-modem's reasons for getArchive's statuses (dockerode's Container.getArchive). */
const ARCHIVE_ERRORS: Record<number, string> = { 400: 'client error, bad parameters', 404: 'no such container', 500: 'server error' };

/**
 * The descriptor under a sink that berth may write itself, synchronously: stdout on a file, a pipe or a socket
 * (process.stdout, nothing queued in it), or a file berth opened (partialFile). Undefined for any other stream.
 */
function descriptorOf(sink: Writable): number | undefined {
  const { fd, isTTY } = sink as Writable & { fd?: unknown; isTTY?: boolean };
  return typeof fd === 'number' && !isTTY && sink.writableLength === 0 && !sink.writableEnded ? fd : undefined;
}

/**
 * One socket read's pieces written to `fd` before the read buffer is reused (writev, whole). A non-blocking pipe
 * that is full (EAGAIN: Node makes stdout's pipe non-blocking) gets the rest through the sink's own queue, as a
 * copy, and reading waits until it is written.
 */
function writeRead(fd: number, pieces: Buffer[], sink: Writable): void | Promise<void> {
  let rest = pieces;
  while (rest.length) {
    let n: number;
    try {
      n = fs.writevSync(fd, rest);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      const copy = Buffer.concat(rest);
      return new Promise((resolve, reject) => sink.write(copy, (e) => (e ? reject(e) : resolve())));
    }
    while (n > 0 && rest.length) {
      const first = rest[0]!;
      if (first.length <= n) {
        n -= first.length;
        rest = rest.slice(1);
      } else {
        rest = [first.subarray(n), ...rest.slice(1)];
        n = 0;
      }
    }
  }
}

/** A download's file goes into a directory that exists, as `docker cp` does: missing parents are not made. */
function requireParentDir(target: string, given: string): void {
  const parent = path.dirname(target);
  const st = fs.statSync(parent, { throwIfNoEntry: false });
  if (!st) throw new NotFoundError(`cannot write "${given}": no such directory "${parent}"`);
  if (!st.isDirectory()) throw new UsageError(`cannot write "${given}": "${parent}" is not a directory`);
}

/** Streams one file of the container into `out` (a writable, or a host path written all or nothing). */
export async function downloadFile(
  rt: Runtime,
  room: string,
  ref: string,
  p: string,
  out: Writable | string,
  opts: {
    signal?: AbortSignal;
    onProgress?: (bytes: number, total: number) => void;
    /** The file's exact size, from the engine's archive, before its first byte is written. */
    onSize?: (size: number) => void;
    /** `ref` and `p` as resolveContainerPath found them. */
    at?: ContainerPath;
  } = {},
): Promise<{ container: string; path: string; bytes: number; to?: string }> {
  const { c, path: full, st } = opts.at ?? (await resolvePath(rt, room, ref, p, opts.signal));
  if (st.type === 'directory') throw new UsageError(`"${full}" in container "${c.name}" is a directory: download it with --format tar|zip or --extract-to DIR`);
  if (st.type === 'symlink') throw symlinkRefusal(c, st);
  if (st.type !== 'file') throw new UsageError(`"${full}" in container "${c.name}" is not a regular file`);
  let target: string | undefined;
  let partial: PartialFile | undefined;
  let sink: Writable;
  if (typeof out === 'string') {
    target = path.resolve(out);
    if (fs.statSync(target, { throwIfNoEntry: false })?.isDirectory()) target = path.join(target, st.name);
    requireParentDir(target, out);
    partial = partialFile(target, 0o600);
    sink = partial.sink;
  } else sink = out;
  return rt.audit.record({ actor: rt.actor, action: 'container.download', target: auditTarget(c), details: { path: full, to: target ?? 'stream' } }, async () => {
    let bytes = 0;
    try {
      const stream = await openArchive(rt, c, full, opts.signal);
      let found = false;
      for await (const entry of tarEntries(stream)) {
        if (found || entry.type !== 'file') continue;
        found = true;
        opts.onSize?.(entry.size);
        for await (const chunk of entry.body!) {
          bytes += chunk.length;
          opts.onProgress?.(bytes, st.size);
          if (!sink.write(chunk)) await new Promise<void>((r) => sink.once('drain', () => r()));
        }
      }
      if (!found) throw new BerthError(`the engine sent no file for "${full}"`);
      await partial?.commit(st.mode & 0o777);
    } finally {
      partial?.discard();
    }
    return { container: c.name, path: full, bytes, ...(target ? { to: target } : {}) };
  });
}

/** One file's bytes, for agents (refuses more than maxBytes, default 64 MiB: stream big files with downloadFile). */
export async function readContainerFile(rt: Runtime, room: string, ref: string, p: string, opts: { maxBytes?: number; signal?: AbortSignal } = {}): Promise<Buffer> {
  const max = opts.maxBytes ?? 64 * 1024 * 1024;
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > max) return cb(new UsageError(`"${p}" is larger than ${max} bytes: stream it to a file instead`));
      chunks.push(chunk);
      cb();
    },
  });
  await downloadFile(rt, room, ref, p, sink, { signal: opts.signal });
  return Buffer.concat(chunks);
}

export type DownloadFormat = 'tar' | 'zip';

/**
 * A path as an archive: tar is the engine's own stream (entries under the path's base name, as `docker cp ID:P -`);
 * zip carries the same entries (symlinks as zip symlinks; hardlinks, devices and fifos are left out and counted).
 */
export async function downloadArchive(
  rt: Runtime,
  room: string,
  ref: string,
  p: string,
  out: Writable | string,
  opts: {
    format?: DownloadFormat;
    signal?: AbortSignal;
    onProgress?: (bytes: number) => void;
    /** zip: names relative to the path (a directory's contents), not under its base name. */
    contents?: boolean;
    /** `ref` and `p` as resolveContainerPath found them. */
    at?: ContainerPath;
  } = {},
): Promise<{ container: string; path: string; format: DownloadFormat; bytes: number; skipped: number; to?: string }> {
  const format = opts.format ?? 'tar';
  if (format !== 'tar' && format !== 'zip') throw new UsageError(`invalid --format "${format}": use tar or zip`);
  const { c, path: full } = opts.at ?? (await resolvePath(rt, room, ref, p, opts.signal));
  let target: string | undefined;
  let partial: PartialFile | undefined;
  let sink: Writable;
  if (typeof out === 'string') {
    target = path.resolve(out);
    if (fs.statSync(target, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`"${out}" is a directory: name the ${format} file to write`);
    requireParentDir(target, out);
    partial = partialFile(target, 0o644);
    sink = partial.sink;
  } else sink = out;
  return rt.audit.record({ actor: rt.actor, action: 'container.download', target: auditTarget(c), details: { path: full, format, to: target ?? 'stream' } }, async () => {
    let bytes = 0;
    let skipped = 0;
    try {
      const count = (n: number) => {
        bytes += n;
        opts.onProgress?.(bytes);
      };
      if (format === 'tar') {
        // From an engine on a local socket, written as it is read, straight to the output's descriptor.
        const fd = descriptorOf(sink);
        const direct =
          fd !== undefined &&
          (await rt.getOverSocket(`download ${full} from container ${c.name}`, `/containers/${c.id}/archive?${querystring.stringify({ path: full })}`, ARCHIVE_ERRORS, opts.signal, (pieces) => {
            count(pieces.reduce((n, p) => n + p.length, 0));
            return writeRead(fd, pieces, sink);
          }));
        if (!direct) {
          const stream = await openArchive(rt, c, full, opts.signal);
          // Counted where it is read: a listener beside the pipe, not a stream between the engine and the sink.
          stream.on('data', (chunk: Buffer) => count(chunk.length));
          await pipeline(stream, sink, { end: Boolean(partial) });
        }
      } else {
        const stream = await openArchive(rt, c, full, opts.signal);
        const counter = new PassThrough();
        counter.on('data', (chunk: Buffer) => count(chunk.length));
        const yazl = await import('yazl');
        const ZipFile = yazl.ZipFile ?? (yazl as unknown as { default: typeof yazl }).default.ZipFile;
        const zip = new ZipFile();
        const writing = pipeline(zip.outputStream as Readable, counter, sink, { end: Boolean(partial) });
        for await (const entry of tarEntries(stream)) {
          let name = entry.name.replace(/^\/+/, '').replace(/^(\.\/)+/, '');
          if (opts.contents) name = name.split('/').slice(1).join('/');
          if (!name || name === '.' || name === './') continue;
          const opt = { mtime: entry.mtime ?? new Date(), mode: entry.mode & 0o7777 };
          if (entry.type === 'directory') zip.addEmptyDirectory(name.replace(/\/$/, ''), { ...opt, mode: opt.mode | 0o040000 });
          else if (entry.type === 'symlink') zip.addBuffer(Buffer.from(entry.linkname ?? ''), name, { ...opt, mode: 0o120777, compress: false });
          else if (entry.type === 'file') {
            const body = Readable.from(entry.body!);
            const ended = new Promise<void>((resolve, reject) => body.once('end', resolve).once('error', reject));
            zip.addReadStream(body, name, { ...opt, mode: opt.mode | 0o100000, size: entry.size });
            await ended;
          } else skipped++;
        }
        zip.end();
        await writing;
      }
      // pipeline() ended (and flushed) the file sink; stdout is left open.
      await partial?.commit();
    } finally {
      partial?.discard();
    }
    return { container: c.name, path: full, format, bytes, skipped, ...(target ? { to: target } : {}) };
  });
}

/**
 * A container path unpacked into a host directory through the archive guard: a directory's contents land in
 * `dir`, a file as `dir/NAME`. A container's symlinks can never make this write or read outside `dir`.
 */
export async function downloadExtract(
  rt: Runtime,
  room: string,
  ref: string,
  p: string,
  dir: string,
  opts: { signal?: AbortSignal; externalSymlinks?: 'refuse' | 'keep'; onProgress?: (bytes: number) => void } = {},
): Promise<ExtractResult & { container: string; path: string }> {
  const { c, path: full, st } = await resolvePath(rt, room, ref, p, opts.signal);
  if (st.type === 'symlink') throw symlinkRefusal(c, st);
  const limits = await archiveLimits(rt);
  return rt.audit.record({ actor: rt.actor, action: 'container.download', target: auditTarget(c), details: { path: full, extractTo: path.resolve(dir) } }, async () => {
    const stream = await openArchive(rt, c, full, opts.signal);
    const entries = st.type === 'directory' ? stripRoot(tarEntries(stream, { limits })) : tarEntries(stream, { limits });
    const target = extractTarget(rt, dir);
    try {
      const result = await extractEntries(entries, target, { limits, foldCase: true, externalSymlinks: opts.externalSymlinks ?? 'refuse', signal: opts.signal, onProgress: opts.onProgress });
      return { ...result, container: c.name, path: full };
    } finally {
      if (typeof target !== 'string') target.root.close();
    }
  });
}

/**
 * A host directory to unpack into. Under a room's storage or a workspace (which containers write), it is reached
 * from the berth-owned directory above by descriptor and never resolved as a path; anywhere else it is the path.
 */
function extractTarget(rt: Runtime, dir: string): ExtractTarget {
  const abs = path.resolve(dir);
  const anchored = storageAnchor(abs, rt.paths.dataDir, rt.paths.roomsDir);
  if (!anchored || !fs.existsSync(anchored.anchor)) return dir;
  return { root: Dir.open(anchored.anchor, { noFollow: 'storage paths never follow symlinks', within: `storage at ${anchored.anchor}` }), parts: anchored.parts, shown: abs };
}

/** The engine names a directory's entries under its base name ("data/x", "./x", "/x" for the root): drop it. */
async function* stripRoot(entries: AsyncIterable<ArchiveEntry>): AsyncGenerator<ArchiveEntry> {
  let root: string | undefined;
  for await (const e of entries) {
    if (root === undefined) {
      root = e.name.endsWith('/') ? e.name : `${e.name}/`;
      continue;
    }
    if (!e.name.startsWith(root)) throw new ArchiveRefusedError(`entry "${printable(e.name)}" is outside the directory "${printable(root)}"`);
    const linkname = e.type === 'link' && e.linkname?.startsWith(root) ? e.linkname.slice(root.length) : e.linkname;
    yield { ...e, name: e.name.slice(root.length), linkname };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Listing (dashboard)

export interface DirEntry {
  name: string;
  type: PathStat['type'];
  size: number;
  mode: number;
  mtime?: string;
  linkTarget?: string;
}

/**
 * One directory level of a container's filesystem. Reads the engine's archive of the directory and keeps only
 * direct children, so it works on stopped containers and images without `ls`; stops after `maxEntries` children.
 */
export async function listContainerDir(rt: Runtime, room: string, ref: string, p: string, opts: { signal?: AbortSignal; maxEntries?: number } = {}): Promise<{ path: string; entries: DirEntry[]; truncated: boolean }> {
  const c = await new ContainerService(rt).resolve(room, ref, opts.signal);
  const full = containerPath(await workingDir(rt, c), p);
  const asked = full === '/' ? '/' : `${full}/`;
  const st = await statPath(rt, c, asked, opts.signal);
  if (st.type !== 'directory') throw new UsageError(`"${full}" in container "${c.name}" is not a directory`);
  const max = opts.maxEntries ?? 2000;
  // A running container with ls answers in one exec; the archive route reads the whole subtree (slow for "/").
  if (c.state === 'running') {
    const viaLs = await listWithLs(rt, c, asked).catch(() => null);
    if (viaLs) return { path: full, entries: sortEntries(viaLs.slice(0, max)), truncated: viaLs.length > max };
  }
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const stream = await openArchive(rt, c, asked, controller.signal);
  const entries: DirEntry[] = [];
  let truncated = false;
  let root: string | undefined;
  try {
    for await (const e of tarEntries(stream)) {
      if (root === undefined) {
        root = e.name.endsWith('/') ? e.name : `${e.name}/`;
        continue;
      }
      const rest = e.name.slice(root.length).replace(/\/$/, '');
      if (!rest || rest.includes('/')) continue;
      entries.push({ name: rest, type: e.type === 'link' ? 'file' : e.type, size: e.size, mode: e.mode & 0o7777, mtime: e.mtime?.toISOString(), ...(e.linkname && e.type === 'symlink' ? { linkTarget: e.linkname } : {}) });
      if (entries.length >= max) {
        truncated = true;
        break;
      }
    }
  } catch (err) {
    if (!truncated) throw err;
  } finally {
    controller.abort();
    opts.signal?.removeEventListener('abort', onAbort);
  }
  return { path: full, entries: sortEntries(entries), truncated };
}

function sortEntries(entries: DirEntry[]): DirEntry[] {
  return entries.sort((a, b) => Number(b.type === 'directory') - Number(a.type === 'directory') || compareText(a.name, b.name));
}

const LS_LINE = /^([-dlcbps])([-rwxsStT]{9})\S*\s+\d+\s+\S+\s+\S+\s+(\d+,\s*\d+|\d+)\s+(\S+\s+\S+\s+\S+)\s(.*)$/;

/** `ls -lAn` in the container, parsed; null when there is no ls or it failed. Not audited: it changes nothing. */
async function listWithLs(rt: Runtime, c: ContainerSummary, dir: string): Promise<DirEntry[] | null> {
  const listed = await execCollect(rt, c, ['ls', '-lAn', dir], '');
  if (listed.code !== 0) return null;
  const entries: DirEntry[] = [];
  for (const line of listed.stdout.split('\n')) {
    const m = LS_LINE.exec(line);
    if (!m) continue;
    const [, kind, perms, size, , rest] = m;
    const type: DirEntry['type'] = kind === 'd' ? 'directory' : kind === 'l' ? 'symlink' : kind === '-' ? 'file' : 'other';
    const arrow = type === 'symlink' ? rest!.indexOf(' -> ') : -1;
    const name = arrow >= 0 ? rest!.slice(0, arrow) : rest!;
    if (name === '.' || name === '..') continue;
    entries.push({ name, type, size: type === 'file' ? Number(size) : 0, mode: permBits(perms!), ...(arrow >= 0 ? { linkTarget: rest!.slice(arrow + 4) } : {}) });
  }
  return entries;
}

function permBits(perms: string): number {
  let mode = 0;
  for (let i = 0; i < 9; i++) if (perms[i] !== '-' && perms[i] !== 'S' && perms[i] !== 'T') mode |= 1 << (8 - i);
  return mode;
}

// ---------------------------------------------------------------------------------------------------------------
// Upload and run

export interface UploadAndRunOptions extends UploadOptions {
  command: string[];
  /** Start the command and return at once (its output goes to the container's exec, not to the caller). */
  detach?: boolean;
  env?: Record<string, string>;
  user?: string;
  onOutput?: (stream: OutputStream, chunk: Buffer) => void;
  timeout?: number;
}

export interface UploadAndRunResult {
  upload: UploadResult;
  /** null with detach. */
  exitCode: number | null;
  execId?: string;
  stdout?: string;
  stderr?: string;
  timedOut?: boolean;
}

/** Uploads into a running container, then runs the command in dest, streaming its output; the exit code is returned. */
export async function uploadAndRun(rt: Runtime, room: string, ref: string, opts: UploadAndRunOptions): Promise<UploadAndRunResult> {
  if (!opts.command.length) throw new UsageError('give a command to run after --, e.g. berth container upload-and-run web --file app.sh -- sh app.sh');
  const c = await resolveRunning(rt, room, ref, opts.signal);
  const upload = await uploadResolved(rt, c, opts);
  if (opts.detach) {
    const engine = await rt.engine();
    const execId = await rt.audit.record({ actor: rt.actor, action: 'container.exec', target: auditTarget(c), details: { cmd: opts.command, workdir: upload.dest, detach: true } }, async () => {
      const exec = await engine.call(`exec in container ${c.name}`, (d) =>
        d.getContainer(c.id).exec({ Cmd: opts.command, WorkingDir: upload.dest, Env: [...Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`), `${EXEC_MARKER}=${newExecToken()}`], ...(opts.user ? { User: opts.user } : {}) }),
      );
      const started = await engine.call(`start exec in container ${c.name}`, () => exec.start({ Detach: true } as object));
      // dockerode hands back the (empty) response unread: read it to its end, or its connection stays open.
      (started as unknown as Readable | undefined)?.resume?.();
      return exec.id;
    });
    return { upload, exitCode: null, execId };
  }
  const result: ExecResult = await execCommand(rt, room, c.id, opts.command, {
    workdir: upload.dest,
    env: opts.env,
    user: opts.user,
    signal: opts.signal,
    timeout: opts.timeout,
    onOutput: opts.onOutput,
    collect: !opts.onOutput,
  });
  return { upload, exitCode: result.exitCode, timedOut: result.timedOut, ...(opts.onOutput ? {} : { stdout: result.stdout, stderr: result.stderr }) };
}


/**
 * A container path looked up, with what it is (the last component not followed, unless it ends in /): given back to
 * downloadArchive or downloadFile as `at`, they do not look it up again.
 */
export function resolveContainerPath(rt: Runtime, room: string, ref: string, p: string, signal?: AbortSignal): Promise<ContainerPath> {
  return resolvePath(rt, room, ref, p, signal);
}

/** Unpacks a zip or tar (gzip'd or not) from the host into a host directory through the archive guard, all or nothing. */
export async function extractArchiveFile(
  rt: Runtime,
  file: string,
  dir: ExtractTarget,
  opts: { signal?: AbortSignal; externalSymlinks?: 'refuse' | 'keep'; limits?: Partial<ArchiveLimits> } = {},
): Promise<ExtractResult> {
  if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) throw new NotFoundError(`no such archive "${file}"`);
  const limits = { ...(await archiveLimits(rt)), ...opts.limits };
  const rules = { foldCase: true, externalSymlinks: opts.externalSymlinks ?? 'refuse' } as const;
  // A file can be read twice: check every entry first (a bad archive is refused before one byte is written, and
  // fast), then unpack, checking again as it goes.
  await checkArchive(file, limits, opts.signal, rules);
  const target = typeof dir === 'string' ? extractTarget(rt, dir) : dir;
  try {
    return await extractEntries(fileEntries(file, limits), target, { limits, ...rules, signal: opts.signal });
  } finally {
    if (target !== dir && typeof target !== 'string') target.root.close();
  }
}
