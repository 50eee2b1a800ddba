// Images in a room: pull (credentials from docker's stores), list, tag, push, delete and inspect, with every engine
// stream read to its end and failed on any errorDetail; which room holds which image is kept in SQLite.
import { RoomService } from '../rooms/index.js';
import type Docker from 'dockerode';
import { type Engine, BerthError, CancelledError, ConflictError, NotFoundError, UsageError, LABEL, type Runtime, validateRoomName, compareText } from '../core/index.js';
import { resolveCredentials, type RegistryAuth } from './credentials.js';
import { readEngineStream, registryError, type EngineStreamEvent } from '../engine/index.js';
import { familiarName, normalizeRegistry, parseImageRef, repositoryName, type ImageRef } from './image-ref.js';

/** One progress event of a pull or push (per layer when id is set). */
export interface ProgressEvent {
  status: string;
  id?: string;
  progress?: string;
  current?: number;
  total?: number;
}

export interface PullOptions {
  room: string;
  ref: string;
  /** Credentials for the ref's registry; default: what docker login stored (config.json, credential helpers). */
  auth?: RegistryAuth;
  signal?: AbortSignal;
  onEvent?: (event: ProgressEvent) => void;
}

export interface PullResult {
  id: string;
  ref: string;
  digest?: string;
}

export interface PushOptions {
  room: string;
  ref: string;
  auth?: RegistryAuth;
  signal?: AbortSignal;
  onEvent?: (event: ProgressEvent) => void;
}

export interface PushResult {
  ref: string;
  digest?: string;
  size?: number;
}

export interface ImageSummary {
  id: string;
  /** repository:tag names; empty for a dangling image. */
  tags: string[];
  digests: string[];
  size: number;
  created: string;
  labels: Record<string, string>;
  /** Rooms that pulled, built or tagged it. */
  rooms: string[];
  /** Names of the containers (any state) created from it. */
  usedBy: string[];
}

export interface ImageDetail extends ImageSummary {
  architecture: string;
  os: string;
  entrypoint: string[];
  cmd: string[];
  workdir: string;
  exposedPorts: string[];
  /** KEY=VALUE from the image config. */
  env: string[];
  history: { created: string; createdBy: string; size: number; comment: string }[];
  layers: string[];
}

export interface DeleteImageOptions {
  room: string;
  ref: string;
  /** Also when containers use it (docker rmi -f). */
  force?: boolean;
  /** Act on any image on the engine, not only the room's: removes it and every room's claim. */
  all?: boolean;
}

export interface DeleteImageResult {
  id: string;
  untagged: string[];
  deleted: boolean;
  /** Other rooms that still hold the image (it was kept for them). */
  keptFor: string[];
}

export type ClaimSource = 'pull' | 'build' | 'tag';

// ---- room claims (SQLite) ----

export function claimImage(rt: Runtime, room: string, imageId: string, ref: string, source: ClaimSource): void {
  rt.db()
    .prepare(
      `INSERT INTO images_room_claims (room, image_id, ref, source, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (room, image_id, ref) DO UPDATE SET source = excluded.source, created_at = excluded.created_at`,
    )
    .run(room, imageId, ref, source, new Date().toISOString());
}

interface ClaimRow {
  room: string;
  image_id: string;
  ref: string;
  source: string;
  created_at: string;
}

function claimsOf(rt: Runtime, where: { room?: string; imageId?: string }): ClaimRow[] {
  const clauses: string[] = [];
  const params: string[] = [];
  if (where.room !== undefined) (clauses.push('room = ?'), params.push(where.room));
  if (where.imageId !== undefined) (clauses.push('image_id = ?'), params.push(where.imageId));
  const sql = `SELECT room, image_id, ref, source, created_at FROM images_room_claims${clauses.length ? ` WHERE ${clauses.join(' AND ')}` : ''}`;
  return rt.db().prepare(sql).all(...params) as ClaimRow[];
}

/** Which rooms hold an image. */
export function roomsHolding(rt: Runtime, imageId: string): string[] {
  return [...new Set(claimsOf(rt, { imageId }).map((c) => c.room))].sort();
}

// ---- engine streams ----

