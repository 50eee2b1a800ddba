// Reading tar/zip archives as one stream of entries, and the guard every archive berth unpacks or forwards passes:
// no `..`, no absolute names, no devices, hardlinks only to earlier files, no writes through symlinks, symlinks
// kept inside, no case/Unicode collisions, capped entries, bytes and compression ratio.
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { BerthError } from '../core/index.js';

export interface ArchiveLimits {
  /** Entries (files, dirs, links) one archive may hold. */
  maxEntries: number;
  /** Total uncompressed bytes one archive may unpack to. */
  maxBytes: number;
  /** Uncompressed/compressed ratio past which a compressed entry, a whole zip or a gzip stream is taken for a bomb. */
  maxRatio: number;
}

export const defaultArchiveLimits: ArchiveLimits = { maxEntries: 50_000, maxBytes: 16 * 1024 ** 3, maxRatio: 500 };

export type EntryType = 'file' | 'directory' | 'symlink' | 'link' | 'other';

export interface ArchiveEntry {
  /** The name as the archive spells it. */
  name: string;
  type: EntryType;
  /** The archive's own word for the type (for messages: character-device, fifo, ...). */
  rawType: string;
  /** Declared uncompressed size. */
  size: number;
  mode: number;
  mtime?: Date;
  /** Symlink target, or the earlier entry a hardlink names. */
  linkname?: string;
  /** Compressed size (zip entries), for the ratio check. */
  compressedSize?: number;
  /** The entry's data (files only); must be read or drained before the next entry. */
  body?: AsyncIterable<Buffer> & { resume?: () => void };
}

/** An archive refused for safety: exit code 6 (denied), one line naming the entry and the rule. */
export class ArchiveRefusedError extends BerthError {
  constructor(message: string) {
    super(`archive refused: ${message}`, 'denied');
    this.name = 'ArchiveRefusedError';
  }
}

export interface GuardOptions {
  limits: ArchiveLimits;
  /** Symlinks whose target leaves the root: refused (default), or kept as links (never written through). */
  externalSymlinks?: 'refuse' | 'keep';
  /** Refuse names that collide by case or Unicode normalisation (a case-insensitive target would merge them). */
  foldCase?: boolean;
  /** Turns an archive name into the path berth writes (e.g. strips docker's top-level directory); '' = the root. */
  rename?: (normalised: string) => string | null;
}

export interface CheckedEntry {
  /** Relative POSIX path under the root ('' is the root itself). */
  rel: string;
  entry: ArchiveEntry;
  /** For hardlinks: the relative path of the earlier file it copies. */
  linkTarget?: string;
}

/**
 * Checks entries one by one, in archive order, remembering what earlier entries made (symlinks, files, dirs), so
 * a symlink created by entry 3 cannot be written through by entry 9. Throws ArchiveRefusedError.
 */
export class EntryGuard {
  entries = 0;
  declaredBytes = 0;
  readBytes = 0;
  /** Bytes read from compressed (zip) entries and their compressed sizes, for the archive's ratio. */
  private expandedBytes = 0;
  private compressedBytes = 0;
  private readonly ratioCounted = new WeakSet<ArchiveEntry>();
  private readonly kinds = new Map<string, { spelling: string; type: EntryType }>();
  private readonly opts: Required<Omit<GuardOptions, 'rename'>> & Pick<GuardOptions, 'rename'>;

  constructor(opts: GuardOptions) {
    this.opts = { externalSymlinks: 'refuse', foldCase: true, ...opts };
  }

  private key(p: string): string {
    return this.opts.foldCase ? p.normalize('NFC').toLowerCase() : p;
  }

