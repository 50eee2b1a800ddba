// Remote engines for real: tcp+TLS (a TLS listener with generated certificates in front of the engine) and ssh
// (sshd on 127.0.0.1, `docker system dial-stdio` on the far side), each by DOCKER_HOST and by a docker context made
// with the docker CLI. container run/list, logs -f, exec --tty and the dashboard (built binary in a pty) work over
// each; a client certificate from another CA and a changed host key are refused with one clear line.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as pty from 'node-pty';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ExitCode } from '../../src/runtime/core/index.js';
import { IMG } from '../support/container-helpers.js';
import { removeRooms, repoRoot, runCli, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

const remote = inject('remoteEngines');
const home = tempHome();
const dockerConfig = path.join(home, 'docker-config');
const rooms: string[] = [];
afterAll(async () => {
  await removeRooms(rooms);
  fs.rmSync(home, { recursive: true, force: true });
});

// The docker CLI's own contexts, in a private DOCKER_CONFIG.
const dockerCli = (...args: string[]) => execFileSync('docker', args, { env: { ...process.env, DOCKER_CONFIG: dockerConfig }, stdio: ['ignore', 'pipe', 'pipe'] });
const cert = (f: string) => path.join(remote.tls.certDir, f);
dockerCli('context', 'create', 'berth-tls', '--docker', `host=${remote.tls.host},ca=${cert('ca.pem')},cert=${cert('cert.pem')},key=${cert('key.pem')}`);
dockerCli('context', 'create', 'berth-ssh', '--docker', `host=${remote.ssh.host}`);

/** Environment for one way of naming the engine; nothing from the outer environment picks the engine instead. */
const base = { DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined, DOCKER_TLS_VERIFY: undefined, DOCKER_CERT_PATH: undefined, DOCKER_CONFIG: dockerConfig, BERTH_HOME: home, BERTH_AGENT: 'tester' };
const endpoints: [string, NodeJS.ProcessEnv, string][] = [
  ['tcp+TLS by DOCKER_HOST', { DOCKER_HOST: remote.tls.host, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: remote.tls.certDir }, remote.tls.host],
  ['tcp+TLS by docker context', { DOCKER_CONTEXT: 'berth-tls' }, remote.tls.host],
  ['ssh by DOCKER_HOST', { DOCKER_HOST: remote.ssh.host, BERTH_SSH_OPTS: remote.ssh.sshOpts }, remote.ssh.host],
  ['ssh by docker context', { DOCKER_CONTEXT: 'berth-ssh', BERTH_SSH_OPTS: remote.ssh.sshOpts }, remote.ssh.host],
];

const plain = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\x1b[()][0-9A-Za-z]/g, '');

function envOf(extra: NodeJS.ProcessEnv): Record<string, string> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...base, ...extra };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env as Record<string, string>;
}

/** The built binary in a pseudo-terminal; resolves with its exit code. */
function inPty(args: string[], env: Record<string, string>) {
  const term = pty.spawn(process.execPath, [path.join(repoRoot, 'bin', 'berth'), ...args], { name: 'xterm-256color', cols: 120, rows: 30, cwd: repoRoot, env: { ...env, TERM: 'xterm-256color' } });
  let output = '';
  term.onData((d) => (output += d));
  const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
  return { term, exited, output: () => plain(output) };
}

// ssh starts one ssh process per connection (as the docker CLI does): slow on a loaded machine, so more time.
describe.each(endpoints)('engine over %s', { timeout: 240_000 }, (_what, extra, url) => {
  const room = uniqueRoom('rem');
  rooms.push(room);
  const env = envOf(extra);
  const cli = (...args: string[]) => runCli(['--room', room, ...args], env);
  const box = `box-${randomBytes(3).toString('hex')}`;

  it('health names the endpoint; container run and list work', async () => {
    const health = await runCli(['-o', 'json', 'health'], env);
    expect(health.code, health.stderr).toBe(0);
    expect(JSON.parse(health.stdout).engine).toMatchObject({ endpoint: url, reachable: true });
    const run = await cli('container', 'run', IMG, '-d', '--name', box, '--', 'sleep', '600');
    expect(run.code, run.stderr).toBe(0);
    const list = await cli('container', 'list');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.split('\n').find((l) => l.startsWith(`${box} `))).toMatch(/berth-fixture:latest\s+running/);
  });

  it('logs -f follows until the container exits', async () => {
    expect((await cli('container', 'run', IMG, '-d', '--name', 'talker', '--', 'sh', '-c', 'for i in 1 2 3; do echo line $i; sleep 0.2; done')).code).toBe(0);
    const logs = await cli('container', 'logs', '-f', 'talker');
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toBe('line 1\nline 2\nline 3\n');
  });

  it('exec --tty runs an interactive shell in a pty', async () => {
    const { term, exited, output } = inPty(['--room', room, 'container', 'exec', '--tty', box, '--', 'sh'], env);
    try {
      await waitFor(() => /[#$] $/m.test(output().trimEnd() + ' '), 'the prompt', 200_000);
      term.write('echo "sum=$((40+2))"; exit 3\r');
      expect(await exited).toBe(3);
      expect(output()).toContain('sum=42');
    } finally {
      term.kill();
    }
  });

  it('the dashboard shows the room\'s container', async () => {
    const { term, exited, output } = inPty([], { ...env, BERTH_ROOM: room });
    try {
      await waitFor(() => new RegExp(`${box}\\s+\\S*\\s*berth-fixture:latest\\s+running`).test(output()), 'the container row', 200_000);
      term.write('q');
      expect(await exited).toBe(0);
    } finally {
      term.kill();
    }
  });
});

describe('refusals', () => {
  it('tcp+TLS with a client certificate from another CA: one clear line, exit 5', async () => {
    const r = await runCli(['container', 'list', '--room', 'default'], envOf({ DOCKER_HOST: remote.tls.host, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: remote.tls.wrongCertDir }));
    expect(r.code).toBe(ExitCode.engineUnreachable);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`cannot reach the Docker engine at ${remote.tls.host}: TLS: the engine refused berth's client certificate`);
    expect(r.stderr).toContain('check cert.pem and key.pem');
  });

  it('tcp+TLS without the CA that signed the engine\'s certificate: refused as untrusted', async () => {
    const r = await runCli(['container', 'list', '--room', 'default'], envOf({ DOCKER_HOST: remote.tls.host, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: remote.tls.untrustingCertDir }));
    expect(r.code).toBe(ExitCode.engineUnreachable);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('TLS: the engine\'s certificate is not trusted');
  });

  it('ssh with a host key that changed: refused, one clear line, exit 5', async () => {
    const r = await runCli(['container', 'list', '--room', 'default'], envOf({ DOCKER_HOST: remote.ssh.host, BERTH_SSH_OPTS: remote.ssh.changedKeyOpts }));
    expect(r.code).toBe(ExitCode.engineUnreachable);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/ssh refused \[127\.0\.0\.1\]:\d+: its host key changed since it was added to known_hosts/);
    // The docker CLI refuses it the same way (same ssh, same known_hosts).
    const d = spawnSync('docker', ['-H', remote.ssh.host, 'ps'], { env: envOf({ DOCKER_HOST: undefined }), encoding: 'utf8', timeout: 20_000 });
    expect(d.status).not.toBe(0);
  });
});
