// What reaches a service while it runs and while it is updated: a WebSocket through berth proxy, `service logs -f`
// across a deploy (the new revision's lines appear in the same follow), and the service's DNS name in the room
// network, which a candidate revision only gets once it is healthy.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  WEB_IMAGE_LINES,
  WS_ECHO_IMAGE_LINES,
  buildTestImage,
  removeImages,
  removeServiceRooms,
  runBerth,
  serviceContainers,
  spawnBerth,
  startProxy,
  uniqueTag,
} from './deploy-helpers.js';
import { tempHome, uniqueRoom } from './helpers.js';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 300_000 });
process.env.BERTH_DEPLOY_MODE = 'engine';

const home = tempHome();
const room = uniqueRoom('dt');
const WEB = uniqueTag('web');
const WS = uniqueTag('ws');
let proxy: Awaited<ReturnType<typeof startProxy>>;

beforeAll(async () => {
  await buildTestImage(WEB, WEB_IMAGE_LINES);
  await buildTestImage(WS, WS_ECHO_IMAGE_LINES);
  proxy = await startProxy(home);
});

afterAll(async () => {
  await proxy?.stop();
  await removeServiceRooms([room]);
  await removeImages([WEB, WS]);
  fs.rmSync(home, { recursive: true, force: true });
});

/** The client side of RFC 6455 by hand (Node 20 has no WebSocket client): the handshake, then one masked frame. */
function openWebSocket(port: number, host: string): Promise<{ status: number; accept: string | undefined; expected: string; socket: Duplex; head: Buffer }> {
  const key = randomBytes(16).toString('base64');
  const expected = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      path: '/echo',
      headers: { host, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': key, 'sec-websocket-version': '13' },
      timeout: 20_000,
    });
    req.on('upgrade', (res, socket, head) => resolve({ status: res.statusCode ?? 0, accept: res.headers['sec-websocket-accept'] as string | undefined, expected, socket, head }));
    req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const header = Buffer.from([0x81, 0x80 | payload.length]);
  return Buffer.concat([header, mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]);
}

/** A frame's payload, unmasked when the mask bit is set (the echo sends the client's own frame back). */
function framePayload(frame: Buffer): string {
  const len = frame[1]! & 0x7f;
  if (!(frame[1]! & 0x80)) return frame.subarray(2, 2 + len).toString();
  const mask = frame.subarray(2, 6);
  return Buffer.from(frame.subarray(6, 6 + len).map((b, i) => b ^ mask[i % 4]!)).toString();
}

function readBytes(socket: Duplex, head: Buffer, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = head;
    const check = () => {
      if (got.length >= n) {
        socket.off('data', onData);
        resolve(got.subarray(0, n));
      }
    };
    const onData = (c: Buffer) => {
      got = Buffer.concat([got, c]);
      check();
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('end', () => reject(new Error(`socket ended after ${got.length} of ${n} bytes`)));
    setTimeout(() => reject(new Error(`timed out after ${got.length} of ${n} bytes`)), 20_000).unref();
    check();
  });
}

describe('berth proxy', () => {
  it('proxies a WebSocket upgrade to the service: 101 with the right accept key, frames both ways', async () => {
    const domain = `ws.${room}.test`;
    const r = await runBerth(home, ['--room', room, 'deploy', '--tag', WS, '--name', 'ws', '--port', '8080', '--domain', domain, '--settle', '1s']);
    expect(r.code, r.stderr).toBe(0);
    const ws = await openWebSocket(proxy.port, domain);
    try {
      expect(ws.status).toBe(101);
      expect(ws.accept).toBe(ws.expected);
      for (const text of ['hello through berth proxy', 'and a second frame']) {
        const frame = maskedTextFrame(text);
        ws.socket.write(frame);
        const echoed = await readBytes(ws.socket, ws.head, frame.length);
        ws.head = Buffer.alloc(0);
        expect(framePayload(echoed)).toBe(text);
      }
    } finally {
      ws.socket.destroy();
    }
    // An upgrade for a host no service has is refused, not hung.
    await expect(openWebSocket(proxy.port, `nothing.${room}.test`)).rejects.toThrow(/404|socket hang up|ECONNRESET/);
  });
});

describe('berth service logs -f', () => {
  it('follows the service across a deploy: the new revision\'s lines join the stream until Ctrl+C', async () => {
    const deploy = (version: string) =>
      runBerth(home, ['--room', room, 'deploy', '--tag', WEB, '--name', 'logged', '--port', '8080', '--env', `VERSION=${version}`, '--settle', '1s', '--drain', '1s']);
    const first = await deploy('v1');
    expect(first.code, first.stderr).toBe(0);
    const follow = spawnBerth(home, ['--room', room, 'service', 'logs', '-f', 'logged']);
    try {
      await follow.waitFor(/^logged-r1 \| started v1$/, 'stdout');
      const update = await deploy('v2');
      expect(update.code, update.stderr).toBe(0);
      // Printed by the container that did not exist when logs -f started, in the same merged, prefixed form.
      await follow.waitFor(/^logged-r2 \| started v2$/, 'stdout', 30_000);
      // The old revision is gone; the follow is still open for the next one.
      expect((await serviceContainers(room, 'logged')).map((c) => c.Labels['berth.service.revision'])).toEqual(['2']);
      expect(follow.child.exitCode).toBeNull();
      const rollback = await runBerth(home, ['--room', room, 'service', 'rollback', 'logged']);
      expect(rollback.code, rollback.stderr).toBe(0);
      await follow.waitFor(/^logged-r3 \| started v1$/, 'stdout', 30_000);
    } finally {
      follow.child.kill('SIGINT');
    }
    const { code } = await follow.exit;
    expect(code).toBe(130);
    expect(follow.stdout().split('\n').filter((l) => / started v/.test(l))).toEqual(['logged-r1 | started v1', 'logged-r2 | started v2', 'logged-r3 | started v1']);
  });
});
