// The tar an upload sends, written straight into the engine's request: ustar headers (a PAX record for a name or
// link that does not fit or is not ASCII), host files read into a few reused buffers, each used again once the
// request has handed it to the socket. No per-chunk allocation, and no stream between the file and the socket.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Readable } from 'node:stream';

export interface TarHeader {
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'link';
  mode: number;
  mtime: Date;
  /** Data bytes (files only). */
  size: number;
  linkname?: string;
}

const BLOCK = 512;
/** Host files are read in chunks this large, into POOL buffers that go round. */
const CHUNK = 1024 * 1024;
const POOL = 4;
/** Files up to this size go out as one write with their header and padding. */
const SMALL = 64 * 1024;
const END = Buffer.alloc(2 * BLOCK);
const ZEROS = Buffer.alloc(BLOCK);

/** The request ended (the engine answered or the connection went) before the tar was written: its error is the engine's. */
export class RequestClosedError extends Error {
  constructor() {
    super('the engine closed the upload before it was sent');
    this.name = 'RequestClosedError';
  }
}

/** A file's size at read time differs from the size its header announced. */
export class SizeChangedError extends Error {
  constructor(readonly read: number) {
    super('size changed');
    this.name = 'SizeChangedError';
  }
}

/**
 * The request body. docker-modem sends a stream body by piping it into its request (`body.pipe(req)`), so that is
 * where the writer gets hold of the request: the tar is then written into it with write callbacks, which say when a
 * buffer may be reused. Destroying the body (a refused entry, a source that failed) cuts the request, as a piped
 * stream's error does.
 */
export class TarUpload extends Readable {
  sent = 0;
  private dest?: NodeJS.WritableStream;
  private attached: Promise<NodeJS.WritableStream>;
  private attach!: (dest: NodeJS.WritableStream) => void;
  private detach!: (err: Error) => void;
  private readonly free: Buffer[] = [];
  private made = 0;
  private freed?: () => void;

  constructor(private readonly onSent?: (sent: number) => void) {
    super();
    this.attached = new Promise((resolve, reject) => ((this.attach = resolve), (this.detach = reject)));
    this.attached.catch(() => {});
    // A destroyed body's error is reported by whoever destroyed it (the upload), not as an uncaught 'error'.
    this.on('error', () => {});
  }

  override _read(): void {
    // Never read: the tar goes into the request given to pipe().
  }

  override pipe<T extends NodeJS.WritableStream>(dest: T): T {
    this.dest = dest;
    this.attach(dest);
    return dest;
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.detach(err ?? new RequestClosedError());
    this.freed?.();
    cb(err);
  }

