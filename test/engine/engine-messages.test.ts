// The messages of an unreachable engine, from the built binary (so Node's own warnings would show): the cause said
// once, and no DEP0170 warning for ssh:// hosts (docker-modem's ssh path built a malformed URL).
import path from 'node:path';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, tempHome } from '../support/helpers.js';

const home = tempHome();
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

function berth(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [path.join(repoRoot, 'bin/berth'), ...args], { encoding: 'utf8', env: { ...process.env, BERTH_HOME: home, ...env }, timeout: 30_000 });
}

describe('unreachable engine messages', () => {
  it('health names the socket once and says the cause once', () => {
    const r = berth(['health'], { DOCKER_HOST: 'unix:///tmp/none.sock' });
    expect(r.status).toBe(5);
    expect(r.stdout).toMatch(/engine:\s+unreachable: no such socket \(is dockerd running\?\)/);
    expect(r.stderr).toBe('berth: cannot reach the Docker engine at unix:///tmp/none.sock: no such socket (is dockerd running?)\n');
  });

  it('an ssh:// host that refuses: one line, no Node warning', () => {
    const r = berth(['container', 'list'], { DOCKER_HOST: 'ssh://user@127.0.0.1:1' });
    expect(r.status).toBe(5);
    expect(r.stderr).not.toContain('DEP0170');
    expect(r.stderr).not.toContain('Warning');
    expect(r.stderr).toBe('berth: cannot reach the Docker engine at ssh://user@127.0.0.1:1: ssh: connection refused\n');
  });
});
