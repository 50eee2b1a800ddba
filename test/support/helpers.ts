// Shared test helpers: a temp BERTH_HOME, in-process CLI runs with captured output, unique rooms, cleanup.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { main } from '../../src/commands/main.js';
import { exitCodeOf, Runtime } from '../../src/runtime/core/index.js';

export const FIXTURE_IMAGE = 'berth-fixture:latest';
/** Containers tests create directly get bounded logs too, so no test can fill the disk. */
export const TEST_LOG_CONFIG = { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '2' } };
export const docker = new Docker();
export const repoRoot = path.resolve(import.meta.dirname, '..', '..');

export function tempHome(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'berth-test-'));
}

/** A room name unique to this test run, so parallel files never collide. */
export function uniqueRoom(prefix = 't'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs main(argv) in-process with captured output; the exit code is what bin/berth would return. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (t: string) => void (stdout += t), isTTY: false },
    stderr: { write: (t: string) => void (stderr += t), isTTY: false },
    env: { ...process.env, ...env },
  };
  try {
    await main(args, { io });
    return { code: 0, stdout, stderr };
  } catch (err) {
    stderr += `berth: ${(err as Error).message}\n`;
    return { code: exitCodeOf(err), stdout, stderr };
  }
}

export function runtimeFor(home: string, env: NodeJS.ProcessEnv = {}): Runtime {
  return new Runtime({ env: { ...process.env, BERTH_HOME: home, ...env } });
}

/** Removes every container and network labelled with one of these rooms. */
export async function removeRooms(rooms: string[]): Promise<void> {
  for (const room of rooms) {
    const containers = await docker.listContainers({ all: true, filters: { label: [`berth.room=${room}`] } });
    await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => {})));
    const networks = await docker.listNetworks({ filters: { label: [`berth.room=${room}`] } });
    await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove().catch(() => {})));
  }
}

/** Polls until check() returns a truthy value; no fixed sleeps in tests. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** A container placed in a room the way berth labels it (test set-up only); started unless start is false. */
export async function roomContainer(
  room: string,
  name: string,
  opts: { cmd?: string[]; network?: boolean; start?: boolean; labels?: Record<string, string> } = {},
): Promise<Docker.Container> {
  const c = await docker.createContainer({
    Image: FIXTURE_IMAGE,
    Cmd: opts.cmd ?? ['sleep', '600'],
    name: `${room}.${name}`,
    Labels: { 'berth.room': room, 'berth.kind': 'container', 'berth.name': name, ...opts.labels },
    HostConfig: { LogConfig: TEST_LOG_CONFIG, ...(opts.network === false ? {} : { NetworkMode: `berth-${room}` }) },
  });
  if (opts.start !== false) await c.start();
  return c;
}