  /** Writes a chunk; resolves once the request can take more. `release` runs when the chunk's bytes are no longer needed. */
  private async put(chunk: Buffer, release?: () => void): Promise<void> {
    const dest = this.dest ?? (await this.attached);
    if (this.destroyed || (dest as { destroyed?: boolean }).destroyed) throw new RequestClosedError();
    this.sent += chunk.length;
    this.onSent?.(this.sent);
    if (dest.write(chunk, release && (() => release()))) return;
    if (this.destroyed || (dest as { destroyed?: boolean }).destroyed) throw new RequestClosedError();
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        dest.removeListener('drain', drained).removeListener('close', closed).removeListener('error', closed);
        this.removeListener('close', closed);
        if (err) reject(err);
        else resolve();
      };
      const drained = () => done();
      const closed = () => done(new RequestClosedError());
      dest.on('drain', drained).on('close', closed).on('error', closed);
      this.on('close', closed);
    });
  }

  /** A pool buffer, once one is free (they come back when the socket has taken their bytes). */
  private async buffer(): Promise<Buffer> {
    for (;;) {
      const b = this.free.pop();
      if (b) return b;
      if (this.made < POOL) {
        this.made++;
        return Buffer.allocUnsafeSlow(CHUNK);
      }
      if (this.destroyed) throw new RequestClosedError();
      await new Promise<void>((resolve) => (this.freed = resolve));
      this.freed = undefined;
    }
  }

  private give(b: Buffer): () => void {
    return () => {
      this.free.push(b);
      this.freed?.();
    };
  }

  /** A directory, symlink or hardlink entry (no data). */
  async entry(h: TarHeader): Promise<void> {
    await this.put(encodeHeader({ ...h, size: 0 }));
  }

  /** A file entry whose data is in memory. */
  async data(h: TarHeader, data: Buffer): Promise<void> {
    await this.put(encodeHeader({ ...h, size: data.length }));
    if (data.length) await this.put(data);
    await this.pad(data.length);
  }

  /**
   * A file entry whose data comes from a stream or iterable; `check` sees each chunk's running total first. The
   * chunks (64 KiB or less from a socket) are copied into the pool buffers and go out 1 MiB at a time: one write to
   * the engine's socket where there were sixteen.
   */
  async stream(h: TarHeader, source: AsyncIterable<Buffer>, check: (written: number) => void): Promise<void> {
    await this.put(encodeHeader(h));
    let written = 0;
    let b: Buffer | undefined;
    let filled = 0;
    try {
      for await (const chunk of source) {
        written += chunk.length;
        check(written);
        for (let off = 0; off < chunk.length; ) {
          b ??= await this.buffer();
          const n = chunk.copy(b, filled, off);
          off += n;
          filled += n;
          if (filled < b.length) continue;
          const full = b;
          b = undefined;
          filled = 0;
          await this.put(full, this.give(full));
        }
      }
    } catch (err) {
      if (b) this.give(b)();
      throw err;
    }
    if (b) await this.put(b.subarray(0, filled), this.give(b));
    if (written !== h.size) throw new SizeChangedError(written);
    await this.pad(h.size);
  }

  /**
   * A host file, read from its path at its header's size. A file that has more or fewer bytes than that when read
   * is a SizeChangedError (with what was read, or size + 1 for one that grew): the tar is left cut, for the caller to abort.
   */
  async file(h: TarHeader, file: string): Promise<void> {
    const fd = await new Promise<number>((resolve, reject) => fs.open(file, 'r', (err, fd) => (err ? reject(err) : resolve(fd))));
    try {
      await this.fileFd(h, fd);
    } finally {
      fs.close(fd, () => {});
    }
  }

  /** A host file already open (a descriptor the caller holds and closes), read from its start as file() reads. */
  async fileFd(h: TarHeader, fd: number): Promise<void> {
    if (h.size <= SMALL) {
      // Header, data and padding in one write; one byte more is asked for, to see a file that grew.
      // (A header with a PAX record is more than one block.)
      const header = encodeHeader(h);
      const padded = Math.ceil(h.size / BLOCK) * BLOCK;
      const out = Buffer.allocUnsafe(header.length + padded + 1);
      header.copy(out, 0);
      const n = await readFull(fd, out, header.length, h.size + 1);
      if (n !== h.size) throw new SizeChangedError(n);
      out.fill(0, header.length + h.size);
      await this.put(out.subarray(0, header.length + padded));
      return;
    }
    await this.put(encodeHeader(h));
    let left = h.size;
    while (left > 0) {
      const b = await this.buffer();
      let n: number;
      try {
        // The last read asks for one byte more, to see a file that grew.
        n = await readFull(fd, b, 0, Math.min(CHUNK, left + 1));
      } catch (err) {
        this.give(b)();
        throw err;
      }
      if (n > left || (n < CHUNK && n < left)) {
        this.give(b)();
        throw new SizeChangedError(h.size - left + n);
      }
      left -= n;
      await this.put(b.subarray(0, n), this.give(b));
    }
    await this.pad(h.size);
  }

  /** The end-of-archive blocks, then the end of the request. */
  async finish(): Promise<void> {
    await this.put(END);
    this.dest!.end();
  }

  private async pad(size: number): Promise<void> {
    const rest = size % BLOCK;
    if (rest) await this.put(ZEROS.subarray(0, BLOCK - rest));
  }
}

/** Reads until `want` bytes or the end of the file; the count read. */
async function readFull(fd: number, b: Buffer, offset: number, want: number): Promise<number> {
  let got = 0;
  while (got < want) {
    const n = await new Promise<number>((resolve, reject) => fs.read(fd, b, offset + got, want - got, null, (err, n) => (err ? reject(err) : resolve(n))));
    if (n === 0) break;
    got += n;
  }
  return got;
}

// ---------------------------------------------------------------------------------------------------------------
// Headers: tar-stream's own encoder (its headers.js, which its pack uses; the package's export map does not name it,
// so it is required by path from the installed package), with a PAX record where ustar cannot hold the name or link,
// as its pack writes it. Loaded on the first header: commands that never upload do not pay for it.

interface HeaderFields {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: Date;
  type: string;
  linkname?: string;
}
interface TarStreamHeaders {
  encode(h: HeaderFields): Buffer | null;
  encodePax(h: { name: string; linkname?: string }): Buffer;
}
let tarHeaders: TarStreamHeaders | undefined;
function headers(): TarStreamHeaders {
  if (!tarHeaders) {
    const load = createRequire(import.meta.url);
    tarHeaders = load(path.join(path.dirname(load.resolve('tar-stream')), 'headers.js')) as TarStreamHeaders;
  }
  return tarHeaders;
}

/** A header block, preceded by a PAX header and record when the name or link does not fit ustar or is not ASCII. */
export function encodeHeader(h: TarHeader): Buffer {
  const fields: HeaderFields = { name: h.name, mode: h.mode, uid: 0, gid: 0, size: h.size, mtime: h.mtime, type: h.type, linkname: h.linkname };
  const plain = headers().encode(fields);
  if (plain) return plain;
  const record = headers().encodePax({ name: h.name, linkname: h.linkname });
  const rest = record.length % BLOCK;
  const pax = { ...fields, name: 'PaxHeader', linkname: h.linkname && 'PaxHeader' };
  return Buffer.concat([
    headers().encode({ ...pax, size: record.length, type: 'pax-header' })!,
    record,
    ZEROS.subarray(0, rest ? BLOCK - rest : 0),
    headers().encode(pax)!,
  ]);
}
