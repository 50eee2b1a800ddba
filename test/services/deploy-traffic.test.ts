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
  execIn,
  get,
  removeImages,
  removeServiceRooms,
  runBerth,
  serviceContainers,
  spawnBerth,
  startProxy,
  uniqueTag,
} from '../support/deploy-helpers.js';
import { setAgentLimits } from '../../src/runtime/agents/index.js';
import { docker, roomContainer, runtimeFor, tempHome, uniqueRoom } from '../support/helpers.js';
import { PERSON } from '../support/person.js';

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

/** The client side of RFC 6455 by hand (not Node's WebSocket, which hides them): the handshake with its status and accept key, then one masked frame. */
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

/** The IPv4 addresses a name resolves to from inside the room (busybox nslookup against Docker's DNS). */
async function resolveInRoom(probeId: string, name: string): Promise<string[]> {
  const r = await execIn(probeId, ['nslookup', name]);
  return r.output
    .split('\n')
    .map((l) => /^Address:\s+(\d+\.\d+\.\d+\.\d+)$/.exec(l.trim())?.[1])
    .filter((a): a is string => Boolean(a))
    .sort();
}

async function endpoint(room: string, id: string): Promise<{ ip: string; aliases: string[] }> {
  const info = await docker.getContainer(id).inspect();
  const net = info.NetworkSettings.Networks[`berth-${room}`]!;
  return { ip: net.IPAddress, aliases: net.Aliases ?? [] };
}

describe("the service's name in the room network", () => {
  it('goes to a new revision only once it is healthy: never to an unhealthy candidate, to the new one at the switch', async () => {
    const domain = `named.${room}.test`;
    const flags = (version: string, liveness: string) => [
      '--room', room, 'deploy', '--tag', WEB, '--name', 'named', '--port', '8080', '--env', `VERSION=${version}`, '--domain', domain,
      '--liveness', liveness, '--settle', '1s', '--drain', '1s', '--health-timeout', '8s',
    ];
    const first = await runBerth(home, flags('v1', 'http:/health'));
    expect(first.code, first.stderr).toBe(0);
    const [r1] = await serviceContainers(room, 'named');
    const old = await endpoint(room, r1!.Id);
    expect(old.aliases).toEqual(expect.arrayContaining(['named', 'named-r1']));
    const probe = await roomContainer(room, 'probe');
    expect(await resolveInRoom(probe.id, 'named')).toEqual([old.ip]);

    // An update that never becomes healthy: while it is checked, the name resolves to the old container only.
    const failing = spawnBerth(home, flags('v2', 'http:/missing'));
    await failing.waitFor(/named r2: waiting for GET \/missing/);
    const candidate = await waitForContainer(room, 'named', '2');
    const cand = await endpoint(room, candidate);
    expect(cand.aliases).toContain('named-r2');
    expect(cand.aliases).not.toContain('named');
    for (let i = 0; i < 3; i++) expect(await resolveInRoom(probe.id, 'named')).toEqual([old.ip]);
    // The candidate is on the room network all the same, under its own name.
    expect(await resolveInRoom(probe.id, 'named-r2')).toEqual([cand.ip]);
    expect((await failing.exit).code).not.toBe(0);
    expect(failing.stderr()).toContain('revision 1 keeps serving');
    expect(await resolveInRoom(probe.id, 'named')).toEqual([old.ip]);

    // A healthy update: the name moves to the new container at the switch, the old one loses it with its removal.
    const good = await runBerth(home, flags('v3', 'http:/health'));
    expect(good.code, good.stderr).toBe(0);
    expect(good.stderr).toContain('giving named-r3 the name named in the room network');
    const [r3] = await serviceContainers(room, 'named');
    expect(r3!.Labels['berth.service.revision']).toBe('3');
    const now = await endpoint(room, r3!.Id);
    expect(now.aliases).toEqual(expect.arrayContaining(['named', 'named-r3']));
    expect(await resolveInRoom(probe.id, 'named')).toEqual([now.ip]);
    // It answers on the host port it published again after taking the name, through berth proxy and directly.
    expect((await get(proxy.port, domain)).body.trim()).toBe('v3');
    const http = await execIn(probe.id, ['wget', '-qO-', 'http://named:8080/']);
    expect(http.output.trim()).toBe('v3');
  });
});

async function waitForContainer(room: string, service: string, revision: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const c = (await serviceContainers(room, service)).find((x) => x.Labels['berth.service.revision'] === revision);
    if (c) return c.Id;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no container of ${service} revision ${revision}`);
}

describe('deploy under the limits of its --identity', () => {
  it('is refused in one line when it would exceed the agent\'s max running, creating nothing; an update still fits', async () => {
    const agent = `lim${randomBytes(3).toString('hex')}`;
    // Limits are a person's to set (a terminal on stdin): set as the person would, through the runtime.
    const rt = runtimeFor(home, { BERTH_AGENT: '' });
    await setAgentLimits(rt, agent, { maxRunning: '1' }, PERSON);
    rt.close();
    const deploy = (name: string, version: string) =>
      runBerth(home, ['--room', room, 'deploy', '--tag', WEB, '--name', name, '--identity', agent, '--port', '8080', '--env', `VERSION=${version}`, '--settle', '500ms', '--drain', '100ms']);
    const first = await deploy('limited', 'v1');
    expect(first.code, first.stderr).toBe(0);
    // An update replaces the running revision: it is not counted against its own candidate.
    const update = await deploy('limited', 'v2');
    expect(update.code, update.stderr).toBe(0);
    expect((await serviceContainers(room, 'limited')).map((c) => c.Labels['berth.service.revision'])).toEqual(['2']);

    const refused = await deploy('second', 'v1');
    expect(refused.code).toBe(6);
    // The error is one line; before it only the progress line of the image check, no container was started.
    expect(refused.stderr.trim().split('\n')).toEqual([`second: image ${WEB}`, `berth: agent ${agent}: max running 1 reached (1 running)`]);
    expect(await serviceContainers(room, 'second')).toEqual([]);
    const list = JSON.parse((await runBerth(home, ['--room', room, 'service', 'list', '-o', 'json'])).stdout).items as { name: string }[];
    expect(list.map((s) => s.name)).not.toContain('second');
    const audit = fs.readFileSync(`${home}/data/actions.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { action: string; target: string; result?: string });
    expect(audit.filter((a) => a.target === `${room}/second`).map((a) => a.action)).toEqual(['service.deploy']);
  });
});
