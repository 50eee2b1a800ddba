// Building an image in a room from a local directory (or the room's storage): the context streamed as a tar, the
// engine's build stream read to its end (any errorDetail fails the build), cancel stops the build on the engine.
import fs from 'node:fs';
import path from 'node:path';
import { packContext } from './build-context.js';
import { allCredentials, type RegistryAuth } from './credentials.js';
import { BerthError, CancelledError, NotFoundError, UsageError, storageAnchor, type Runtime, parseEnvEntry, resolveInside, validateRoomName } from '../core/index.js';
import { DOCKER_HUB, familiarName, normalizeRegistry, parseImageRef, type ImageRef } from './image-ref.js';
import { claimImage, type ProgressEvent } from './images.js';
import { readEngineStream, registryError } from '../engine/index.js';
import { RoomService } from '../rooms/index.js';

export type BuildEvent =
  /** Context upload: tar bytes sent so far. */
  | { type: 'context'; bytes: number; files: number }
  /** Build output (step lines, RUN output), as the engine sent it. */
  | { type: 'output'; text: string }
  /** Pull progress of a base image. */
  | { type: 'progress'; event: ProgressEvent };

export interface BuildOptions {
  room: string;
  /** The context directory. */
  context: string;
  /** One or more references to tag the result with (short `name:tag` works). */
  tag: string | string[];
  /** The Dockerfile: absolute, or relative to the context (default Dockerfile in the context); it may lie outside. */
  dockerfile?: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  target?: string;
  noCache?: boolean;
  /** Always pull newer base images. */
  pull?: boolean;
  /** Registry credentials for base images; default every registry docker login stored credentials for. */
  auth?: RegistryAuth | RegistryAuth[];
  signal?: AbortSignal;
  onEvent?: (event: BuildEvent) => void;
}

export interface BuildResult {
  id: string;
  tags: string[];
  /** Context size sent to the engine. */
  contextBytes: number;
}

/** The build context of a room's storage subdirectory (`--from-room-storage`). */
export function roomStorageContext(rt: Runtime, room: string, subdir: string): string {
  validateRoomName(room);
  return resolveInside(new RoomService(rt).storageDir(room), subdir || '.', '--from-room-storage');
}

/** K=V build arguments; a bare K takes its value from the environment, as docker build does. */
export function parseBuildArgs(entries: readonly string[], env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries) {
    if (!entry.includes('=')) {
      const [key] = parseEnvEntry(`${entry}=`, '--build-arg');
      if (env[key] !== undefined) out[key] = env[key]!;
      continue;
    }
    const [key, value] = parseEnvEntry(entry, '--build-arg');
    out[key] = value;
  }
  return out;
}

/** K=V labels. */
export function parseLabels(entries: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const key = eq < 0 ? entry : entry.slice(0, eq);
    if (!key || /\s/.test(key)) throw new UsageError(`invalid --label "${entry.slice(0, 60)}": use KEY=VALUE`);
    out[key] = eq < 0 ? '' : entry.slice(eq + 1);
  }
  return out;
}

/** The Dockerfile a build reads: --file (absolute, or relative to the context), else Dockerfile in the context. */
function dockerfilePath(dir: string, dockerfile: string | undefined): string {
  return dockerfile ? path.resolve(dir, dockerfile) : path.join(dir, 'Dockerfile');
}

/**
 * The base images a Dockerfile pulls (its FROM lines, in order): earlier stages, scratch and names built from ${ARG}s
 * are left out. Empty when the file cannot be read (the build itself says why).
 */
