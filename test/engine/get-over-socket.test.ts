// Requests over a local socket without dockerode (engine.ts getOverSocket). Listings (Runtime.listContainers) answer
// what dockerode's listContainers answers, and fail the way it does, for the real engine and for broken ones; a body
// read as it comes (Runtime.getOverSocket, archive downloads) reaches its reader read by read, in order, paused while
// the reader waits, and the reader's own failure is not taken for the engine's.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BerthError, EngineUnreachableError, Runtime } from '../../src/runtime/core/index.js';
import { docker, FIXTURE_IMAGE, TEST_LOG_CONFIG, tempHome, uniqueRoom } from '../support/helpers.js';

const home = tempHome();
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

/** What a listing gives, or how it fails: through berth's own request and through dockerode (DEBUG set). */
async function both(env: NodeJS.ProcessEnv, query: { all: boolean; filters: Record<string, string[]> }) {
  const outcome = (p: Promise<unknown>) =>
    p.then(
      (value) => ({ value }),
      (err: Error & { statusCode?: number; json?: unknown }) => ({ error: { kind: err.constructor.name, message: err.message, statusCode: err.statusCode, json: err.json } }),
    );
  const direct = new Runtime({ env: { ...process.env, DEBUG: '', ...env, BERTH_HOME: home } });
  const viaDockerode = new Runtime({ env: { ...process.env, ...env, BERTH_HOME: home, DEBUG: 'nothing-berth-logs' } });
  return [await outcome(direct.listContainers('list containers', query)), await outcome(viaDockerode.listContainers('list containers', query))];
}

/** A socket that answers every request with `respond`, for engines that cannot be made to fail for real. */
async function fakeEngine(respond: (socket: net.Socket) => void): Promise<{ host: string; close: () => void }> {
  const sock = path.join(home, `engine-${Math.random().toString(36).slice(2)}.sock`);
  const server = net.createServer((s) => s.once('data', () => respond(s)));
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  return { host: `unix://${sock}`, close: () => server.close() };
}

