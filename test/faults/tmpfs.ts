// The fault tests' small disk: a tmpfs of a given size (a real ENOSPC for whoever writes once it is full), filled on
// purpose, and unmounted after each test.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { tempHome } from '../support/helpers.js';

const mounts: string[] = [];

/** A fresh directory on its own tmpfs of `size` (`64k`, `2m`). */
export function smallDisk(size: string): string {
  const dir = tempHome();
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

/** Unmounts and removes every small disk made so far (afterEach). */
export function removeSmallDisks(): void {
  for (const m of mounts.splice(0)) {
    try {
      execFileSync('umount', [m]);
    } catch {
      // not mounted
    }
    fs.rmSync(m, { recursive: true, force: true });
  }
}

/** Fills the filesystem holding dir with one file (a real ENOSPC for whoever writes next); returns the file. */
export function fill(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}