export function baseImages(context: string, dockerfile?: string): ImageRef[] {
  let text: string;
  try {
    text = fs.readFileSync(dockerfilePath(path.resolve(context), dockerfile), 'utf8');
  } catch {
    return [];
  }
  const stages = new Set<string>();
  const out: ImageRef[] = [];
  for (const line of text.replace(/\\\r?\n/g, ' ').split(/\r?\n/)) {
    const words = line.trim().split(/\s+/);
    if (words[0]?.toUpperCase() !== 'FROM') continue;
    const args = words.slice(1).filter((w) => !w.startsWith('--'));
    const image = args[0];
    if (args[1]?.toUpperCase() === 'AS' && args[2]) stages.add(args[2].toLowerCase());
    if (!image || image.includes('$') || image.toLowerCase() === 'scratch' || stages.has(image.toLowerCase())) continue;
    try {
      out.push(parseImageRef(image));
    } catch {
      // the engine names what is wrong with it
    }
  }
  return out;
}

/**
 * The registry that --username credentials are for in a build: the one the first tag names (what --push pushes
 * to), else that of the first base image (a local tag: the credentials can only be for a FROM line).
 */
export function buildCredentialRegistry(tag: ImageRef, bases: ImageRef[]): string {
  const named = tag.registry !== DOCKER_HUB || /^(?:docker\.io|index\.docker\.io)\//i.test(tag.original);
  return named || bases.length === 0 ? tag.registry : bases[0]!.registry;
}

interface ValidatedBuild {
  dir: string;
  dockerfile: string;
  tags: string[];
}

function validate(opts: BuildOptions): ValidatedBuild {
  validateRoomName(opts.room);
  const tags = [...new Set([opts.tag].flat().filter((t) => t !== undefined).map((t) => familiarName(parseImageRef(t, '--tag'))))];
  if (tags.length === 0) throw new UsageError('a --tag is required');
  if (tags.some((t) => t.includes('@'))) throw new UsageError('invalid --tag: a tag cannot have a digest');
  if (!opts.context) throw new UsageError('a build context directory is required');
  const dir = path.resolve(opts.context);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new NotFoundError(`build context "${opts.context}" does not exist`);
  }
  if (!stat.isDirectory()) throw new UsageError(`build context "${opts.context}" is not a directory`);
  if (opts.target !== undefined && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(opts.target)) throw new UsageError(`invalid --target "${opts.target}": use a stage name`);
  // The Dockerfile: inside the context it is sent under its relative path, outside it under a generated name.
  const file = dockerfilePath(dir, opts.dockerfile);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    throw new UsageError(opts.dockerfile ? `--file "${opts.dockerfile}" does not exist` : `no Dockerfile in ${opts.context} (use --file)`);
  }
  const rel = path.relative(dir, file);
  const dockerfile = rel.startsWith('..') || path.isAbsolute(rel) ? file : rel.split(path.sep).join('/');
  return { dir, dockerfile, tags };
}

function registryConfig(auth: RegistryAuth | RegistryAuth[]): Record<string, RegistryAuth> {
  return Object.fromEntries([auth].flat().map((a) => [a.serveraddress, a]));
}

/**
 * Builds an image on the engine from a directory and tags it; the room holds the result. Resolves after the whole
 * build stream was read; a failing step (any errorDetail) throws with the engine's message; the signal cancels the
 * build on the engine (the connection closes, the engine stops and removes the step's container).
 */
