// A build context as a tar stream read from disk one file at a time (never buffered whole), filtered by
// .dockerignore with Docker's own matching rules (@balena/dockerignore) and Docker's walk (an excluded directory
// is entered only when a `!` exception could re-include something inside it).
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { UsageError, ChangedUnderError, Dir } from '../core/index.js';
import { RequestClosedError, SizeChangedError, TarUpload, type TarHeader } from '../engine/index.js';

export interface ContextOptions {
  /** The context directory (absolute). */
  dir: string;
  /** The Dockerfile as a path relative to dir, or absolute when it lives outside the context. */
  dockerfile: string;
  signal?: AbortSignal;
  /**
   * For a context under room storage: the berth-owned directory above it and the components down to the context,
   * opened by descriptor (never resolved as a path a container could swap).
   */
  anchor?: { anchor: string; parts: string[] };
  /** Bytes of tar produced so far (called at most every 100 ms, and once at the end). */
  onProgress?: (bytes: number, files: number) => void;
}

export interface PackedContext {
  stream: Readable;
  /** The Dockerfile's name inside the tar (what the engine's `dockerfile` parameter names). */
  dockerfile: string;
  /** Resolves when the whole tar was produced, with its size; rejects when reading the context failed. */
  done: Promise<{ bytes: number; files: number }>;
}

interface Pattern {
  text: string;
  exclusion: boolean;
}

/** .dockerignore lines the way Docker reads them: trimmed, comments and blanks dropped, paths cleaned. */
export function readIgnorePatterns(dir: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, '.dockerignore'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new UsageError(`cannot read ${path.join(dir, '.dockerignore')}: ${(err as NodeJS.ErrnoException).code}`);
  }
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (raw.startsWith('#')) continue;
    let line = raw.trim();
    if (!line) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1).trim();
    if (!line) continue;
    line = path.posix.normalize(line.replace(/\\/g, '/'));
    if (line.length > 1 && line.startsWith('/')) line = line.slice(1);
    if (line.length > 1 && line.endsWith('/')) line = line.slice(0, -1);
    out.push(`${negate ? '!' : ''}${line}`);
  }
  return out;
}

export interface ContextFilter {
  /** True when the path (relative, "/"-separated) is left out of the context. */
  excluded(rel: string): boolean;
  /** For an excluded directory: whether an exception pattern could re-include something inside it. */
  mustEnter(rel: string): boolean;
}

/**
 * The filter Docker applies: the patterns, plus exceptions that keep the Dockerfile and .dockerignore in the context
 * even when a pattern excludes them (the engine needs both; it drops them from the image itself).
 */
export async function contextFilter(patterns: string[], dockerfile: string): Promise<ContextFilter> {
  // A CommonJS module whose types declare `export default`: under NodeNext that default is `module.exports.default`,
  // which the package also sets.
  const ignore = (await import('@balena/dockerignore')).default.default;
  const all = [...patterns];
  const probe = ignore({ ignorecase: false }).add(patterns);
  if (probe.ignores('.dockerignore')) all.push('!.dockerignore');
  if (!path.isAbsolute(dockerfile) && probe.ignores(dockerfile)) all.push(`!${dockerfile}`);
  const matcher = ignore({ ignorecase: false }).add(all);
  const parsed: Pattern[] = all.map((p) => (p.startsWith('!') ? { text: p.slice(1), exclusion: true } : { text: p, exclusion: false }));
  const exceptions = parsed.filter((p) => p.exclusion);
  return {
    excluded: (rel) => all.length > 0 && matcher.ignores(rel),
    // Docker's rule (moby archive.TarWithOptions): enter an excluded directory only when an exception pattern's text
    // starts with the directory's path.
    mustEnter: (rel) => exceptions.some((p) => `${p.text}/`.startsWith(`${rel}/`)),
  };
}

interface Found {
  rel: string;
  stat: fs.Stats;
  /** A directory's, or the file's parent, open while the entry is handled. */
  dir: Dir;
  name: string;
}

/**
 * Walks the context by descriptor (safe-fs): a directory a container swaps for a symlink while the walk runs (room
 * storage is mounted into the room's containers) is never followed, so no host file outside the context is read.
 */
