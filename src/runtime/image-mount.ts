// --image-mount: another image's files, read-only. Engines before 28 have no image mount type, so berth exports the
// image's filesystem once into <dataDir>/image-mounts/<image id> and bind-mounts that directory read-only.
import fs from 'node:fs';
import path from 'node:path';
import { ensureImage } from './container-create.js';
import { LABEL } from './labels.js';
import type { Runtime } from './runtime.js';

const KEPT_TYPES = new Set(['file', 'directory', 'symlink', 'link']);

/** The host directory holding the image's files (exported on first use, then reused by image id). */
export async function imageMountSource(rt: Runtime, image: string, signal?: AbortSignal): Promise<string> {
  const engine = await rt.engine();
  await ensureImage(engine, image, { signal });
  const info = await engine.call(`inspect image ${image}`, (d) => d.getImage(image).inspect());
  const dir = path.join(rt.paths.dataDir, 'image-mounts', info.Id.replace(/^sha256:/, ''));
  if (fs.existsSync(dir)) return dir;
  const tmp = `${dir}.${process.pid}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
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
    const stream = (await engine.call(`export ${image}`, () => container.export())) as NodeJS.ReadableStream;
    const { default: tarFs } = await import('tar-fs');
    await new Promise<void>((resolve, reject) => {
      // Device nodes and fifos are skipped; tar-fs refuses entries and link targets that leave the directory.
      const extract = tarFs.extract(tmp, { ignore: (_name, header) => !KEPT_TYPES.has(header?.type ?? "file") });
      extract.on('finish', resolve);
      extract.on('error', reject);
      stream.on('error', reject);
      stream.pipe(extract);
    });
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
