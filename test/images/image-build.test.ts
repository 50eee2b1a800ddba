// buildImage against the real engine: the context tar honours .dockerignore (negations, nested node_modules), build
// args reach the build, output streams as events, a failing step throws the engine's error, cancel stops the build
// on the engine, and the room holds what it built.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildImage, type BuildEvent, imageExists, listImages } from '../../src/runtime/images/index.js';
import { BerthError } from '../../src/runtime/core/index.js';
import { FIXTURE_IMAGE, docker, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('build');
const tag = (name: string) => `berth-test-build-${room}-${name}:1`;
const made: string[] = [];

function contextDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(home, 'ctx-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

/** Runs a command in an image (bounded logs, removed after) and returns its output. */
async function runIn(image: string, cmd: string[]): Promise<string> {
  const c = await docker.createContainer({
    Image: image,
    Cmd: cmd,
    Labels: { 'berth.test': room },
    HostConfig: { LogConfig: { Type: 'json-file', Config: { 'max-size': '1m' } } },
  });
  try {
    await c.start();
    await c.wait();
    const logs = (await c.logs({ stdout: true, stderr: true })) as Buffer;
    // Multiplexed frames: 8-byte headers before each chunk.
    let out = '';
    for (let i = 0; i + 8 <= logs.length; ) {
      const len = logs.readUInt32BE(i + 4);
      out += logs.subarray(i + 8, i + 8 + len).toString();
      i += 8 + len;
    }
    return out;
  } finally {
    await c.remove({ force: true });
  }
}

afterAll(async () => {
  for (const t of made) await docker.getImage(t).remove({ force: true }).catch(() => {});
  fs.rmSync(home, { recursive: true, force: true });
});

describe('buildImage', () => {
  it('sends the context filtered by .dockerignore, passes build args, streams output and records the room', async () => {
    const dir = contextDir({
      Dockerfile: `FROM ${FIXTURE_IMAGE}\nARG GREETING=none\nCOPY . /ctx\nRUN echo "greeting=$GREETING" > /greeting\n`,
      '.dockerignore': ['**/node_modules', '*.log', '!keep.log', 'secret/', 'docs/*', '!docs/README.md', ''].join('\n'),
      'app.js': 'console.log(1)',
      'node_modules/dep/index.js': 'x',
      'packages/a/node_modules/dep/index.js': 'x',
      'packages/a/src/main.js': 'y',
      'debug.log': 'noise',
      'keep.log': 'kept',
      'secret/key.txt': 'k',
      'docs/guide.md': 'g',
      'docs/README.md': 'r',
    });
    const events: BuildEvent[] = [];
    const rt = runtimeFor(home);
    const ref = tag('ok');
    made.push(ref);
    try {
      const result = await buildImage(rt, { room, context: dir, tag: ref, buildArgs: { GREETING: 'hello-arg' }, labels: { 'berth.test.build': room }, onEvent: (e) => events.push(e) });
      expect(result.tags).toEqual([ref]);
      expect(result.id).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(await imageExists(rt, ref)).toBe(true);
      const info = await docker.getImage(ref).inspect();
      expect(info.Id).toBe(result.id);
      expect(info.Config.Labels?.['berth.test.build']).toBe(room);
      expect(events.some((e) => e.type === 'output' && /Step 1\/\d+ : FROM/.test(e.text))).toBe(true);
      expect(events.some((e) => e.type === 'context' && e.bytes > 0)).toBe(true);
      const listed = await listImages(rt, { room });
      expect(listed.map((i) => i.id)).toContain(result.id);
      expect(listed.find((i) => i.id === result.id)!.tags).toContain(ref);
    } finally {
      rt.close();
    }
    const files = (await runIn(ref, ['find', '/ctx'])).split('\n').filter(Boolean).sort();
    expect(files).toEqual(
      ['/ctx', '/ctx/.dockerignore', '/ctx/Dockerfile', '/ctx/app.js', '/ctx/docs', '/ctx/docs/README.md', '/ctx/keep.log', '/ctx/packages', '/ctx/packages/a', '/ctx/packages/a/src', '/ctx/packages/a/src/main.js'].sort(),
    );
    expect((await runIn(ref, ['cat', '/greeting'])).trim()).toBe('greeting=hello-arg');
  });

  it('keeps the Dockerfile in the context when .dockerignore excludes it, and builds a --target stage', async () => {
    const dir = contextDir({
      'build/Containerfile': `FROM ${FIXTURE_IMAGE} AS first\nRUN echo first > /stage\nFROM ${FIXTURE_IMAGE} AS second\nRUN echo second > /stage\n`,
      '.dockerignore': 'build\n',
    });
    const rt = runtimeFor(home);
    const ref = tag('target');
    made.push(ref);
    try {
      await buildImage(rt, { room, context: dir, tag: ref, dockerfile: 'build/Containerfile', target: 'first' });
    } finally {
      rt.close();
    }
    expect((await runIn(ref, ['cat', '/stage'])).trim()).toBe('first');
  });

  it('takes a Dockerfile from outside the context', async () => {
    const dir = contextDir({ 'data.txt': 'outside-dockerfile' });
    const elsewhere = contextDir({ 'Build.dockerfile': `FROM ${FIXTURE_IMAGE}\nCOPY data.txt /data.txt\n` });
    const rt = runtimeFor(home);
    const ref = tag('outside');
    made.push(ref);
    try {
      await buildImage(rt, { room, context: dir, tag: ref, dockerfile: path.join(elsewhere, 'Build.dockerfile') });
    } finally {
      rt.close();
    }
    expect((await runIn(ref, ['cat', '/data.txt'])).trim()).toBe('outside-dockerfile');
  });

  it('fails a build whose step fails, with the engine message, and tags nothing', async () => {
    const dir = contextDir({ Dockerfile: `FROM ${FIXTURE_IMAGE}\nRUN echo about to fail && exit 3\n` });
    const rt = runtimeFor(home);
    const ref = tag('fails');
    const output: string[] = [];
    try {
      const err = await buildImage(rt, { room, context: dir, tag: ref, onEvent: (e) => e.type === 'output' && output.push(e.text) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BerthError);
      expect((err as BerthError).exitCode).toBe(1);
      expect((err as Error).message).toMatch(/returned a non-zero code: 3/);
      expect(output.join('')).toContain('about to fail');
      expect(await imageExists(rt, ref)).toBe(false);
      const audit = rt.audit.read().filter((a) => a.action === 'image.build' && a.target === `${room}/${ref}`);
      expect(audit.at(-1)?.result).toBe('error');
    } finally {
      rt.close();
    }
  });

  it('refuses a missing Dockerfile and a bad tag before anything is sent', async () => {
    const dir = contextDir({ 'app.js': '' });
    const rt = runtimeFor(home);
    const before = rt.audit.read().length;
    try {
      await expect(buildImage(rt, { room, context: dir, tag: tag('x') })).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('no Dockerfile') });
      await expect(buildImage(rt, { room, context: dir, tag: 'Bad Tag' })).rejects.toMatchObject({ exitCode: 2 });
      await expect(buildImage(rt, { room, context: path.join(dir, 'nope'), tag: tag('x') })).rejects.toMatchObject({ exitCode: 3 });
      expect(rt.audit.read()).toHaveLength(before);
    } finally {
      rt.close();
    }
  });

  it('cancel stops the build on the engine: the step container goes away', async () => {
    const marker = `berth-cancel-${randomBytes(4).toString('hex')}`;
    const dir = contextDir({ Dockerfile: `FROM ${FIXTURE_IMAGE}\nRUN echo started-${marker} && sleep 600\n` });
    const rt = runtimeFor(home);
    const ctl = new AbortController();
    try {
      const building = buildImage(rt, {
        room,
        context: dir,
        tag: tag('cancel'),
        signal: ctl.signal,
        onEvent: (e) => {
          if (e.type === 'output' && e.text.includes(`started-${marker}`)) ctl.abort();
        },
      });
      await expect(building).rejects.toMatchObject({ exitCode: 130 });
    } finally {
      rt.close();
    }
    await waitFor(async () => {
      const all = await docker.listContainers({ all: true });
      return !all.some((c) => c.Command.includes(marker));
    }, 'the build step container to be removed', 30_000);
  });
});
