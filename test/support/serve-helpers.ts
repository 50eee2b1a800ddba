// berth serve for tests: the built binary on a free loopback port with a temp BERTH_HOME, its request log kept,
// stopped with SIGTERM; and cleanup of what the API created (containers, their files volumes, the room).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { docker, removeRooms, repoRoot } from './helpers.js';

export interface ServeProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the server wrote to stderr (one line per request). */
  log(): string;
  auth(user?: string, password?: string): string;
  /** SIGTERM, then the exit code (or signal name). */
  stop(): Promise<number | string | null>;
  exited: Promise<number | string | null>;
}

export const API_USER = 'api-tester';
export const API_PASSWORD = 'correct-horse-battery';

export async function startServe(home: string, room: string, opts: { args?: string[]; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'berth'), 'serve', '--room', room, '--listen', '127.0.0.1:0', ...(opts.args ?? [])], {
    cwd: opts.cwd ?? repoRoot,
    env: { ...process.env, BERTH_HOME: home, BERTH_API_USER: API_USER, BERTH_API_PASSWORD: API_PASSWORD, BERTH_AGENT: '', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stdout!.on('data', (d) => (err += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  const port = await new Promise<number>((resolve, reject) => {
    const check = () => {
      const m = /listening on https?:\/\/[^:]+:(\d+)/.exec(err);
      if (m) resolve(Number(m[1]));
    };
    child.stderr!.on('data', check);
    child.stdout!.on('data', check);
    void exited.then((code) => reject(new Error(`berth serve exited (${code}) before listening:\n${err}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    log: () => err,
    auth: (user = API_USER, password = API_PASSWORD) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    exited,
  };
}

/** Removes the room's containers, network and every files volume the API made in it. */
export async function removeServeRoom(room: string): Promise<void> {
  await removeRooms([room]);
  const { Volumes } = await docker.listVolumes();
  await Promise.all((Volumes ?? []).filter((v) => v.Name.startsWith(`berth-files-${room}.`)).map((v) => docker.getVolume(v.Name).remove().catch(() => {})));
}
