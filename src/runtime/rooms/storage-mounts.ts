// What the engine gets as a mount under room or project storage. Storage is mounted read-write into containers, so
// a container can swap any directory inside it for a symlink between berth's check and the engine's mount (the class
// of CVE-2018-15664). berth therefore hands the engine only paths no container can rename or replace: the storage
// roots and agent workspaces, whose parent chains are berth's own. A subpath inside storage goes to the engine as a
// volume Subpath (Engine API 1.45+, which moby resolves with openat2 inside the volume at every start); older engines
// get no subpath at all.
import fs from 'node:fs';
import type Docker from 'dockerode';
import path from 'node:path';
import { BerthError, UsageError, type Engine, LABEL } from '../core/index.js';

/** The Engine API version whose volume mounts take a Subpath (Docker 26). */
export const SUBPATH_API = '1.45';

/**
 * One mount as the engine's HostConfig.Mounts (and a Swarm task's ContainerSpec.Mounts) take it. dockerode's type
 * requires VolumeOptions fields that the Engine API has as optional.
 */
export type EngineMount = Docker.MountSettings;

/** A mount of a storage root (room or project storage) or of a directory inside it. */
export interface StorageMount {
  /** The storage root on the host: a berth-owned directory. */
  root: string;
  /** Relative path inside the root, `''` for the root itself. */
  subpath: string;
  target: string;
  readOnly?: boolean;
  /** The volume that stands for the root when a subpath is mounted (`berth-storage-<room>`, `berth-project`). */
  volume: string;
}

/**
 * A subpath as written (`data/in`, `./data/`, `.`) in its one normal form: `''` for the root, else components joined
 * by `/`. Anything that would leave the root (`..`, an absolute path, NUL) is refused.
 */
export function normalizeSubpath(sub: string, flag: string, rootLabel = 'the room storage'): string {
  if (sub.includes('\0')) throw new UsageError(`invalid ${flag}: a path cannot contain NUL`);
  if (path.isAbsolute(sub)) throw new UsageError(`invalid ${flag} "${sub}": use a path relative to ${rootLabel}`);
  const parts = sub.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new UsageError(`invalid ${flag} "${sub}": it leaves ${rootLabel}`);
  return parts.join('/');
}

/**
 * Refuses a subpath the engine cannot mount safely, before anything is created: one line that says why and what works
 * instead. The root itself is always allowed.
 */
export async function assertMountable(engine: Engine, subpath: string, flag: string): Promise<void> {
  if (subpath === '' || (await engine.speaks(SUBPATH_API))) return;
  throw new UsageError(
    `${flag} "${subpath}" needs Engine API ${SUBPATH_API} (Docker 26) or later, which mounts a subpath safely; this engine speaks ${await engine.apiVersion()}, ` +
      `and a container could swap the directory for a symlink between berth's check and the mount: mount the whole storage instead`,
  );
}

/**
 * Makes `dir` (and the berth-owned directories above it, up to `base`) exist as real directories, never through a
 * symlink; returns it. A symlink in that chain is not berth's: refused.
 */
export function ensureOwnedDir(base: string, dir: string): string {
  const rel = path.relative(base, dir);
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new BerthError(`${dir} is not inside ${base}`);
  fs.mkdirSync(base, { recursive: true });
  let at = base;
  for (const part of rel.split(path.sep).filter(Boolean)) {
    at = path.join(at, part);
    try {
      fs.mkdirSync(at, { mode: 0o755 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (!fs.lstatSync(at).isDirectory()) throw new BerthError(`${at} is not a directory (berth made it one): refusing to mount it`, 'conflict');
  }
  return dir;
}

/** The engine's mount for a storage mount: a bind of the root, or a Subpath of the root's volume. */
export function engineMount(m: StorageMount): EngineMount {
  const ro = m.readOnly ? { ReadOnly: true } : {};
  if (m.subpath === '') return { Type: 'bind', Source: m.root, Target: m.target, ...ro };
  return { Type: 'volume', Source: m.volume, Target: m.target, ...ro, VolumeOptions: { Subpath: m.subpath, NoCopy: true } as Docker.MountSettings['VolumeOptions'] };
}

/** Creates the root's volume when a subpath is mounted: the local driver binding the root (created once, kept). */
export async function ensureStorageVolume(engine: Engine, m: StorageMount): Promise<void> {
  if (m.subpath === '') return;
  const existing = await engine.call(`inspect volume ${m.volume}`, (d) => d.getVolume(m.volume).inspect()).catch(() => undefined);
  if (existing) {
    if ((existing.Options as Record<string, string> | null)?.device !== m.root) {
      throw new BerthError(`volume ${m.volume} exists but does not bind ${m.root}: remove it (docker volume rm ${m.volume})`, 'conflict');
    }
    return;
  }
  await engine.call(`create volume ${m.volume}`, (d) =>
    d.createVolume({ Name: m.volume, Driver: 'local', DriverOpts: { type: 'none', o: 'bind', device: m.root }, Labels: { [LABEL.managed]: 'true' } }),
  );
}
