// An upload cut short (SIGINT or SIGKILL of a real `berth container upload`) leaves no partial destination in the
// container: it is staged beside the destination and moved into place at the end; a staging directory left by a
// killed berth is removed by the next upload to the same place, which lands whole.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Demuxer } from '../../src/runtime/containers/index.js';
import { startEngineRelay, type EngineRelay } from '../support/engine-relay.js';
import { removeRooms, repoRoot, roomContainer, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

const room = uniqueRoom('upi');
const home = tempHome();
const src = path.join(home, 'big');
const FILES = 300;
let box: Docker.Container;
/** The container's file system as the host sees it (overlay2's merged directory), to watch the upload land. */
let rootfs: string;
/** The interrupted uploads go through this relay: frozen mid-upload, so the kill lands while the tar is streaming. */
let relay: EngineRelay;

/** stdout of a shell script run in the container. */
async function sh(script: string): Promise<string> {
  const exec = await box.exec({ Cmd: ['sh', '-c', script], AttachStdout: true, AttachStderr: true });
  const stream = (await exec.start({})) as NodeJS.ReadableStream;
  const out: Buffer[] = [];
  const demux = new Demuxer((which, chunk) => which === 'stdout' && out.push(chunk));
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => demux.push(c));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  return Buffer.concat(out).toString('utf8');
}

const names = async (dir: string) => (await sh(`ls -A ${dir}`)).split('\n').filter(Boolean).sort();

/**
 * A real berth upload of ./big to dest through the relay. Once some of it has landed in the container (files in
 * the staging directory whose name starts with `lead`, in `parent`), the relay holds every byte and berth gets
 * `signal`; then its connections are dropped (what the engine sees when berth dies) and the relay works again.
 */
async function interrupted(dest: string, signal: NodeJS.Signals, parent: string, lead: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'berth'), '--room', room, 'container', 'upload', 'box', src, '--dest', dest], {
    env: { ...process.env, BERTH_HOME: home, BERTH_AGENT: 'tester', DOCKER_HOST: relay.host },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, sig) => resolve({ code, signal: sig })));
  const host = path.join(rootfs, parent);
  await waitFor(() => {
    const stage = fs.readdirSync(host).find((n) => n.startsWith(lead));
    return stage && fs.readdirSync(path.join(host, stage)).length > 10;
  }, 'part of the upload to land', 60_000);
  relay.freeze();
  child.kill(signal);
  if (signal === 'SIGKILL') {
    await exited;
    await relay.cut();
  } else relay.thaw();
  await relay.restore();
  return { ...(await exited), stderr };
}

beforeAll(async () => {
  fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
  const chunk = Buffer.alloc(256 * 1024, 7);
  for (let i = 0; i < FILES; i++) fs.writeFileSync(path.join(src, i % 2 ? 'sub' : '.', `f${i}`), chunk);
  box = await roomContainer(room, 'box', { network: false });
  rootfs = ((await box.inspect()).GraphDriver.Data as unknown as { MergedDir: string }).MergedDir;
  relay = await startEngineRelay(path.join(home, 'relay.sock'));
}, 120_000);

afterAll(async () => {
  await relay?.close();
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('an interrupted upload', () => {
  it('SIGINT: exit 130, no destination and no staging directory left in the container', async () => {
    const r = await interrupted('/u1', 'SIGINT', '.', '.u1.berth-upload-');
    expect(r.code, r.stderr).toBe(130);
    expect(await names('/')).not.toContain('u1');
    expect((await names('/')).filter((n) => n.includes('berth-upload'))).toEqual([]);
  }, 120_000);

  it('SIGKILL: no destination; the next upload to the same place removes the staging directory and lands whole', async () => {
    const r = await interrupted('/u2', 'SIGKILL', '.', '.u2.berth-upload-');
    expect(r.signal).toBe('SIGKILL');
    const left = await names('/');
    expect(left).not.toContain('u2');
    expect(left.filter((n) => n.startsWith('.u2.berth-upload-'))).toHaveLength(1); // what the kill left, hidden
    const again = spawn(process.execPath, [path.join(repoRoot, 'bin', 'berth'), '--room', room, 'container', 'upload', 'box', src, '--dest', '/u2'], {
      env: { ...process.env, BERTH_HOME: home, BERTH_AGENT: 'tester' },
      stdio: 'ignore',
    });
    expect(await new Promise((resolve) => again.on('exit', resolve))).toBe(0);
    expect((await names('/')).filter((n) => n.includes('berth-upload'))).toEqual([]);
    expect(Number((await sh('find /u2 -type f | wc -l')).trim())).toBe(FILES);
    expect((await sh('stat -c %s /u2/f0 /u2/sub/f1')).trim().split('\n')).toEqual(['262144', '262144']);
  }, 120_000);

  it('into an existing directory: a SIGKILL leaves its contents as they were; the next upload merges in and keeps them', async () => {
    await sh('mkdir -p /u3 && echo keep > /u3/mine && echo old > /u3/f0');
    const r = await interrupted('/u3', 'SIGKILL', 'u3', '.berth-upload-');
    expect(r.signal).toBe('SIGKILL');
    expect(await names('/u3')).toEqual(expect.arrayContaining(['f0', 'mine']));
    expect((await names('/u3')).filter((n) => !n.startsWith('.berth-upload-'))).toEqual(['f0', 'mine']);
    expect((await sh('cat /u3/f0')).trim()).toBe('old');
    const again = spawn(process.execPath, [path.join(repoRoot, 'bin', 'berth'), '--room', room, 'container', 'upload', 'box', src, '--dest', '/u3'], {
      env: { ...process.env, BERTH_HOME: home, BERTH_AGENT: 'tester' },
      stdio: 'ignore',
    });
    expect(await new Promise((resolve) => again.on('exit', resolve))).toBe(0);
    expect((await names('/u3')).filter((n) => n.includes('berth-upload'))).toEqual([]);
    expect(Number((await sh('find /u3 -type f | wc -l')).trim())).toBe(FILES + 1);
    expect((await sh('cat /u3/mine')).trim()).toBe('keep');
    expect((await sh('stat -c %s /u3/f0')).trim()).toBe('262144');
  }, 120_000);
});