  /** The checked relative path, or null for an entry that names the root itself. */
  check(entry: ArchiveEntry): CheckedEntry | null {
    const { limits } = this.opts;
    if (++this.entries > limits.maxEntries) {
      throw new ArchiveRefusedError(`more than ${limits.maxEntries} entries (the files.maxEntries setting)`);
    }
    let rel = normaliseName(entry.name);
    if (this.opts.rename) {
      const renamed = this.opts.rename(rel);
      if (renamed === null) return null;
      rel = renamed;
    }
    if (rel === '') {
      if (entry.type !== 'directory') throw new ArchiveRefusedError(`entry "${printable(entry.name)}" is a ${entry.rawType} where the root directory must be`);
      return null;
    }
    if (entry.type === 'other') throw new ArchiveRefusedError(`entry "${printable(entry.name)}" is a ${entry.rawType}: device files, fifos and sockets are not unpacked`);
    if (entry.type === 'file' || entry.type === 'link') {
      this.declaredBytes += entry.size;
      if (this.declaredBytes > limits.maxBytes) throw tooBig(limits);
    }
    const parts = rel.split('/');
    // Every parent must be a directory this archive made (or will make implicitly): never a symlink, never a file.
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      const known = this.kinds.get(this.key(prefix));
      if (known && known.spelling !== prefix) throw collision(entry.name, known.spelling);
      if (known?.type === 'symlink') throw new ArchiveRefusedError(`entry "${printable(entry.name)}" would be written through the symlink "${printable(prefix)}"`);
      if (known && known.type !== 'directory') throw new ArchiveRefusedError(`entry "${printable(entry.name)}" is inside "${printable(prefix)}", which is not a directory`);
      if (!known) this.kinds.set(this.key(prefix), { spelling: prefix, type: 'directory' });
    }
    const known = this.kinds.get(this.key(rel));
    if (known) {
      if (known.spelling !== rel) throw collision(entry.name, known.spelling);
      if (!(known.type === 'directory' && entry.type === 'directory')) {
        throw new ArchiveRefusedError(`entry "${printable(entry.name)}" appears twice in the archive`);
      }
    }
    let linkTarget: string | undefined;
    if (entry.type === 'symlink') {
      const target = entry.linkname ?? '';
      if (!target) throw new ArchiveRefusedError(`symlink "${printable(entry.name)}" has no target`);
      if (this.opts.externalSymlinks === 'refuse' && !symlinkStaysInside(rel, target)) {
        throw new ArchiveRefusedError(`symlink "${printable(entry.name)}" -> "${printable(target)}" points outside the target directory`);
      }
    } else if (entry.type === 'link') {
      const target = this.opts.rename ? this.opts.rename(normaliseName(entry.linkname ?? '')) : normaliseName(entry.linkname ?? '');
      const source = target ? this.kinds.get(this.key(target)) : undefined;
      if (!target || source?.type !== 'file' || source.spelling !== target) {
        throw new ArchiveRefusedError(`hardlink "${printable(entry.name)}" -> "${printable(entry.linkname ?? '')}" does not name an earlier file of the archive`);
      }
      linkTarget = target;
    }
    this.kinds.set(this.key(rel), { spelling: rel, type: entry.type === 'link' ? 'file' : entry.type });
    return { rel, entry, ...(linkTarget ? { linkTarget } : {}) };
  }

  /** Counts bytes actually read from an entry's data: the caps hold even when a size header lies. */
  count(entry: ArchiveEntry, readSoFar: number, chunk: number): void {
    const { limits } = this.opts;
    this.readBytes += chunk;
    if (this.readBytes > limits.maxBytes) throw tooBig(limits);
    if (readSoFar > entry.size && entry.compressedSize !== undefined) {
      throw new ArchiveRefusedError(`entry "${printable(entry.name)}" holds more data than its header says`);
    }
    if (entry.compressedSize === undefined) return;
    if (readSoFar > 1024 * 1024 && readSoFar / Math.max(1, entry.compressedSize) > limits.maxRatio) {
      throw new ArchiveRefusedError(`entry "${printable(entry.name)}" expands more than ${limits.maxRatio} times (a decompression bomb?; the files.maxRatio setting)`);
    }
    // The whole archive too: many entries each under the per-entry floor (200 x 1 MiB of zeros in a 223 KB zip)
    // passed the check above. Past a floor, so a small archive of very compressible files is never refused.
    if (!this.ratioCounted.has(entry)) (this.ratioCounted.add(entry), (this.compressedBytes += entry.compressedSize));
    this.expandedBytes += chunk;
    if (this.expandedBytes > ARCHIVE_RATIO_FLOOR && this.expandedBytes / Math.max(1, this.compressedBytes) > limits.maxRatio) {
      throw new ArchiveRefusedError(`the archive expands more than ${limits.maxRatio} times its compressed size (a decompression bomb?; the files.maxRatio setting)`);
    }
  }
}