function toProgress(e: EngineStreamEvent): ProgressEvent {
  return {
    status: e.status ?? '',
    ...(e.id ? { id: e.id } : {}),
    ...(e.progress ? { progress: e.progress } : {}),
    ...(e.progressDetail?.current !== undefined ? { current: e.progressDetail.current } : {}),
    ...(e.progressDetail?.total !== undefined ? { total: e.progressDetail.total } : {}),
  };
}

async function credentialsFor(rt: Runtime, ref: ImageRef, auth: RegistryAuth | undefined): Promise<RegistryAuth | undefined> {
  if (auth) return { ...auth, serveraddress: auth.serveraddress || ref.registry };
  return resolveCredentials(rt.env, ref.registry);
}

function authHeader(auth: RegistryAuth | undefined): object {
  // The engine wants the header even for anonymous pushes to some registries; an empty config is anonymous.
  return auth ?? {};
}

/** What the audit log keeps about credentials: who, never the secret. */
function authDetails(auth: RegistryAuth | undefined): Record<string, unknown> {
  if (!auth) return {};
  return { user: auth.identitytoken && !auth.username ? '<token>' : auth.username };
}

// ---- operations ----

/** True when the engine has an image under this reference or id. */
export async function imageExists(rt: Runtime, ref: string): Promise<boolean> {
  const engine = await rt.engine();
  try {
    await engine.call(`inspect image ${ref}`, (d) => d.getImage(ref).inspect());
    return true;
  } catch (err) {
    if (err instanceof NotFoundError) return false;
    throw err;
  }
}

/**
 * Pulls an image into a room and resolves only after the engine finished (every event read); the room's claim is
 * recorded. Wrong or missing credentials are denied (exit 6); an unknown image is not found.
 */
export async function pullImage(rt: Runtime, opts: PullOptions): Promise<PullResult> {
  validateRoomName(opts.room);
  const ref = parseImageRef(opts.ref);
  const name = familiarName(ref);
  const engine = await rt.engine();
  const auth = await credentialsFor(rt, ref, opts.auth);
  return rt.audit.record(
    { actor: rt.actor, action: 'image.pull', target: `${opts.room}/${name}`, details: { ref: name, registry: ref.registry, ...authDetails(auth) } },
    async () => {
      const repo = repositoryName(ref);
      const query = ref.digest ? { fromImage: `${repo}@${ref.digest}` } : { fromImage: repo, tag: ref.tag ?? 'latest' };
      let digest: string | undefined;
      try {
        await readEngineStream(
          engine,
          `pull ${name}`,
          (d, signal) => d.createImage({ ...query, authconfig: auth, abortSignal: signal } as never) as unknown as Promise<NodeJS.ReadableStream>,
          opts.signal,
          (e) => {
            const m = /^Digest: (\S+)/.exec(e.status ?? '');
            if (m) digest = m[1];
            opts.onEvent?.(toProgress(e));
          },
        );
      } catch (err) {
        if (err instanceof CancelledError) throw err;
        throw registryError(engine, err, `pull ${name}`, ref.registry, auth);
      }
      const info = await engine.call(`inspect image ${name}`, (d) => d.getImage(ref.digest ? `${repo}@${ref.digest}` : name).inspect());
      claimImage(rt, opts.room, info.Id, name, 'pull');
      return { id: info.Id, ref: name, ...(digest ? { digest } : {}) };
    },
  );
}

/** Pushes a local image to its registry, every event read; the room need not hold it (pushing changes no claim). */
export async function pushImage(rt: Runtime, opts: PushOptions): Promise<PushResult> {
  validateRoomName(opts.room);
  const ref = parseImageRef(opts.ref);
  if (ref.digest) throw new UsageError(`cannot push "${ref.original}": push a tag, not a digest`);
  const name = familiarName(ref);
  const engine = await rt.engine();
  if (!(await imageExists(rt, name))) throw new NotFoundError(`image "${name}" not found: build, pull or tag it first`);
  const auth = await credentialsFor(rt, ref, opts.auth);
  return rt.audit.record(
    { actor: rt.actor, action: 'image.push', target: `${opts.room}/${name}`, details: { ref: name, registry: ref.registry, ...authDetails(auth) } },
    async () => {
      let digest: string | undefined;
      let size: number | undefined;
      try {
        await readEngineStream(
          engine,
          `push ${name}`,
          (d, signal) => d.getImage(repositoryName(ref)).push({ tag: ref.tag ?? 'latest', authconfig: authHeader(auth), abortSignal: signal } as never) as unknown as Promise<NodeJS.ReadableStream>,
          opts.signal,
          (e) => {
            if (e.aux?.Digest) {
              digest = e.aux.Digest;
              size = e.aux.Size;
            }
            opts.onEvent?.(toProgress(e));
          },
        );
      } catch (err) {
        if (err instanceof CancelledError) throw err;
        throw registryError(engine, err, `push ${name}`, ref.registry, auth);
      }
      return { ref: name, ...(digest ? { digest } : {}), ...(size !== undefined ? { size } : {}) };
    },
  );
}

