// --image-mount: another image's files, read-only. Engines before 28 have no image mount type, so berth exports the
// image's filesystem once into <dataDir>/image-mounts/<image id> and bind-mounts that directory read-only.
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { tarEntries, type ArchiveEntry, extractEntries, archiveLimits } from '../files/index.js';
import { ensureImage } from '../containers/index.js';
import { LABEL, type Runtime } from '../core/index.js';

/**
 * The export of a created container holds the device nodes dockerd puts in /dev (console, ...): they are not the
 * image's files and the guard refuses device entries, so they are dropped here, before the guard sees them.
 */
async function* withoutSpecialFiles(entries: AsyncIterable<ArchiveEntry>): AsyncGenerator<ArchiveEntry> {
  for await (const e of entries) {
    if (e.type === 'other') {
      e.body?.resume?.();
      continue;
    }
    yield e;
  }
}

/**
 * The host directory holding the image's files (exported on first use, then reused by image id). A missing image is
 * pulled with the stored login, and the room holds it, as when a container of the room pulls it.
 */
export async function imageMountSource(rt: Runtime, room: string, image: string, signal?: AbortSignal): Promise<string> {
  const engine = await rt.engine();
  await ensureImage(engine, image, { signal }, rt.env, { rt, room });
  const info = await engine.call(`inspect image ${image}`, (d) => d.getImage(image).inspect());
  const dir = path.join(rt.paths.dataDir, 'image-mounts', info.Id.replace(/^sha256:/, ''));
  if (fs.existsSync(dir)) return dir;
  const tmp = `${dir}.${process.pid}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(tmp), { recursive: true });
  const limits = await archiveLimits(rt);
  // Created, never started: only its filesystem is read.
  const container = await engine.call(`create container from ${image}`, (d) =>
    d.createContainer({
      Image: image,
      Cmd: ['/berth-image-mount'],
      Labels: { [LABEL.kind]: 'image-mount', [LABEL.managed]: 'true' },
      HostConfig: { NetworkMode: 'none', LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '1' } } },
    }),
  );
  try {
    const stream = (await engine.call(`export ${image}`, () => container.export())) as Readable;
    // The files module's guarded extraction (what `container download --extract` uses): no `..`, no absolute names,
    // nothing written through a symlink, hardlinks only to earlier files (copied), no setuid/setgid, no chown, the
    // files.* caps. Symlinks are kept as links even when absolute (`/bin/sh -> /bin/busybox` is how images are
    // made): they resolve inside the service container, and berth never follows them on the host.
    await extractEntries(withoutSpecialFiles(tarEntries(stream, { limits })), tmp, { limits, foldCase: false, externalSymlinks: 'keep', signal });
    try {
      fs.renameSync(tmp, dir);
    } catch (err) {
      // Another deploy exported the same image first: keep its copy.
      if (!fs.existsSync(dir)) throw err;
    }
    return dir;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    await container.remove({ force: true }).catch(() => {});
  }
}