/** Expanded bytes below which an archive's overall ratio is not checked. */
const ARCHIVE_RATIO_FLOOR = 16 * 1024 * 1024;

function tooBig(limits: ArchiveLimits): ArchiveRefusedError {
  return new ArchiveRefusedError(`it unpacks to more than ${limits.maxBytes} bytes (the files.maxBytes setting)`);
}

function collision(name: string, earlier: string): ArchiveRefusedError {
  return new ArchiveRefusedError(`entry "${printable(name)}" collides with "${printable(earlier)}" by case or Unicode normalisation`);
}

/** Control characters in a hostile name must not reach the terminal. */
export function printable(name: string): string {
  const cut = name.length > 200 ? `${name.slice(0, 200)}...` : name;
  // eslint-disable-next-line no-control-regex
  return cut.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/**
 * An archive name as a relative POSIX path: `./` and empty components dropped, trailing `/` dropped. Absolute
 * names, drive letters, backslashes, NUL and any `..` component are refused.
 */
export function normaliseName(name: string): string {
  if (name.includes('\0')) throw new ArchiveRefusedError(`entry "${printable(name)}" has a NUL in its name`);
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw new ArchiveRefusedError(`entry "${printable(name)}" has an absolute path`);
  if (name.includes('\\')) throw new ArchiveRefusedError(`entry "${printable(name)}" has a backslash in its name`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new ArchiveRefusedError(`entry "${printable(name)}" has a ".." path component`);
  return parts.join('/');
}

/**
 * A symlink stays inside when its target is relative and its `..` components all come first, no more of them than
 * the link is deep. Parents are real directories (the guard refuses paths through symlinks) and every symlink
 * followed after the leading `..` is itself inside, so the target cannot leave the root however links chain.
 */
export function symlinkStaysInside(rel: string, target: string): boolean {
  if (target.startsWith('/') || target.includes('\\') || target.includes('\0')) return false;
  const depth = rel.split('/').length - 1;
  const parts = target.split('/').filter((p) => p !== '' && p !== '.');
  let ups = 0;
  while (ups < parts.length && parts[ups] === '..') ups++;
  if (parts.slice(ups).includes('..')) return false;
  return ups <= depth;
}

// ---------------------------------------------------------------------------------------------------------------
// Readers

export type ArchiveFormat = 'tar' | 'tar.gz' | 'zip';

/** Tells a zip from a (gzip'd) tar by its first bytes. */
export function sniffFormat(head: Buffer): ArchiveFormat {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 0x03 || head[2] === 0x05) && (head[3] === 0x04 || head[3] === 0x06)) return 'zip';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tar.gz';
  return 'tar';
}

