// Disk use per room: containers' writable layers (the engine's SizeRw), their json-file logs (LogPath and its
// rotations, where the engine is local), and the room storage directory; and how full the engine's data root is.
import fs from 'node:fs';
import path from 'node:path';
import { LABEL, roomLabelFilter, type Runtime } from '../core/index.js';

export interface RoomDiskUsage {
  /** Containers' writable layers (bytes). */
  writable: number;
  /** Container log files (bytes); counted only when the engine is local (logsKnown). */
  logs: number;
  logsKnown: boolean;
  /** The room storage directory (bytes). */
  storage: number;
  total: number;
}

/** Local engines keep their files on this machine: logs and the data root can be measured here. */
export function engineIsLocal(url: string): boolean {
  return url.startsWith('unix://') || url.startsWith('npipe://');
}

/** Bytes under a directory (files, not following symlinks); a missing or unreadable one counts 0. */
export function directorySize(dir: string): number {
  let total = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += directorySize(p);
    else if (e.isFile()) {
      try {
        total += fs.lstatSync(p).size;
      } catch {
        // gone meanwhile
      }
    }
  }
  return total;
}

/** A json-file log and its rotations (LogPath, LogPath.1, ...). */
function logFilesSize(logPath: string | undefined): number {
  if (!logPath) return 0;
  const dir = path.dirname(logPath);
  const base = path.basename(logPath);
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => f === base || f.startsWith(`${base}.`))
      .reduce((n, f) => n + (fs.statSync(path.join(dir, f), { throwIfNoEntry: false })?.size ?? 0), 0);
  } catch {
    return 0;
  }
}

/** Disk use of every room (or one), keyed by room name. */
export async function roomDiskUsage(rt: Runtime, opts: { room?: string; rooms?: string[]; signal?: AbortSignal } = {}): Promise<Map<string, RoomDiskUsage>> {
  const engine = await rt.engine();
  const local = engineIsLocal(engine.endpoint.url);
  const infos = await engine.call('list containers', (d) =>
    d.listContainers({ all: true, size: true, filters: { label: roomLabelFilter(opts.room) }, abortSignal: opts.signal } as object),
  );
  const usage = new Map<string, RoomDiskUsage>();
  const entry = (room: string) => {
    let u = usage.get(room);
    if (!u) usage.set(room, (u = { writable: 0, logs: 0, logsKnown: local, storage: 0, total: 0 }));
    return u;
  };
  for (const room of opts.rooms ?? (opts.room ? [opts.room] : [])) entry(room);
  // Log paths come from inspect; a few at a time keeps a big engine responsive.
  const queue = [...infos];
  const worker = async () => {
    for (let info = queue.shift(); info; info = queue.shift()) {
      const u = entry(info.Labels?.[LABEL.room] ?? '');
      u.writable += (info as { SizeRw?: number }).SizeRw ?? 0;
      if (local) {
        const id = info.Id;
        const inspected = await engine.call('inspect container', (d) => d.getContainer(id).inspect()).catch(() => undefined);
        u.logs += logFilesSize(inspected?.LogPath);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, queue.length) }, worker));
  const roomsDir = rt.paths.roomsDir;
  for (const [room, u] of usage) {
    if (room) u.storage = directorySize(path.join(roomsDir, room));
    u.total = u.writable + u.logs + u.storage;
  }
  return usage;
}

export interface DataRootUsage {
  path: string;
  totalBytes: number;
  freeBytes: number;
  usedPercent: number;
}

/** How full the filesystem of the engine's data root is; undefined for a remote engine or an unreadable path. */
export function dataRootUsage(dir: string | undefined): DataRootUsage | undefined {
  if (!dir) return undefined;
  try {
    const s = fs.statfsSync(dir);
    const totalBytes = s.blocks * s.bsize;
    const freeBytes = s.bavail * s.bsize;
    const usedPercent = totalBytes > 0 ? Math.round((1 - freeBytes / totalBytes) * 1000) / 10 : 0;
    return { path: dir, totalBytes, freeBytes, usedPercent };
  } catch {
    return undefined;
  }
}