export async function buildImage(rt: Runtime, opts: BuildOptions): Promise<BuildResult> {
  const { dir, dockerfile, tags } = validate(opts);
  const engine = await rt.engine();
  const auths = opts.auth ? registryConfig(opts.auth) : await allCredentials(rt.env);
  const details = {
    context: dir,
    dockerfile,
    // Values of build args may be secrets that their names do not give away: only the names are recorded.
    buildArgs: Object.keys(opts.buildArgs ?? {}),
    labels: opts.labels,
    target: opts.target,
    noCache: Boolean(opts.noCache),
    pull: Boolean(opts.pull),
  };
  return rt.audit.record({ actor: rt.actor, action: 'image.build', target: `${opts.room}/${tags[0]}`, details: { ...details, tags } }, async () => {
    const packed = await packContext({
      dir,
      anchor: storageAnchor(dir, rt.paths.dataDir, rt.paths.roomsDir) ?? undefined,
      dockerfile,
      signal: opts.signal,
      onProgress: (bytes, files) => opts.onEvent?.({ type: 'context', bytes, files }),
    });
    let id: string | undefined;
    let contextError: unknown;
    packed.done.catch((err) => (contextError = err));
    try {
      await readEngineStream(
        engine,
        `build ${tags[0]}`,
        (d, signal) =>
          d.buildImage(packed.stream as never, {
            t: tags,
            dockerfile: packed.dockerfile,
            ...(opts.buildArgs && Object.keys(opts.buildArgs).length ? { buildargs: opts.buildArgs } : {}),
            ...(opts.labels && Object.keys(opts.labels).length ? { labels: opts.labels } : {}),
            ...(opts.target ? { target: opts.target } : {}),
            ...(opts.noCache ? { nocache: true } : {}),
            ...(opts.pull ? { pull: true } : {}),
            // Intermediate containers go even when a step fails or the build is cancelled.
            rm: true,
            forcerm: true,
            ...(Object.keys(auths).length ? { registryconfig: auths } : {}),
            abortSignal: signal,
          } as never) as unknown as Promise<NodeJS.ReadableStream>,
        opts.signal,
        (e) => {
          if (e.aux?.ID) id = e.aux.ID;
          if (e.stream !== undefined) {
            const built = /^Successfully built ([0-9a-f]+)/.exec(e.stream);
            if (built && !id) id = built[1];
            // A step echoes its Dockerfile line (ENV, LABEL, RUN) and its output: masked as every other surface is.
            opts.onEvent?.({ type: 'output', text: rt.mask.text(e.stream) });
          } else if (e.status !== undefined) {
            opts.onEvent?.({
              type: 'progress',
              event: { status: e.status, ...(e.id ? { id: e.id } : {}), ...(e.progress ? { progress: e.progress } : {}) },
            });
          }
        },
      );
    } catch (err) {
      packed.stream.destroy();
      if (err instanceof CancelledError) throw new CancelledError(`build ${tags[0]} cancelled`);
      if (contextError instanceof BerthError) throw contextError;
      throw buildError(engine, err, tags[0]!, baseImages(dir, dockerfile), Object.values(auths));
    }
    await packed.done.catch((err) => {
      throw err instanceof BerthError ? err : new BerthError(`build ${tags[0]}: reading the context failed: ${(err as Error).message}`);
    });
    const info = await engine.call(`inspect image ${tags[0]}`, (d) => d.getImage(id ?? tags[0]!).inspect());
    for (const tag of tags) claimImage(rt, opts.room, info.Id, tag, 'build');
    return { id: info.Id, tags, contextBytes: (await packed.done).bytes };
  });
}

/**
 * A failing step keeps the engine's message; credentials refused for a base image are denied (6), naming the
 * registry (from the engine's message, `Head "http://host/v2/…"` or `… for host/…`, else the first FROM line's) and
 * the user whose credentials were sent to it.
 */
function buildError(engine: Awaited<ReturnType<Runtime['engine']>>, err: unknown, tag: string, bases: ImageRef[], auths: RegistryAuth[]): unknown {
  const message = (err as Error)?.message ?? '';
  const named = /https?:\/\/([a-z0-9.-]+(?::\d+)?)\//i.exec(message)?.[1] ?? /(?:for|from|to) ([a-z0-9.-]+(?::\d+)?)\//i.exec(message)?.[1];
  const registry = named ? normalizeRegistry(named) : bases[0]?.registry;
  const auth = registry ? auths.find((a) => normalizeRegistry(a.serveraddress) === registry) : undefined;
  const translated = registryError(engine, err, `build ${tag}`, registry ?? 'the registry', auth);
  // A step that failed is a build failure, not "not found", even when its output said "not found".
  if (translated instanceof NotFoundError && !/pull access denied|manifest unknown|repository does not exist/i.test(message)) {
    return new BerthError(translated.message, 'failure', { cause: err });
  }
  return translated;
}
