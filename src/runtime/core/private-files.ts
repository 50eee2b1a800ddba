// berth's data and config are private to their user: dirs 0700, files 0600, an older install tightened on first use.
import fs from 'node:fs';
import path from 'node:path';
import type { BerthPaths } from './paths.js';

/** Creates `dir` 0700, or takes group and other access away from an existing one. */
export function privateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.statSync(dir);
  if (st.mode & 0o077) fs.chmodSync(dir, 0o700);
}

/** Takes group and other access away from an existing file (one berth writes). */
export function privateFile(file: string): void {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (st?.isFile() && st.mode & 0o077) fs.chmodSync(file, 0o600);
}

/**
 * The data and config dirs 0700 and the files berth keeps in them 0600: the database with SQLite's -wal and -shm
 * (SQLite gives those the database's own mode), the settings file, the audit log and its rotations, approval
 * output. Run before the database or settings are opened; cheap when all is tight already (a few stats).
 */
export function tightenInstall(paths: BerthPaths): void {
  privateDir(paths.dataDir);
  privateDir(paths.configDir);
  for (const f of [paths.database, `${paths.database}-wal`, `${paths.database}-shm`, path.join(paths.configDir, 'config.json')]) privateFile(f);
  for (const name of safeList(paths.dataDir)) if (name.startsWith(path.basename(paths.auditLog))) privateFile(path.join(paths.dataDir, name));
  const outputs = path.join(paths.dataDir, 'approvals');
  if (fs.existsSync(outputs)) {
    privateDir(outputs);
    for (const name of safeList(outputs)) privateFile(path.join(outputs, name));
  }
}

function safeList(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