export function sniffFile(file: string): ArchiveFormat {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(8);
    const n = fs.readSync(fd, head, 0, 8, 0);
    return sniffFormat(head.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
}

function tarType(type: string | null | undefined): EntryType {
  switch (type) {
    case 'file':
    case 'contiguous-file':
    case undefined:
    case null:
      return 'file';
    case 'directory':
      return 'directory';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'link';
    default:
      return 'other';
  }
}

/** The entries of a tar stream (gzip'd when format says so), each body streamed: memory stays bounded. */
export async function* tarEntries(input: Readable, opts: { gzip?: boolean; limits?: ArchiveLimits } = {}): AsyncGenerator<ArchiveEntry> {
  const { default: tar } = await import('tar-stream');
  const extract = tar.extract();
  let source: Readable = input;
  if (opts.gzip) {
    const zlib = await import('node:zlib');
    const gunzip = zlib.createGunzip();
    let inBytes = 0;
    let outBytes = 0;
    const maxRatio = opts.limits?.maxRatio ?? defaultArchiveLimits.maxRatio;
    input.on('data', (c: Buffer) => (inBytes += c.length));
    gunzip.on('data', (c: Buffer) => {
      outBytes += c.length;
      if (outBytes > 1024 * 1024 && outBytes / Math.max(1, inBytes) > maxRatio) {
        extract.destroy(new ArchiveRefusedError(`the gzip stream expands more than ${maxRatio} times (a decompression bomb?; the files.maxRatio setting)`));
      }
    });
    input.on('error', (e) => gunzip.destroy(e));
    source = input.pipe(gunzip);
  }
  source.on('error', (e) => extract.destroy(e));
  source.pipe(extract as unknown as NodeJS.WritableStream);
  try {
    for await (const stream of extract) {
      const h = stream.header;
      yield {
        name: h.name,
        type: tarType(h.type),
        rawType: h.type ?? 'file',
        size: h.size ?? 0,
        mode: h.mode ?? 0o644,
        mtime: h.mtime,
        linkname: h.linkname ?? undefined,
        body: tarType(h.type) === 'file' ? tarBody(stream as unknown as AsyncIterable<Buffer>) : undefined,
      };
      stream.resume();
    }
  } catch (err) {
    throw err instanceof BerthError ? err : new ArchiveRefusedError(`not a readable tar archive: ${(err as Error).message}`);
  } finally {
    source.unpipe?.();
    input.destroy();
  }
}

/** A tar entry's data; a stream that ends early (its size header lied) is a refused archive, not a crash. */
async function* tarBody(stream: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream) yield chunk;
  } catch (err) {
    throw err instanceof BerthError ? err : new ArchiveRefusedError(`not a readable tar archive: ${(err as Error).message}`);
  }
}

const S_IFMT = 0o170000;

/**
 * The entries of a zip file (random access, so read from a file, never buffered whole). With `headersOnly`, file
 * entries come without a body and their data is not read (symlink targets still are: they are the entry).
 */
export async function* zipEntries(file: string, limits: ArchiveLimits, opts: { headersOnly?: boolean } = {}): AsyncGenerator<ArchiveEntry> {
  const mod = await import('yauzl');
  const yauzl = ((mod as { openPromise?: unknown }).openPromise ? mod : (mod as unknown as { default: typeof mod }).default) as typeof mod;
  let zip: import('yauzl').ZipFile;
  try {
    zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: true, decodeStrings: true });
  } catch (err) {
    throw new ArchiveRefusedError(`not a readable zip archive: ${(err as Error).message}`);
  }
  try {
    if (zip.entryCount > limits.maxEntries) throw new ArchiveRefusedError(`more than ${limits.maxEntries} entries (the files.maxEntries setting)`);
    const iterator = zip.eachEntry();
    while (true) {
      let next: IteratorResult<import('yauzl').Entry>;
      try {
        next = await iterator.next();
      } catch (err) {
        throw new ArchiveRefusedError(`${(err as Error).message}`);
      }
      if (next.done) break;
      const e = next.value;
      const unixMode = (e.externalFileAttributes >>> 16) & 0xffff;
      const fmt = unixMode & S_IFMT;
      const isDir = e.fileName.endsWith('/') || fmt === 0o040000;
      let type: EntryType = isDir ? 'directory' : 'file';
      let rawType = isDir ? 'directory' : 'file';
      if (!isDir && fmt === 0o120000) (type = 'symlink'), (rawType = 'symlink');
      else if (!isDir && fmt !== 0 && fmt !== 0o100000) (type = 'other'), (rawType = fmt === 0o020000 ? 'character-device' : fmt === 0o060000 ? 'block-device' : fmt === 0o010000 ? 'fifo' : 'special file');
      if (e.isEncrypted()) throw new ArchiveRefusedError(`entry "${printable(e.fileName)}" is encrypted`);
      const mode = unixMode & 0o7777 || (isDir ? 0o755 : 0o644);
      const base: ArchiveEntry = { name: e.fileName, type, rawType, size: e.uncompressedSize, mode, mtime: e.getLastModDate(), compressedSize: e.compressedSize };
      if (type === 'symlink') {
        if (e.uncompressedSize > 4096) throw new ArchiveRefusedError(`symlink "${printable(e.fileName)}" has a target longer than 4096 bytes`);
        const chunks: Buffer[] = [];
        for await (const c of await zip.openReadStreamPromise(e)) chunks.push(c as Buffer);
        yield { ...base, linkname: Buffer.concat(chunks).toString('utf8'), size: 0 };
      } else if (type === 'file' && opts.headersOnly) {
        yield base;
      } else if (type === 'file') {
        const stream = await zip.openReadStreamPromise(e).catch((err: Error) => {
          throw new ArchiveRefusedError(`entry "${printable(e.fileName)}": ${err.message}`);
        });
        // A body the consumer skips is drained by resume(); a lie it then finds (more bytes than the header said)
        // must not become an uncaught 'error'. A consumer that reads the body still gets the error from wrapZipErrors.
        stream.on('error', () => {});
        const wrapped = wrapZipErrors(stream, e.fileName);
        yield { ...base, body: wrapped };
        stream.resume();
      } else {
        yield base;
      }
    }
  } finally {
    zip.close();
  }
}

