// Once per run: check the engine answers, build the FROM-scratch busybox fixture image the tests use, and start the
// services tests share (the htpasswd registry), stopped again in the teardown this returns.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import Docker from 'dockerode';
import type { TestProject } from 'vitest/node';
import { startRegistry, type RegistryInfo } from './fixtures/registry.js';
import { startRemoteEngines, type RemoteEngines } from './fixtures/remote-engines.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The htpasswd-protected docker-registry on 127.0.0.1 (test/support/fixtures/registry.ts). */
    registry: RegistryInfo;
    /** TLS and ssh endpoints in front of the local engine (test/support/fixtures/remote-engines.ts). */
    remoteEngines: RemoteEngines;
  }
}

export const FIXTURE_IMAGE = 'berth-fixture:latest';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // End-to-end tests drive the bundled bin/berth, so the bundle must match the sources under test.
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  const docker = new Docker();
  await docker.ping();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-fixture-'));
  try {
    fs.copyFileSync('/bin/busybox', path.join(dir, 'busybox'));
    fs.chmodSync(path.join(dir, 'busybox'), 0o755);
    fs.writeFileSync(
      path.join(dir, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY busybox /bin/busybox',
        'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
        'LABEL berth.test.fixture=true',
        'CMD ["/bin/sh"]',
        '',
      ].join('\n'),
    );
    const stream = await docker.buildImage({ context: dir, src: ['Dockerfile', 'busybox'] }, { t: FIXTURE_IMAGE });
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null, output: { error?: string }[]) => {
        const failed = output?.find((o) => o.error);
        if (err || failed) reject(err ?? new Error(failed!.error));
        else resolve();
      }),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const registry = await startRegistry();
  project.provide('registry', { host: registry.host, username: registry.username, password: registry.password });
  try {
    const remote = await startRemoteEngines();
    project.provide('remoteEngines', remote.info);
    return async () => {
      await Promise.allSettled([registry.stop(), remote.stop()]);
    };
  } catch (err) {
    await registry.stop();
    throw err;
  }
}
