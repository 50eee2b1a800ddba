// The engine bring-up script: without root and without a reachable engine it fails with one line saying what to do.
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
    const r = spawnSync(
      'runuser',
      ['-u', 'nobody', '--', 'env', 'DOCKER_HOST=unix:///tmp/berth-no-engine.sock', `PATH=${process.env.PATH}`, 'bash', path.join(repoRoot, 'scripts/ensure-engine.sh')],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('no Docker engine answers at unix:///tmp/berth-no-engine.sock');
  });
});