describe('a listing over the local socket', () => {
  it('is what dockerode lists, for the real engine', async () => {
    const room = uniqueRoom('sock');
    const ids: string[] = [];
    try {
      for (const name of ['a', 'b', 'c']) {
        const c = await docker.createContainer({ Image: FIXTURE_IMAGE, Cmd: ['true'], Labels: { 'berth.room': room, 'berth.name': name }, HostConfig: { LogConfig: TEST_LOG_CONFIG } });
        ids.push(c.id);
      }
      const all = await both({}, { all: true, filters: { label: [`berth.room=${room}`] } });
      expect((all[0] as { value: unknown[] }).value).toHaveLength(3);
      expect(all[0]).toEqual(all[1]);
      // Running only (none are), and a status filter.
      expect(await both({}, { all: false, filters: { label: [`berth.room=${room}`] } })).toEqual([{ value: [] }, { value: [] }]);
      const created = await both({}, { all: true, filters: { label: [`berth.room=${room}`, 'berth.name=b'], status: ['created'] } });
      expect((created[0] as { value: { Id: string }[] }).value.map((c) => c.Id)).toEqual([ids[1]]);
      expect(created[0]).toEqual(created[1]);
    } finally {
      await Promise.all(ids.map((id) => docker.getContainer(id).remove({ force: true })));
    }
  });

  it('fails as dockerode does for an error status, a chunked body and a lost connection', async () => {
    const answers: Record<string, (s: net.Socket) => void> = {
      'server error': (s) => s.end('HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: 18\r\n\r\n{"message":"boom"}'),
      'bad parameter': (s) => s.end('HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 24\r\n\r\n{"message":"bad filter"}'),
      'not found': (s) => s.end('HTTP/1.1 404 Not Found\r\nContent-Length: 19\r\n\r\n{"message":"nope"}\n'),
      'text error': (s) => s.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\ndown'),
      chunked: (s) => s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n[{"I\r\n9;ext=1\r\nd":"x"}]\n\r\n0\r\n\r\n'),
      'hung up': (s) => s.end(),
      // Bigger than http-parser-js's header limit, in one read that also ends the answer (a room of 100 containers).
      big: (s) => {
        const body = JSON.stringify(Array.from({ length: 400 }, (_, i) => ({ Id: String(i).padStart(64, '0'), Names: [`/c${i}`], Labels: { 'berth.room': 'x'.repeat(300) } })));
        s.end(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`);
      },
    };
    for (const [what, respond] of Object.entries(answers)) {
      const engine = await fakeEngine(respond);
      try {
        const [direct, viaDockerode] = await both({ DOCKER_HOST: engine.host }, { all: false, filters: { label: ['x=y'] } });
        expect(direct, what).toEqual(viaDockerode);
      } finally {
        engine.close();
      }
    }
  });

  it('ends in a lost connection, not a wait for ever, when the answer is cut short', async () => {
    const engine = await fakeEngine((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n[1,2'));
    try {
      const rt = new Runtime({ env: { ...process.env, BERTH_HOME: home, DOCKER_HOST: engine.host } });
      await expect(rt.listContainers('list containers', { all: false, filters: {} })).rejects.toBeInstanceOf(EngineUnreachableError);
    } finally {
      engine.close();
    }
  });

  it('stops when its signal is aborted, and when the engine is closed', async () => {
    const engine = await fakeEngine(() => {}); // never answers
    try {
      const rt = new Runtime({ env: { ...process.env, BERTH_HOME: home, DOCKER_HOST: engine.host } });
      const controller = new AbortController();
      const listing = rt.listContainers('list containers', { all: false, filters: {}, signal: controller.signal });
      setTimeout(() => controller.abort(new BerthError('interrupted', 'cancelled')), 50);
      await expect(listing).rejects.toMatchObject({ name: 'AbortError' });
      const waiting = rt.listContainers('list containers', { all: false, filters: {} });
      await new Promise((r) => setTimeout(r, 50));
      (await rt.engine()).close();
      await expect(waiting).rejects.toBeInstanceOf(EngineUnreachableError);
    } finally {
      engine.close();
    }
  });
});

describe('a body read as it comes over the local socket', () => {
  /** A fake engine that sends an answer in parts, each once the previous one has been read. */
  const inParts = (parts: string[]) => (s: net.Socket) => {
    const next = () => {
      const part = parts.shift();
      if (part === undefined) return void s.end();
      s.write(part, () => setTimeout(next, 20));
    };
    next();
  };
  const chunked = (...bodies: string[]) => ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', ...bodies.map((b) => `${b.length.toString(16)}\r\n${b}\r\n`), '0\r\n\r\n'];

  it('reaches the reader read by read and in order, reading paused while the reader waits', async () => {
    // Each part is sent once the reader has the one before, so it arrives while the reader still waits.
    const parts = chunked('one,', 'two,', 'three');
    let server: net.Socket | undefined;
    const engine = await fakeEngine((s) => {
      server = s;
      s.write(parts.shift()!);
      s.write(parts.shift()!);
    });
    try {
      const rt = new Runtime({ env: { ...process.env, BERTH_HOME: home, DOCKER_HOST: engine.host } });
      const got: string[] = [];
      let waiting = false;
      const asked = await rt.getOverSocket('read', '/x', {}, undefined, (pieces) => {
        expect(waiting, 'a read while the reader waits').toBe(false);
        got.push(Buffer.concat(pieces).toString()); // a copy: the pieces are views of a buffer the next read reuses
        server!.write(parts.shift()!);
        waiting = true;
        return new Promise((resolve) => setTimeout(() => resolve(void (waiting = false)), 50));
      });
      expect(asked).toBe(true);
      expect(got).toEqual(['one,', 'two,', 'three']);
    } finally {
      engine.close();
    }
  });

  it("fails with the reader's own error (a closed pipe is not an unreachable engine), and as the engine's when the answer is cut short", async () => {
    const engine = await fakeEngine(inParts(chunked('one,', 'two,')));
    const cut = await fakeEngine(inParts(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', '4\r\none,\r\n']));
    const missing = await fakeEngine((s) => s.end('HTTP/1.1 404 Not Found\r\nContent-Length: 29\r\n\r\n{"message":"no such thing"}\n\n'));
    try {
      const over = (host: string, reader: (pieces: Buffer[]) => void) => new Runtime({ env: { ...process.env, BERTH_HOME: home, DOCKER_HOST: host } }).getOverSocket('read x', '/x', { 404: 'no such container' }, undefined, reader);
      const closed = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
      await expect(over(engine.host, () => { throw closed; })).rejects.toBe(closed);
      await expect(over(cut.host, () => {})).rejects.toBeInstanceOf(EngineUnreachableError);
      await expect(over(missing.host, () => {})).rejects.toThrow('read x: no such thing');
    } finally {
      for (const e of [engine, cut, missing]) e.close();
    }
  });

  it('is not asked over an engine that is not a local socket', async () => {
    const rt = new Runtime({ env: { ...process.env, BERTH_HOME: home, DOCKER_HOST: 'tcp://127.0.0.1:9' } });
    expect(await rt.getOverSocket('read', '/x', {}, undefined, () => {})).toBe(false);
  });
});
