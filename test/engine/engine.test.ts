// Engine connection: endpoint resolution (flag, DOCKER_HOST, context, default), unreachable-engine errors and the
// engine's refusals.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ConflictError, resolveEndpoint, ExitCode } from '../../src/runtime/core/index.js';
import { docker, runCli, runtimeFor, tempHome } from '../support/helpers.js';

const home = tempHome();
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

function writeContext(dir: string, name: string, host: string) {
  const id = createHash('sha256').update(name).digest('hex');
  fs.mkdirSync(path.join(dir, 'contexts', 'meta', id), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'contexts', 'meta', id, 'meta.json'),
    JSON.stringify({ Name: name, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }),
  );
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ currentContext: name }));
}

describe('endpoint resolution', () => {
  it('prefers --host over DOCKER_HOST and the context', () => {
    const e = resolveEndpoint({ host: 'unix:///tmp/a.sock', env: { DOCKER_HOST: 'tcp://10.0.0.1:2375' } });
    expect(e.options).toMatchObject({ socketPath: '/tmp/a.sock' });
    expect(e.source).toBe('the --host flag');
  });

  it('reads DOCKER_HOST for tcp, with TLS from DOCKER_CERT_PATH when DOCKER_TLS_VERIFY is set', () => {
    const certs = path.join(home, 'certs');
    fs.mkdirSync(certs, { recursive: true });
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(certs, f), `--${f}--`);
    const plain = resolveEndpoint({ env: { DOCKER_HOST: 'tcp://127.0.0.1:2375' }, dockerConfigDir: path.join(home, 'none') });
    expect(plain.options).toMatchObject({ host: '127.0.0.1', port: 2375, protocol: 'http' });
    const tls = resolveEndpoint({
      env: { DOCKER_HOST: 'tcp://engine.example:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs },
    });
    expect(tls.options).toMatchObject({ host: 'engine.example', port: 2376, protocol: 'https' });
    expect(String((tls.options as { cert?: Buffer }).cert)).toBe('--cert.pem--');
  });

  it('reads ssh:// hosts with user and port', () => {
    const e = resolveEndpoint({ env: { DOCKER_HOST: 'ssh://deploy@build.example:2222' } });
    expect(e.options).toMatchObject({ protocol: 'ssh', host: 'build.example', port: 2222, username: 'deploy' });
  });

  it('follows the current docker context, and DOCKER_CONTEXT over it', () => {
    const dir = path.join(home, 'docker-config');
    writeContext(dir, 'remote', 'tcp://192.0.2.10:2375');
    const e = resolveEndpoint({ env: {}, dockerConfigDir: dir });
    expect(e.source).toBe('docker context "remote"');
    expect(e.options).toMatchObject({ host: '192.0.2.10', port: 2375 });
    expect(() => resolveEndpoint({ env: { DOCKER_CONTEXT: 'nope' }, dockerConfigDir: dir })).toThrow(/context "nope" was not found/);
  });

  it('falls back to the default socket', () => {
    const e = resolveEndpoint({ env: {}, dockerConfigDir: path.join(home, 'none') });
    expect(e.url).toBe('unix:///var/run/docker.sock');
  });
});

describe('an unreachable engine', () => {
  it('is one clear line naming the endpoint, with its own exit code', async () => {
    const r = await runCli(['room', 'list', '--host', 'unix:///tmp/berth-no-such.sock'], { BERTH_HOME: home });
    expect(r.code).toBe(ExitCode.engineUnreachable);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('cannot reach the Docker engine at unix:///tmp/berth-no-such.sock');
  });

  it('reports a refused tcp port the same way', async () => {
    const r = await runCli(['room', 'list'], { BERTH_HOME: home, DOCKER_HOST: 'tcp://127.0.0.1:9' });
    expect(r.code).toBe(ExitCode.engineUnreachable);
    expect(r.stderr).toMatch(/cannot reach the Docker engine at tcp:\/\/127\.0\.0\.1:9: connection refused/);
  });

  it('makes health exit non-zero while still printing the report', async () => {
    const r = await runCli(['health', '--host', 'unix:///tmp/berth-no-such.sock', '-o', 'json'], { BERTH_HOME: home });
    expect(r.code).toBe(ExitCode.engineUnreachable);
    expect(JSON.parse(r.stdout).engine.reachable).toBe(false);
  });

  it('rejects a malformed host with a usage error', async () => {
    const r = await runCli(['health', '--host', 'ftp://x'], { BERTH_HOME: home });
    expect(r.code).toBe(ExitCode.usage);
    expect(r.stderr).toContain('unsupported scheme "ftp:"');
  });
});

describe('health with the engine up', () => {
  it('reports versions, swarm state, uptime and the data dir', async () => {
    const r = await runCli(['health', '-o', 'json'], { BERTH_HOME: home, DOCKER_HOST: 'unix:///var/run/docker.sock' });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.engine.reachable).toBe(true);
    expect(report.engine.apiVersion).toMatch(/^1\.\d+$/);
    expect(['inactive', 'active', 'manager', 'pending', 'error', 'locked']).toContain(report.swarm);
    expect(report.berth.dataDir).toBe(path.join(home, 'data'));
    const table = await runCli(['health'], { BERTH_HOME: home });
    expect(table.stdout).toMatch(/engine:\s+reachable/);
    expect(table.stdout).toMatch(/uptime:\s+\d+/);
  });
});

describe("the engine's refusals", () => {
  it('a 403 (refused in its current state: the predefined bridge network) is a conflict naming the call', async () => {
    const rt = runtimeFor(home);
    try {
      const engine = await rt.engine();
      const err = await engine.call('remove network bridge', (d) => d.getNetwork('bridge').remove()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConflictError);
      expect((err as ConflictError).exitCode).toBe(ExitCode.conflict);
      expect((err as Error).message).toMatch(/^remove network bridge: .*bridge/);
      expect((await docker.getNetwork('bridge').inspect()).Name).toBe('bridge');
    } finally {
      rt.close();
    }
  });
});
