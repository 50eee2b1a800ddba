// Which filesystem holds a path, and one-line messages for a full disk that name it (not SQLite's `disk I/O error`).
import fs from 'node:fs';
import path from 'node:path';

/** The mount point and filesystem type that hold `p` (the longest mount point above it), from /proc/self/mounts. */
export function mountOf(p: string): { mountPoint: string; type: string } | undefined {
  let target = path.resolve(p);
  // The path may not exist yet: its nearest existing parent is on the same filesystem.
  while (!fs.existsSync(target) && path.dirname(target) !== target) target = path.dirname(target);
  try {
    target = fs.realpathSync(target);
    let best: { mountPoint: string; type: string } | undefined;
    for (const row of fs.readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
      const [, mp, type] = row.split(' ');
      if (!mp || !type) continue;
      const mountPoint = mp.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
      const inside = mountPoint === '/' || target === mountPoint || target.startsWith(`${mountPoint}/`);
      if (inside && (!best || mountPoint.length >= best.mountPoint.length)) best = { mountPoint, type };
    }
    return best;
  } catch {
    return undefined; // no procfs: the message names the path alone
  }
}

/** `the disk is full: <mount point> (<type>) holding <path>`, for ENOSPC / SQLITE_FULL. */
export function diskFullMessage(p: string): string {
  const m = mountOf(p);
  return m ? `the disk is full: ${m.mountPoint} (${m.type}), which holds ${p}` : `the disk is full where ${p} is`;
}

/** Bytes free to an unprivileged writer on the filesystem holding `dir`, or undefined when it cannot be asked. */
export function freeBytes(dir: string): number | undefined {
  try {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

export function isDiskFull(err: unknown): boolean {
  const e = err as { code?: string };
  return e?.code === 'ENOSPC' || e?.code === 'SQLITE_FULL' || e?.code === 'EDQUOT';
}

/** Free bytes below which a failed write is put down to a full disk. */
const NEARLY_FULL = 64 * 1024;

/**
 * A full disk where `p` is, as the error shows it: ENOSPC or SQLITE_FULL, or one of SQLite's I/O errors (it says
 * `disk I/O error` when it cannot grow the -shm or -wal file, even to read) while that disk has (almost) no room.
 */
export function isDiskFullAt(err: unknown, p: string): boolean {
  if (isDiskFull(err)) return true;
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_IOERR')) return false;
  const free = freeBytes(fs.existsSync(p) && fs.statSync(p).isDirectory() ? p : path.dirname(p));
  return free !== undefined && free < NEARLY_FULL;
}

/** `the disk is full (<mount point>, <type>)`: for a message that already names the file. */
export function diskFullWhere(p: string): string {
  const m = mountOf(p);
  return m ? `the disk is full (${m.mountPoint}, ${m.type})` : 'the disk is full';
}
