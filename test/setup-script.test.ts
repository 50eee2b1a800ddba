// The engine bring-up script: without root and without a reachable engine it fails with one line saying what to do.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers.js';

describe('scripts/ensure-engine.sh', () => {
  it('says the engine is reachable when it is', () => {
    const r = spawnSync('bash', [path.join(repoRoot, 'scripts/ensure-engine.sh')], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('Docker engine is reachable');
  });

  it('fails with a clear message, changing nothing, when not root and no engine answers', () => {
    // nobody may not be able to read the checkout (a clone in a 0700 directory): run a world-readable copy.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-setup-'));
    try {
      fs.chmodSync(dir, 0o755);
      const script = path.join(dir, 'ensure-engine.sh');
      fs.copyFileSync(path.join(repoRoot, 'scripts/ensure-engine.sh'), script);
      fs.chmodSync(script, 0o755);
      const r = spawnSync(
        'runuser',
        ['-u', 'nobody', '--', 'env', 'DOCKER_HOST=unix:///tmp/berth-no-engine.sock', `PATH=${process.env.PATH}`, 'bash', script],
        { encoding: 'utf8', cwd: dir },
      );
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toContain('no Docker engine answers at unix:///tmp/berth-no-engine.sock');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
