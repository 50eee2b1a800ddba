// The dashboard's Images view against the real engine and the htpasswd registry: the room's images with their
// detail, p pulls with a progress line (credentials from config.json), t tags, d deletes behind a confirmation,
// enter shows the history full screen.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { tagImage } from '../../src/runtime/images/index.js';
import { KEY, openDashboard } from '../support/dashboard-harness.js';
import { FIXTURE_IMAGE, docker, removeRooms, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

const registry = inject('registry');
const home = tempHome();
const room = uniqueRoom('dimg');
const remote = `${registry.host}/berth-dimg-${room}:1`;
const local = (t: string) => `berth-test-dimg-${room}:${t}`;
const context = path.join(home, 'ctx');

beforeAll(async () => {
  const dockerDir = path.join(home, 'docker');
  fs.mkdirSync(dockerDir, { recursive: true });
  fs.writeFileSync(path.join(dockerDir, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${registry.username}:${registry.password}`).toString('base64') } } }));
  // The dashboard's runtime reads the environment it was opened with (this file's process).
  process.env.DOCKER_CONFIG = dockerDir;
  await docker.getImage(FIXTURE_IMAGE).tag({ repo: remote.slice(0, remote.lastIndexOf(':')), tag: '1' });
  const push = await docker.getImage(remote).push({ authconfig: { username: registry.username, password: registry.password, serveraddress: registry.host } } as object);
  let out = '';
  for await (const chunk of push as NodeJS.ReadableStream) out += chunk.toString();
  expect(out).not.toContain('errorDetail');
  await docker.getImage(remote).remove();
  const rt = runtimeFor(home);
  try {
    await tagImage(rt, { room, source: FIXTURE_IMAGE, target: local('a') });
  } finally {
    rt.close();
  }
});

afterAll(async () => {
  await removeRooms([room]);
  for (const ref of [remote, local('a'), local('b'), local('built')]) await docker.getImage(ref).remove().catch(() => {});
  fs.rmSync(home, { recursive: true, force: true });
});

describe('dashboard Images view', () => {
  it('lists the room\'s images with detail; pull, tag, delete and the full-screen history work', async () => {
    const dash = await openDashboard(home, room, { columns: 200 });
    try {
      dash.press(':', ...'images', KEY.enter);
      await dash.waitForFrame((f) => f.includes(`Images (room ${room}: 1)`) && f.includes(local('a')), 'the room\'s image');
      await dash.waitForFrame((f) => f.includes('HISTORY') && f.includes('berth.test.fixture=true'), 'the detail beside the list');

      dash.press('p');
      await dash.waitForFrame((f) => f.includes('pull image:'), 'the pull prompt');
      dash.press(...remote, KEY.enter);
      await dash.waitForFrame((f) => f.includes(`pulled ${remote} into ${room}`), 'the pull to finish', 30_000);
      await dash.waitForFrame((f) => f.includes(`Images (room ${room}: 1)`) && f.includes(remote), 'the pulled name in the list');
      expect((await docker.getImage(remote).inspect()).Id).toBeTruthy();

      dash.press('/', ...`${room}:a`, KEY.enter);
      await dash.waitForFrame((f) => f.includes(`filter "${room}:a"`) && /│ berth-test-dimg-\S+:a\s/.test(f) && !new RegExp(`│ ${registry.host}`).test(f), 'the filtered list');
      dash.press('t');
      await dash.waitForFrame((f) => f.includes(`tag ${local('a')} as:`), 'the tag prompt');
      dash.press(...local('b'), KEY.enter);
      await dash.waitForFrame((f) => f.includes(`tagged ${local('a')} as ${local('b')}`), 'the tag to be reported');
      expect((await docker.getImage(local('b')).inspect()).Id).toBeTruthy();

      dash.press('d');
      await dash.waitForFrame((f) => f.includes(`Delete ${local('a')}?`), 'the confirmation');
      dash.press('n');
      await dash.waitForFrame((f) => f.includes('delete cancelled'), 'the cancel');
      expect((await docker.getImage(local('a')).inspect()).Id).toBeTruthy();
      dash.press('d');
      await dash.waitForFrame((f) => f.includes(`Delete ${local('a')}?`), 'the confirmation again');
      dash.press('y');
      await dash.waitForFrame((f) => f.includes(`untagged ${local('a')}`), 'the delete to be reported');
      await expect(docker.getImage(local('a')).inspect()).rejects.toMatchObject({ statusCode: 404 });

      dash.press(KEY.escape);
      await dash.waitForFrame((f) => f.includes(remote) && f.includes(local('b')), 'the whole list again').catch((e) => { throw new Error(`${e.message}\n${dash.frame()}`); });
      dash.press(KEY.enter);
      await dash.waitForFrame((f) => f.includes('esc back') && f.includes('HISTORY (') && f.includes('LABELS ('), 'the image full screen');
      dash.press(KEY.escape);
      await dash.waitForFrame((f) => f.includes('USED BY'), 'back to the list');
    } finally {
      dash.close();
    }
  });

  it('b builds a directory with its output streaming; x stops a build on the engine', async () => {
    fs.mkdirSync(context, { recursive: true });
    fs.writeFileSync(path.join(context, 'Dockerfile'), `FROM ${FIXTURE_IMAGE}\nRUN echo dashboard-build-step-${room}\n`);
    const dash = await openDashboard(home, room, { columns: 200 });
    try {
      dash.press(':', ...'images', KEY.enter);
      await dash.waitForFrame((f) => f.includes(`Images (room ${room}`), 'the Images view');
      dash.press('b');
      await dash.waitForFrame((f) => f.includes('build context directory'), 'the directory prompt');
      dash.press(...context, KEY.enter);
      await dash.waitForFrame((f) => f.includes(`tag for ${context}`), 'the tag prompt');
      dash.press(...local('built'), KEY.enter);
      await dash.waitForFrame((f) => f.includes(`dashboard-build-step-${room}`) && f.includes(`built ${local('built')}`), 'the build output and its end', 60_000);
      expect((await docker.getImage(local('built')).inspect()).Id).toBeTruthy();
      dash.press(KEY.escape);
      await dash.waitForFrame((f) => /│ berth-test-dimg-\S+:built\s/.test(f), 'the built image in the list');

      fs.writeFileSync(path.join(context, 'Dockerfile'), `FROM ${FIXTURE_IMAGE}\nRUN echo cancel-${room} && sleep 600\n`);
      dash.press('b', KEY.enter);
      await dash.waitForFrame((f) => f.includes(`tag for ${context}`), 'the tag prompt, filled in');
      dash.press(KEY.enter);
      await dash.waitForFrame((f) => f.includes(`cancel-${room}`) && f.includes('x stops it'), 'the long step running', 60_000);
      dash.press('x');
      await dash.waitForFrame((f) => f.includes(`build ${local('built')} cancelled`), 'the cancelled build');
      await waitFor(async () => !(await docker.listContainers({ all: true })).some((c) => c.Command.includes(`cancel-${room}`)), 'the step container to go', 30_000);
    } finally {
      dash.close();
    }
  });
});