interface EngineImage {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Created: number;
  Size: number;
  Labels?: Record<string, string> | null;
}

function cleanTags(tags: string[] | null | undefined): string[] {
  return (tags ?? []).filter((t) => t !== '<none>:<none>');
}

function cleanDigests(digests: string[] | null | undefined): string[] {
  return (digests ?? []).filter((d) => !d.startsWith('<none>@'));
}

interface ImageUser {
  /** room/name for berth containers, the Docker name otherwise. */
  name: string;
  /** The image name the container was created with (as the engine lists it). */
  image: string;
}

/** Containers (any state) by the image id they were created from. */
async function containersByImage(engine: Engine): Promise<Map<string, ImageUser[]>> {
  const containers = await engine.call('list containers', (d) => d.listContainers({ all: true }));
  const by = new Map<string, ImageUser[]>();
  for (const c of containers) {
    const name = c.Labels?.[LABEL.room] && c.Labels?.[LABEL.name] ? `${c.Labels[LABEL.room]}/${c.Labels[LABEL.name]}` : (c.Names?.[0] ?? c.Id).replace(/^\//, '');
    const list = by.get(c.ImageID) ?? [];
    list.push({ name, image: c.Image });
    by.set(c.ImageID, list);
  }
  return by;
}

/** The same name as the engine would list it (`busybox` is `busybox:latest`), or the text itself when not a reference. */
function sameName(a: string, b: string): boolean {
  const norm = (t: string) => {
    try {
      return familiarName(parseImageRef(t));
    } catch {
      return t;
    }
  };
  return norm(a) === norm(b);
}

/**
 * A room's images (what was pulled, built or tagged in it), or every image on the engine with all. Claims on images
 * the engine no longer has are dropped: Docker is the truth.
 */
/** `requireRoom`: an empty listing of a room that does not exist is NotFoundError, as `container list` says it. */
export async function listImages(rt: Runtime, opts: { room: string; all?: boolean; requireRoom?: boolean; signal?: AbortSignal }): Promise<ImageSummary[]> {
  validateRoomName(opts.room);
  const engine = await rt.engine();
  const [images, used] = await Promise.all([
    engine.call('list images', (d) => d.listImages({ abortSignal: opts.signal } as object)) as Promise<EngineImage[]>,
    containersByImage(engine),
  ]);
  const claims = claimsOf(rt, {});
  const present = new Set(images.map((i) => i.Id));
  const stale = claims.filter((c) => !present.has(c.image_id));
  if (stale.length) {
    const drop = rt.db().prepare('DELETE FROM images_room_claims WHERE image_id = ?');
    for (const id of new Set(stale.map((c) => c.image_id))) drop.run(id);
  }
  const roomsById = new Map<string, Set<string>>();
  for (const c of claims) (roomsById.get(c.image_id) ?? roomsById.set(c.image_id, new Set()).get(c.image_id)!).add(c.room);
  // In a room, an image shows under the names the room gave it (another room's or docker's names are not its own).
  const roomRefs = new Map<string, Set<string>>();
  for (const c of claims) if (c.room === opts.room) (roomRefs.get(c.image_id) ?? roomRefs.set(c.image_id, new Set()).get(c.image_id)!).add(c.ref);
  const listed = images
    .filter((i) => opts.all || roomsById.get(i.Id)?.has(opts.room))
    .map((i) => {
      const summary = toSummary(rt, i, [...(roomsById.get(i.Id) ?? [])].sort(), (used.get(i.Id) ?? []).map((u) => u.name));
      return opts.all ? summary : { ...summary, tags: summary.tags.filter((t) => roomRefs.get(i.Id)?.has(t)) };
    })
    .sort((a, b) => compareText(b.created, a.created) || compareText(a.tags[0] ?? '', b.tags[0] ?? ''));
  // A mistyped room is an error, as for containers, not an empty list (checked only when nothing is listed).
  if (!listed.length && !opts.all && opts.requireRoom) await new RoomService(rt).assertExists(opts.room, opts.signal);
  return listed;
}

/** An image's listing; labels are masked (an image may carry a source URL with a token in one). */
function toSummary(rt: Runtime, i: EngineImage, rooms: string[], usedBy: string[]): ImageSummary {
  return {
    id: i.Id,
    tags: cleanTags(i.RepoTags),
    digests: cleanDigests(i.RepoDigests),
    size: i.Size,
    created: new Date(i.Created * 1000).toISOString(),
    labels: rt.mask.labels(i.Labels ?? {}),
    rooms,
    usedBy,
  };
}

/** Finds an image on the engine by reference, full id or an id prefix of at least 4 hex digits. */
export async function resolveImage(rt: Runtime, refOrId: string): Promise<EngineImage> {
  const engine = await rt.engine();
  const text = String(refOrId ?? '').trim();
  if (!text) throw new UsageError('an image reference or id is required');
  const images = (await engine.call('list images', (d) => d.listImages({ all: false }))) as EngineImage[];
  const hex = text.replace(/^sha256:/, '');
  if (/^[a-f0-9]{4,64}$/.test(hex)) {
    const byId = images.filter((i) => i.Id.replace(/^sha256:/, '').startsWith(hex));
    if (byId.length === 1) return byId[0]!;
    if (byId.length > 1) throw new UsageError(`id prefix "${text}" matches ${byId.length} images: give more characters`);
  }
  const ref = parseImageRef(text);
  const wanted = ref.digest ? `${repositoryName(ref)}@${ref.digest}` : familiarName(ref);
  const found = images.find((i) => (ref.digest ? cleanDigests(i.RepoDigests) : cleanTags(i.RepoTags)).includes(wanted));
  if (!found) throw new NotFoundError(`image "${text}" not found`);
  return found;
}

/** Tags an image (SRC by reference or id) as DST; the room holds the new name. */
export async function tagImage(rt: Runtime, opts: { room: string; source: string; target: string }): Promise<{ id: string; ref: string }> {
  validateRoomName(opts.room);
  const target = parseImageRef(opts.target, 'target reference');
  if (target.digest) throw new UsageError(`invalid target reference "${opts.target}": a tag cannot have a digest`);
  const name = familiarName(target);
  const image = await resolveImage(rt, opts.source);
  const engine = await rt.engine();
  return rt.audit.record({ actor: rt.actor, action: 'image.tag', target: `${opts.room}/${name}`, details: { source: opts.source, id: image.Id } }, async () => {
    await engine.call(`tag ${opts.source} as ${name}`, (d) => d.getImage(image.Id).tag({ repo: repositoryName(target), tag: target.tag ?? 'latest' }));
    claimImage(rt, opts.room, image.Id, name, 'tag');
    return { id: image.Id, ref: name };
  });
}

/**
 * Deletes an image from a room: refuses one that a container uses unless force; drops the room's claim and removes
 * the tag (or the image) from the engine only when no other room holds it.
 */
export async function deleteImage(rt: Runtime, opts: DeleteImageOptions): Promise<DeleteImageResult> {
  validateRoomName(opts.room);
  const image = await resolveImage(rt, opts.ref);
  const engine = await rt.engine();
  const ownClaims = claimsOf(rt, { room: opts.room, imageId: image.Id });
  const tags = cleanTags(image.RepoTags);
  let asTag: string | undefined;
  try {
    const ref = parseImageRef(opts.ref);
    const name = familiarName(ref);
    if (!ref.digest && tags.includes(name)) asTag = name;
  } catch {
    // an id, not a reference
  }
  // By name, the room must hold that name; by id, the image under any name.
  if (!opts.all && (asTag ? !ownClaims.some((c) => c.ref === asTag) : ownClaims.length === 0)) {
    throw new NotFoundError(`image "${opts.ref}" is not in room "${opts.room}" (berth image list --all shows every image; delete --all removes any)`);
  }
  // Removing one name of several only untags: that touches the containers created under that name, no others.
  const removesImage = !asTag || tags.length <= 1;
  const users = ((await containersByImage(engine)).get(image.Id) ?? []).filter((u) => removesImage || sameName(u.image, asTag!)).map((u) => u.name);
  if (users.length && !opts.force) {
    throw new ConflictError(
      `image "${opts.ref}" is used by ${users.length} container${users.length === 1 ? '' : 's'} (${users.slice(0, 3).join(', ')}${users.length > 3 ? ', …' : ''}): delete ${users.length === 1 ? 'it' : 'them'} first, or use --force`,
    );
  }
  return rt.audit.record(
    { actor: rt.actor, action: 'image.delete', target: `${opts.room}/${asTag ?? image.Id}`, details: { id: image.Id, force: Boolean(opts.force), all: Boolean(opts.all) } },
    async () => {
      const db = rt.db();
      const result: DeleteImageResult = { id: image.Id, untagged: [], deleted: false, keptFor: [] };
      if (opts.all) {
        db.prepare('DELETE FROM images_room_claims WHERE image_id = ?').run(image.Id);
      } else if (asTag) {
        db.prepare('DELETE FROM images_room_claims WHERE room = ? AND image_id = ? AND ref = ?').run(opts.room, image.Id, asTag);
      } else {
        db.prepare('DELETE FROM images_room_claims WHERE room = ? AND image_id = ?').run(opts.room, image.Id);
      }
      const others = claimsOf(rt, { imageId: image.Id });
      result.keptFor = [...new Set(others.map((c) => c.room))].filter((r) => r !== opts.room).sort();
      const removeRef = async (what: string, force: boolean) => {
        const out = (await engine.call(`delete image ${what}`, (d) => d.getImage(what).remove({ force }))) as { Untagged?: string; Deleted?: string }[];
        for (const o of out ?? []) {
          if (o.Untagged) result.untagged.push(o.Untagged);
          if (o.Deleted && o.Deleted === image.Id) result.deleted = true;
        }
      };
      if (asTag) {
        // Another room holding the same name keeps the tag; a room holding the image by another name keeps the image
        // (removing one tag of several only untags).
        if (!others.some((c) => c.ref === asTag)) {
          const onlyTag = tags.length === 1;
          if (!onlyTag || others.length === 0) await removeRef(asTag, Boolean(opts.force));
        }
      } else if (others.length === 0) {
        // By id: every tag goes, as docker rmi -f does for an image with several names.
        await removeRef(image.Id, tags.length > 1 || Boolean(opts.force));
      }
      if (result.deleted) db.prepare('DELETE FROM images_room_claims WHERE image_id = ?').run(image.Id);
      return result;
    },
  );
}

/** Everything about one image: config, labels, layers and history (what `enter` shows in the dashboard). */
export async function inspectImage(rt: Runtime, opts: { room: string; ref: string }): Promise<ImageDetail> {
  validateRoomName(opts.room);
  const image = await resolveImage(rt, opts.ref);
  const engine = await rt.engine();
  const [info, history, used] = await Promise.all([
    engine.call(`inspect image ${opts.ref}`, (d) => d.getImage(image.Id).inspect()),
    engine.call(`history of ${opts.ref}`, (d) => d.getImage(image.Id).history()) as Promise<{ Created: number; CreatedBy: string; Size: number; Comment: string }[]>,
    containersByImage(engine),
  ]);
  const cfg = info.Config ?? ({} as typeof info.Config);
  return {
    ...toSummary(rt, image, roomsHolding(rt, image.Id), (used.get(image.Id) ?? []).map((u) => u.name)),
    architecture: info.Architecture,
    os: info.Os,
    entrypoint: ([cfg.Entrypoint ?? []].flat() as string[]).map((a) => rt.mask.text(a)),
    cmd: ((cfg.Cmd ?? []) as string[]).map((a) => rt.mask.text(a)),
    workdir: cfg.WorkingDir ?? '',
    exposedPorts: Object.keys(cfg.ExposedPorts ?? {}),
    env: rt.mask.env((cfg.Env ?? []) as string[]),
    history: history.map((h) => ({ created: new Date(h.Created * 1000).toISOString(), createdBy: rt.mask.text(h.CreatedBy), size: h.Size, comment: h.Comment })),
    layers: info.RootFS?.Layers ?? [],
  };
}

/** The registry host of a reference (for credentials and messages). */
export function registryOf(ref: string): string {
  return normalizeRegistry(parseImageRef(ref).registry);
}
