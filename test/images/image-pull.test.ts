// pullImage / pushImage against the htpasswd docker-registry the global set-up starts: right, wrong and missing
// credentials (given, or from config.json auths), a missing tag, and the room's claim on what it pulled.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { imageExists, listImages, pullImage, pushImage, type ProgressEvent } from '../../src/runtime/images/index.js';
import { FIXTURE_IMAGE, docker, runtimeFor, tempHome, uniqueRoom } from '../support/helpers.js';

const registry = inject('registry');
const home = tempHome();
const room = uniqueRoom('pull');
const repo = `${registry.host}/berth-pull-${room}`;
const good = { serveraddress: registry.host, username: registry.username, password: registry.password };
const emptyDockerConfig = path.join(home, 'docker-empty');
const rt = () => runtimeFor(home, { DOCKER_CONFIG: emptyDockerConfig });

async function drain(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

beforeAll(async () => {
  fs.mkdirSync(emptyDockerConfig, { recursive: true });
  await docker.getImage(FIXTURE_IMAGE).tag({ repo, tag: '1' });
  const out = await drain(await docker.getImage(`${repo}:1`).push({ tag: '1', authconfig: good } as object));
  expect(out).not.toContain('errorDetail');
  await docker.getImage(`${repo}:1`).remove();
});

afterAll(async () => {
  for (const t of ['1', '2']) await docker.getImage(`${repo}:${t}`).remove({ force: true }).catch(() => {});
  fs.rmSync(home, { recursive: true, force: true });
});

describe('pullImage', () => {
  it('pulls with the right credentials, resolves after the last event, and the room holds the image', async () => {
    const events: ProgressEvent[] = [];
    const r = rt();
    try {
      const pulled = await pullImage(r, { room, ref: `${repo}:1`, auth: good, onEvent: (e) => events.push(e) });
      expect(pulled.ref).toBe(`${repo}:1`);
      expect(pulled.digest).toMatch(/^sha256:/);
      expect(events.at(-1)?.status).toMatch(/Downloaded newer image|Image is up to date/);
      expect(await imageExists(r, `${repo}:1`)).toBe(true);
      const listed = await listImages(r, { room });
      expect(listed.map((i) => i.id)).toEqual([pulled.id]);
      expect(listed[0]!.rooms).toEqual([room]);
      const other = await listImages(r, { room: uniqueRoom('other') });
      expect(other).toEqual([]);
    } finally {
      r.close();
    }
  });

  it('wrong credentials: denied (exit 6) in one line naming the registry', async () => {
    const r = rt();
    try {
      const err = await pullImage(r, { room, ref: `${repo}:1`, auth: { ...good, password: 'wrong-password' } }).catch((e: unknown) => e);
      expect(err).toMatchObject({ exitCode: 6 });
      expect((err as Error).message).toContain(`registry ${registry.host} refused the credentials of ${registry.username}`);
      expect((err as Error).message).not.toContain('\n');
    } finally {
      r.close();
    }
  });

  it('no stored credentials: denied (exit 6) with what to do', async () => {
    const r = rt();
    try {
      await expect(pullImage(r, { room, ref: `${repo}:1` })).rejects.toMatchObject({ exitCode: 6, message: expect.stringContaining(`berth registry login ${registry.host}`) });
    } finally {
      r.close();
    }
  });

  it('uses config.json auths when no credentials are given, and a missing tag is not found (exit 3)', async () => {
    const dockerConfig = path.join(home, 'docker-auths');
    fs.mkdirSync(dockerConfig, { recursive: true });
    const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
    fs.writeFileSync(path.join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [`http://${registry.host}`]: { auth } } }));
    const r = runtimeFor(home, { DOCKER_CONFIG: dockerConfig });
    try {
      await docker.getImage(`${repo}:1`).remove({ force: true }).catch(() => {});
      await pullImage(r, { room, ref: `${repo}:1` });
      expect(await imageExists(r, `${repo}:1`)).toBe(true);
      await expect(pullImage(r, { room, ref: `${repo}:nope` })).rejects.toMatchObject({ exitCode: 3 });
      // push reads every event too: a new tag goes up, then comes back down.
      await docker.getImage(`${repo}:1`).tag({ repo, tag: '2' });
      const pushed = await pushImage(r, { room, ref: `${repo}:2` });
      expect(pushed.digest).toMatch(/^sha256:/);
      await docker.getImage(`${repo}:2`).remove();
      await pullImage(r, { room, ref: `${repo}:2` });
      expect(await imageExists(r, `${repo}:2`)).toBe(true);
    } finally {
      r.close();
    }
  });

  it('push with wrong credentials is denied and a bad reference is a usage error', async () => {
    const r = rt();
    try {
      await expect(pushImage(r, { room, ref: `${repo}:1`, auth: { ...good, password: 'nope' } })).rejects.toMatchObject({ exitCode: 6 });
      await expect(pullImage(r, { room, ref: 'UPPER/Case:tag' })).rejects.toMatchObject({ exitCode: 2 });
      await expect(pullImage(r, { room, ref: 'busybox:bad tag' })).rejects.toMatchObject({ exitCode: 2 });
    } finally {
      r.close();
    }
  });
});
