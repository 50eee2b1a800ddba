// The built binary writing into a pipe whose reader stops early (`berth … | head -1`): no stack trace, no error line.
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempHome } from './helpers.js';

describe('berth into a closed pipe', () => {
  it('ends quietly when the reader goes away', () => {
    const bin = path.join(repoRoot, 'bin', 'berth');
    // The help text is many lines; head reads one and closes the pipe while berth is still writing.
    const r = spawnSync('sh', ['-c', `for i in 1 2 3 4 5 6 7 8; do "${process.execPath}" "${bin}" container --help; done | head -c 1 >/dev/null; "${process.execPath}" "${bin}" container list --help | head -1`], {
      encoding: 'utf8',
      env: { ...process.env, BERTH_HOME: tempHome() },
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toMatch(/^berth container list/);
  });
});
