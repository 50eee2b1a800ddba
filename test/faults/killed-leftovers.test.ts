// What a berth killed with SIGKILL leaves behind is removed by the next berth command that touches the same place,
// once the process named in it is gone; what a live berth is still writing is left alone. Each case asserts what
// is on disk (or in the engine) afterwards.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holderTag, tagHolderGone } from '../../src/runtime/core/index.js';
import { startEngineRelay, type EngineRelay } from '../support/engine-relay.js';
import { docker, FIXTURE_IMAGE, removeRooms, repoRoot, roomContainer, tempHome, TEST_LOG_CONFIG, uniqueRoom, waitFor } from '../support/helpers.js';

const room = uniqueRoom('kl');
const home = tempHome();
const bin = path.join(repoRoot, 'bin', 'berth');
const env = { ...process.env, BERTH_HOME: home, BERTH_AGENT: 'tester' };
const berth = (args: string[], input?: string) => spawnSync(process.execPath, [bin, '--room', room, ...args], { env, input, encoding: 'utf8' });
let relay: EngineRelay;

/** The tag of a process that has exited (what a SIGKILLed berth's staging names carry). */
function deadTag(): string {
  const gone = spawnSync('true');
  return holderTag().replace(/^\d+/, String(gone.pid));
}

beforeAll(async () => {
  expect(berth(['room', 'create', room]).status).toBe(0);
  relay = await startEngineRelay(path.join(home, 'relay.sock'));
}, 60_000);