async function* walk(dir: Dir, filter: ContextFilter, rel = ''): AsyncGenerator<Found> {
  let names: string[];
  try {
    names = dir.names();
  } catch (err) {
    throw new UsageError(`cannot read the build context at ${rel || '.'}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  for (const name of names) {
    // Relative to the context (a Dir opened below an anchor names itself from the anchor).
    const childRel = rel ? `${rel}/${name}` : name;
    let stat: fs.Stats | null;
    try {
      stat = dir.lstat(name);
    } catch (err) {
      throw new UsageError(`cannot read ${childRel} in the build context: ${(err as NodeJS.ErrnoException).code}`);
    }
    if (!stat) continue; // removed while walking
    const enter = async function* (): AsyncGenerator<Found> {
      const sub = dir.child(name);
      if (!sub) return;
      try {
        yield* walk(sub, filter, childRel);
      } finally {
        sub.close();
      }
    };
    if (filter.excluded(childRel)) {
      if (stat.isDirectory() && filter.mustEnter(childRel)) yield* enter();
      continue;
    }
    if (stat.isDirectory()) {
      yield { rel: childRel, stat, dir, name };
      yield* enter();
    } else if (stat.isFile() || stat.isSymbolicLink()) {
      yield { rel: childRel, stat, dir, name };
    }
    // Sockets, FIFOs and devices are left out, as docker does.
  }
}

/**
 * Packs a context directory into the tar the engine reads, written into its request as fast as the engine takes it
 * (the engine domain's TarUpload: a few reused 1 MiB buffers, no stream per file).
 */
export async function packContext(opts: ContextOptions): Promise<PackedContext> {
  const outside = path.isAbsolute(opts.dockerfile);
  const dockerfileName = outside ? `.dockerfile.${Math.random().toString(36).slice(2, 12)}` : opts.dockerfile;
  const filter = await contextFilter(readIgnorePatterns(opts.dir), opts.dockerfile);
  let bytes = 0;
  let files = 0;
  let lastReport = 0;
  const tar = new TarUpload((sent) => {
    bytes = sent;
    const now = Date.now();
    if (opts.onProgress && now - lastReport >= 100) {
      lastReport = now;
      opts.onProgress(bytes, files);
    }
  });
  const header = (found: { stat: fs.Stats }, name: string): Omit<TarHeader, 'type' | 'size'> => ({
    name,
    mode: found.stat.mode & 0o7777,
    mtime: found.stat.mtime,
  });
  /** A file by its open descriptor (closed here), at the size fstat gave when it was opened. */
  const addFile = async (fd: number, found: { stat: fs.Stats }, name: string) => {
    try {
      await tar.fileFd({ ...header(found, name), type: 'file', size: found.stat.size }, fd);
    } catch (err) {
      if (!(err instanceof SizeChangedError)) throw err;
      throw new UsageError(`build context file "${name}" changed size while it was being read (${err.read} of ${found.stat.size} bytes)`);
    } finally {
      fs.closeSync(fd);
    }
  };
  const fill = async () => {
    const wording = { noFollow: 'a build context is read without following symlinks', within: `build context ${opts.dir}` };
    let root: Dir;
    if (opts.anchor) {
      const top = Dir.open(opts.anchor.anchor, wording);
      try {
        const d = top.descend(opts.anchor.parts);
        if (!d) throw new UsageError(`build context "${opts.dir}" does not exist`);
        root = d;
      } finally {
        top.close();
      }
    } else root = Dir.open(fs.realpathSync(opts.dir), wording);
    try {
      await fillFrom(root);
    } finally {
      root.close();
    }
    if (outside) {
      let stat: fs.Stats;
      let fd: number;
      try {
        fd = fs.openSync(opts.dockerfile, 'r');
        stat = fs.fstatSync(fd);
      } catch {
        throw new UsageError(`--file "${opts.dockerfile}" does not exist`);
      }
      files++;
      await addFile(fd, { stat }, dockerfileName);
    }
    await tar.finish();
  };
  const fillFrom = async (root: Dir) => {
    for await (const found of walk(root, filter)) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
      files++;
      if (found.stat.isDirectory()) {
        await tar.entry({ ...header(found, found.rel), type: 'directory', size: 0 });
      } else if (found.stat.isSymbolicLink()) {
        // Packed as the link it is (the engine resolves it inside the build), never followed here.
        const linkname = found.dir.readlink(found.name);
        await tar.entry({ ...header(found, found.rel), type: 'symlink', size: 0, linkname });
      } else {
        const opened = found.dir.openFile(found.name);
        if (!opened) throw new ChangedUnderError(found.rel, `build context ${opts.dir}`);
        // The size in the tar header is the opened file's.
        await addFile(opened.fd, { stat: opened.stat }, found.rel);
      }
    }
  };
  // A context that cannot be read destroys the body: the engine's request is cut (docker-modem destroys it on the
  // body's error). A request that ended first leaves the writer nothing to write into: that is the engine's error.
  const done = fill().then(
    () => {
      opts.onProgress?.(bytes, files);
      return { bytes, files };
    },
    (err) => {
      tar.destroy(err instanceof RequestClosedError ? undefined : (err as Error));
      throw err;
    },
  );
  done.catch(() => {});
  return { stream: tar, dockerfile: dockerfileName, done };
}
