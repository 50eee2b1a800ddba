// The engine bring-up script: without root and without a reachable engine it fails with one line saying what to do,
// also when the checkout sits in a directory only its owner can enter.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/helpers.js';

/** Runs root's ensure-engine.sh as nobody with no engine to reach; nobody may not be able to read root at all. */
function nobodyRun(root: string) {
  // A world-readable copy, since a clone in a 0700 directory is unreadable to nobody (bash would exit 126).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-setup-'));
  try {
    fs.chmodSync(dir, 0o755);
    const script = path.join(dir, 'ensure-engine.sh');
    fs.copyFileSync(path.join(root, 'scripts/ensure-engine.sh'), script);
    fs.chmodSync(script, 0o755);
    return spawnSync(
      'runuser',
      ['-u', 'nobody', '--', 'env', 'DOCKER_HOST=unix:///tmp/berth-no-engine.sock', `PATH=${process.env.PATH}`, 'bash', script],
      { encoding: 'utf8', cwd: dir },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function expectNoEngineLine(r: ReturnType<typeof nobodyRun>): void {
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.status, r.stderr).toBe(1);
  expect(r.stderr).toContain('no Docker engine answers at unix:///tmp/berth-no-engine.sock');
}

describe('scripts/ensure-engine.sh', () => {
  it('says the engine is reachable when it is', () => {
    const r = spawnSync('bash', [path.join(repoRoot, 'scripts/ensure-engine.sh')], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('Docker engine is reachable');
  });

  it('fails with a clear message, changing nothing, when not root and no engine answers', () => {
    expectNoEngineLine(nobodyRun(repoRoot));
  });

  it('gives the same message from a checkout in a 0700 directory (nobody cannot read it)', () => {
    const checkout = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-checkout-'));
    try {
      expect(fs.statSync(checkout).mode & 0o777).toBe(0o700);
      fs.mkdirSync(path.join(checkout, 'scripts'));
      fs.copyFileSync(path.join(repoRoot, 'scripts/ensure-engine.sh'), path.join(checkout, 'scripts/ensure-engine.sh'));
      // The premise: run straight from there, nobody cannot even read the script.
      const direct = spawnSync('runuser', ['-u', 'nobody', '--', 'bash', path.join(checkout, 'scripts/ensure-engine.sh')], { encoding: 'utf8', cwd: '/' });
      expect(direct.status, direct.stderr).toBe(126);
      expectNoEngineLine(nobodyRun(checkout));
    } finally {
      fs.rmSync(checkout, { recursive: true, force: true });
    }
  });
});
