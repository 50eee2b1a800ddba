// The upload's own tar headers are the bytes tar-stream wrote for the same entries (the writer replaced its pack):
// plain ustar, a name split into prefix and name, PAX records for long or non-ASCII names and links.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import tar from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeHeader, SizeChangedError, TarUpload, type TarHeader } from '../../src/runtime/engine/tar-upload.js';

async function packed(h: TarHeader): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c) => void chunks.push(c as Buffer));
  const ended = new Promise<void>((r) => pack.on('end', () => r()));
  if (h.type === 'file') pack.entry({ ...h, uid: 0, gid: 0 }, Buffer.alloc(h.size));
  else pack.entry({ ...h, uid: 0, gid: 0 });
  pack.finalize();
  await ended;
  const all = Buffer.concat(chunks);
  // The header blocks: everything before the data and the two end blocks.
  return all.subarray(0, all.length - 1024 - Math.ceil(h.size / 512) * 512);
}

const mtime = new Date(1_700_000_000_123);
const cases: TarHeader[] = [
  { name: 'a/b.txt', type: 'file', mode: 0o644, mtime, size: 5 },
  { name: 'empty', type: 'file', mode: 0o600, mtime, size: 0 },
  { name: 'dir', type: 'directory', mode: 0o755, mtime, size: 0 },
  { name: 'ünïcødé 日本語 🚢', type: 'directory', mode: 0o755, mtime, size: 0 },
  { name: 'ünïcødé 日本語 🚢/café.txt', type: 'file', mode: 0o644, mtime, size: 8 },
  { name: 'link-to-dir', type: 'symlink', mode: 0o777, mtime, size: 0, linkname: 'ünïcødé 日本語 🚢' },
  { name: 'link-to-file', type: 'symlink', mode: 0o777, mtime, size: 0, linkname: 'bin/random.bin' },
  { name: `${'x/'.repeat(80)}f`, type: 'file', mode: 0o600, mtime, size: 1 },
  { name: 'y'.repeat(120), type: 'link', mode: 0o600, mtime, size: 0, linkname: 'z'.repeat(120) },
  { name: 'big', type: 'file', mode: 0o644, mtime, size: 9 * 1024 ** 3 },
];

describe('tar headers', () => {
  it.each(cases.map((h) => [h.name.slice(0, 30), h] as const))('%s', async (_, h) => {
    if (h.size > 1024 ** 3) {
      // Too big to pack for real: the size field alone (base-256 past 8 GiB), read back by tar-stream.
      const extract = tar.extract();
      const seen = new Promise<number | undefined>((resolve) => extract.on('entry', (header, stream) => (resolve(header.size), stream.resume())));
      extract.write(encodeHeader(h));
      expect(await seen).toBe(h.size);
      extract.destroy();
      return;
    }
    expect(encodeHeader(h).equals(await packed(h))).toBe(true);
  });
});

/** Every entry's data of a tar, read back by tar-stream, one after another. */
async function unpacked(t: Buffer): Promise<Buffer> {
  const extract = tar.extract();
  const out: Buffer[] = [];
  extract.on('entry', (_h, stream, next) => {
    stream.on('data', (c) => void out.push(c as Buffer));
    stream.on('end', () => next());
  });
  const done = new Promise<void>((r) => extract.on('finish', () => r()));
  extract.end(t);
  await done;
  return Buffer.concat(out);
}

describe('host files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-tar-writer-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Writes one host file entry announced at `size` through a TarUpload into memory; the tar, or the writer's error. */
  async function send(data: Buffer, size: number): Promise<Buffer | Error> {
    const file = path.join(dir, `f${size}-${data.length}`);
    fs.writeFileSync(file, data);
    const body = new TarUpload();
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
    body.pipe(sink);
    try {
      await body.file({ name: 'f', type: 'file', mode: 0o644, mtime: new Date(), size }, file);
      await body.finish();
      return Buffer.concat(chunks);
    } catch (err) {
      return err as Error;
    }
  }

  // Small files go out as one write with their header; large ones through the reused read buffers.
  for (const length of [0, 100, 70_000, 2 * 1024 * 1024 + 3]) {
    it(`${length} bytes arrive whole`, async () => {
      const data = randomBytes(length);
      const t = await send(data, length);
      expect(t).toBeInstanceOf(Buffer);
      expect((await unpacked(t as Buffer)).equals(data)).toBe(true);
    });
    it(`${length} bytes announced as one more or one less are refused`, async () => {
      const grew = await send(randomBytes(length + 1), length);
      expect(grew).toBeInstanceOf(SizeChangedError);
      expect((grew as SizeChangedError).read).toBe(length + 1);
      if (length) {
        const shrank = await send(randomBytes(length - 1), length);
        expect(shrank).toBeInstanceOf(SizeChangedError);
        expect((shrank as SizeChangedError).read).toBe(length - 1);
      }
    });
  }
});

describe('streamed entries', () => {
  it('chunks of any size arrive whole across the 1 MiB buffers; one byte more or less is refused', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 777);
    const chunks = (bytes: Buffer) => (async function* () {
      for (let off = 0, n = 1; off < bytes.length; off += n, n = (n * 7 + 13) % 70_000) yield bytes.subarray(off, off + n);
    })();
    const send = async (bytes: Buffer, size: number) => {
      const body = new TarUpload();
      const sink = new PassThrough();
      const out: Buffer[] = [];
      // Copies: the writer reuses its buffers once they are written.
      sink.on('data', (c: Buffer) => out.push(Buffer.from(c)));
      body.pipe(sink);
      await body.stream({ name: 's', type: 'file', mode: 0o644, mtime: new Date(), size }, chunks(bytes), () => {});
      await body.finish();
      return Buffer.concat(out);
    };
    expect((await unpacked(await send(data, data.length))).equals(data)).toBe(true);
    await expect(send(data, data.length - 1)).rejects.toBeInstanceOf(SizeChangedError);
    await expect(send(data, data.length + 1)).rejects.toBeInstanceOf(SizeChangedError);
  });
});