async function* wrapZipErrors(stream: Readable, name: string): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (err) {
    throw err instanceof BerthError ? err : new ArchiveRefusedError(`entry "${printable(name)}": ${(err as Error).message}`);
  }
}

/** The entries of an archive file, whatever its format. */
export function fileEntries(file: string, limits: ArchiveLimits): AsyncGenerator<ArchiveEntry> {
  const format = sniffFile(file);
  if (format === 'zip') return zipEntries(file, limits);
  return tarEntries(fs.createReadStream(file), { gzip: format === 'tar.gz', limits });
}

/** Reads an entry's body through the guard's byte counting; the caller writes each chunk. */
export async function* guardedBody(guard: EntryGuard, entry: ArchiveEntry): AsyncGenerator<Buffer> {
  if (!entry.body) return;
  let read = 0;
  for await (const chunk of entry.body) {
    read += chunk.length;
    guard.count(entry, read, chunk.length);
    yield chunk;
  }
}

/** Drains an entry's body (counting it), for the validation pass of an upload. */
export async function drainBody(guard: EntryGuard, entry: ArchiveEntry): Promise<number> {
  let n = 0;
  for await (const chunk of guardedBody(guard, entry)) n += chunk.length;
  return n;
}

export function posixJoin(...parts: string[]): string {
  return path.posix.join(...parts);
}

/**
 * Every rule that a zip's central directory decides, before its data is read: names, types, links, entry count,
 * declared sizes, and the ratios (per entry and of the whole archive, in archive order) of the declared sizes to the
 * compressed ones. The data read later is held to those declared sizes (yauzl validates them), so a bomb is refused
 * here; what is left for the read itself is data that disagrees with its header, or a corrupt stream.
 */
export async function checkZipHeaders(file: string, limits: ArchiveLimits, rules: Omit<GuardOptions, 'limits'> = {}): Promise<{ entries: number; bytes: number }> {
  const guard = new EntryGuard({ limits, ...rules });
  let expanded = 0;
  let compressed = 0;
  for await (const entry of zipEntries(file, limits, { headersOnly: true })) {
    if (!guard.check(entry) || entry.type !== 'file') continue;
    const packed = Math.max(1, entry.compressedSize ?? entry.size);
    if (entry.size > 1024 * 1024 && entry.size / packed > limits.maxRatio) {
      throw new ArchiveRefusedError(`entry "${printable(entry.name)}" expands more than ${limits.maxRatio} times (a decompression bomb?; the files.maxRatio setting)`);
    }
    expanded += entry.size;
    compressed += entry.compressedSize ?? entry.size;
    if (expanded > ARCHIVE_RATIO_FLOOR && expanded / Math.max(1, compressed) > limits.maxRatio) {
      throw new ArchiveRefusedError(`the archive expands more than ${limits.maxRatio} times its compressed size (a decompression bomb?; the files.maxRatio setting)`);
    }
  }
  return { entries: guard.entries, bytes: guard.declaredBytes };
}