afterAll(async () => {
  await relay?.close();
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('debris of a killed berth', () => {
  it('a holder tag names its process: gone once it exits or after a reboot; one made on another host is never judged here', () => {
    expect(tagHolderGone(holderTag())).toBe(false);
    expect(tagHolderGone(deadTag())).toBe(true);
    const [pid, start, boot, host] = holderTag().split('.');
    expect(tagHolderGone([pid, start, boot === '00000000' ? '11111111' : '00000000', host].join('.'))).toBe(true);
    expect(tagHolderGone([pid, start, boot, host === '00000000' ? '11111111' : '00000000'].join('.'))).toBe(false);
    expect(tagHolderGone(deadTag().replace(/[0-9a-f]{8}$/, (h) => (h === '00000000' ? '11111111' : '00000000')))).toBe(false);
    expect(tagHolderGone('not-a-tag')).toBe(false);
  });

  it('download --extract-to: the staging directory a SIGKILL left is removed by the next extract into the same parent', async () => {
    const box = await roomContainer(room, 'box', { network: false });
    const exec = await box.exec({ Cmd: ['sh', '-c', 'mkdir /data && for i in $(seq 1 200); do head -c 262144 /dev/zero > /data/f$i; done'] });
    await new Promise<void>((resolve, reject) => exec.start({}, (err, stream) => (err ? reject(err) : (stream!.on('end', () => resolve()), stream!.resume()))));
    await waitFor(async () => (await exec.inspect()).Running === false, 'the files to be written');
    const parent = path.join(home, 'out');
    fs.mkdirSync(parent);
    const child = spawn(process.execPath, [bin, '--room', room, 'container', 'download', 'box', '/data', '--extract-to', path.join(parent, 'a')], { env: { ...env, DOCKER_HOST: relay.host }, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // Part of it is unpacked in the staging directory; then the engine holds still and berth is killed.
    await waitFor(() => {
      const stage = fs.readdirSync(parent).find((n) => n.startsWith('.berth-extract-'));
      return stage && fs.readdirSync(path.join(parent, stage)).length > 10;
    }, 'part of the download to be unpacked', 60_000);
    relay.freeze();
    child.kill('SIGKILL');
    await exited;
    await relay.cut();
    await relay.restore();
    const left = fs.readdirSync(parent);
    expect(left).not.toContain('a');
    expect(left.filter((n) => n.startsWith('.berth-extract-'))).toHaveLength(1);
    // One that a live berth (this process) is writing stays.
    const live = `.berth-extract-${holderTag()}-0000aaaa`;
    fs.mkdirSync(path.join(parent, live));
    const r = berth(['container', 'download', 'box', '/data', '--extract-to', path.join(parent, 'b')]);
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readdirSync(parent).sort()).toEqual([live, 'b']);
    expect(fs.readdirSync(path.join(parent, 'b'))).toHaveLength(200);
    // A download to a file stages it as `.NAME.berth-partial-…` beside it: one whose berth is gone goes the same way.
    const files = path.join(home, 'files');
    fs.mkdirSync(files);
    const stale = `.data.tar.berth-partial-${deadTag()}-0000ffff`;
    const writing = `.data.tar.berth-partial-${holderTag()}-00001111`;
    for (const n of [stale, writing]) fs.writeFileSync(path.join(files, n), 'part of a tar');
    const d = berth(['container', 'download', 'box', '/data', '--format', 'tar', '--to', path.join(files, 'data.tar')]);
    expect(d.status, d.stderr).toBe(0);
    expect(fs.readdirSync(files).sort()).toEqual([writing, 'data.tar']);
  }, 120_000);

  it('storage cp: a staging copy whose berth is gone is removed by the next copy into the same directory', () => {
    fs.writeFileSync(path.join(home, 'data.csv'), 'a,b\n');
    expect(berth(['storage', 'cp', path.join(home, 'data.csv'), ':in/']).status).toBe(0);
    const dir = path.join(home, 'data', 'rooms', room, 'in');
    expect(fs.readdirSync(dir)).toEqual(['data.csv']);
    const stale = `.berth-cp-${deadTag()}-0000bbbb`;
    const live = `.berth-cp-${holderTag()}-0000cccc`;
    fs.writeFileSync(path.join(dir, stale), 'half a copy');
    fs.mkdirSync(path.join(dir, live));
    const r = berth(['storage', 'cp', path.join(home, 'data.csv'), ':in/second.csv']);
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual([live, 'data.csv', 'second.csv']);
  });

  it('secret set: a temp file holding a value, left by a killed set, is removed by the next secret command', async () => {
    const store = path.join(home, 'data', 'secrets');
    expect(berth(['secret', 'set', 'db-pass'], 'first-value').status).toBe(0);
    const stale = `.berth-secret-${deadTag()}-0000dddd`;
    const live = `.berth-secret-${holderTag()}-0000eeee`;
    fs.writeFileSync(path.join(store, stale), 'value-of-a-killed-set', { mode: 0o600 });
    fs.writeFileSync(path.join(store, live), 'value-being-written', { mode: 0o600 });
    const r = berth(['secret', 'list']);
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readdirSync(store).sort()).toEqual([live, 'db-pass']);
    fs.rmSync(path.join(store, live));
    // Sets killed at whatever point they reached: afterwards only whole secrets are in the store.
    for (let i = 0; i < 6; i++) {
      const child = spawn(process.execPath, [bin, 'secret', 'set', `k${i}`], { env, stdio: ['pipe', 'ignore', 'ignore'] });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.stdin!.on('error', () => {}); // killed before it read its stdin
      child.stdin!.end(Buffer.alloc(1024 * 1024, 'v'));
      await new Promise((resolve) => setTimeout(resolve, 100 + 60 * i));
      child.kill('SIGKILL');
      await exited;
    }
    expect(berth(['secret', 'list']).status).toBe(0);
    for (const name of fs.readdirSync(store)) {
      expect(name).toMatch(/^(db-pass|k\d)$/);
      if (name !== 'db-pass') expect(fs.statSync(path.join(store, name)).size).toBe(1024 * 1024);
    }
  });

  it('berth run: a job whose berth was SIGKILLed runs to its end; the next container list removes it, a live berth\'s job stays', async () => {
    const child = spawn(process.execPath, [bin, '--room', room, 'run', FIXTURE_IMAGE, '--', 'sh', '-c', 'sleep 1; echo done'], { env, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const jobs = () => docker.listContainers({ all: true, filters: { label: [`berth.room=${room}`, 'berth.kind=job'] } });
    const job = await waitFor(async () => (await jobs()).find((j) => j.State === 'running'), 'the job to start', 60_000);
    child.kill('SIGKILL');
    await exited;
    await waitFor(async () => (await docker.getContainer(job.Id).inspect()).State.Status === 'exited', 'the job to finish', 30_000);
    expect((await docker.getContainer(job.Id).inspect()).State.ExitCode).toBe(0); // it ran on to its end
    // A finished job of a berth that is still running (this process) is that berth's to remove.
    const mine: Docker.Container = await docker.createContainer({
      Image: FIXTURE_IMAGE,
      Cmd: ['true'],
      name: `${room}.job-live`,
      Labels: { 'berth.room': room, 'berth.kind': 'job', 'berth.name': 'job-live', 'berth.holder': holderTag() },
      HostConfig: { LogConfig: TEST_LOG_CONFIG },
    });
    const r = berth(['container', 'list', '--all', '-o', 'json']);
    expect(r.status, r.stderr).toBe(0);
    expect((await jobs()).map((j) => j.Id)).toEqual([mine.id]);
    expect(JSON.parse(r.stdout).items.map((c: { id: string }) => c.id)).not.toContain(job.Id);
  }, 120_000);
});
