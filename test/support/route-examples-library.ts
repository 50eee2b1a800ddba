// One example request per route of the library over the API (plugin containers, records, images, jobs, logs,
// stats, storage, services, builds, host commands), for the authorisation matrix (see route-examples.ts). What an
// example needs (a plugin release, a plugin container, a record, a service, a host command request) is made in the
// server's home through the library, before the matrix's snapshot; images it builds have fixed names and contents,
// so a run reuses the previous run's instead of adding more.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';
import { addTrustRule, fileShellRequest } from '../../src/runtime/host-commands/index.js';
import { runPlugin } from '../../src/runtime/plugins/index.js';
import { RecordService } from '../../src/runtime/records/index.js';
import { DeployService } from '../../src/runtime/services/index.js';
import { buildTestImage } from './deploy-helpers.js';
import { docker, FIXTURE_IMAGE, runCli, runtimeFor, waitFor } from './helpers.js';
import type { Fixtures, RouteExamples } from './route-examples.js';

const PLUGIN = 'matrixprobe@1.0.0';
const SERVICE_IMAGE = 'berth-matrix-service:1';
const DENIED = ['false'];

const once = new Map<string, Promise<unknown>>();
function cached<T>(key: string, make: () => Promise<T>): Promise<T> {
  if (!once.has(key)) once.set(key, make());
  return once.get(key) as Promise<T>;
}

const rtOf = (fx: Fixtures) => runtimeFor(fx.home, { BERTH_AGENT: '', BERTH_DEPLOY_MODE: 'engine' });

/** The plugin release every plugin example runs (its image is built once and kept: same contents, same digest). */
function plugin(fx: Fixtures): Promise<string> {
  return cached(`plugin ${fx.home}`, async () => {
    const dir = path.join(fx.home, 'matrix-plugin');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'berth-plugin.yaml'), 'code: matrixprobe\nversion: 1.0.0\ndescription: sleeps\nparams:\n  type: object\n  properties:\n    seconds: { type: integer, minimum: 0 }\n');
    fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${FIXTURE_IMAGE}\nCMD ["sh", "-c", "sleep 600"]\n`);
    const added = await runCli(['plugin', 'add', dir], { BERTH_HOME: fx.home, BERTH_AGENT: '' });
    if (added.code !== 0) throw new Error(added.stderr);
    return PLUGIN;
  });
}

/** A running plugin container in the served room: its id and record. */
async function newPluginRun(fx: Fixtures): Promise<{ id: string; record: number }> {
  await plugin(fx);
  await fx.container(); // the served room exists
  const rt = rtOf(fx);
  try {
    const r = await runPlugin(rt, fx.room, PLUGIN, { params: ['seconds=600'] });
    return { id: r.container.id, record: r.record };
  } finally {
    rt.close();
  }
}

const sharedPluginRun = (fx: Fixtures) => cached(`plugin run ${fx.home}`, () => newPluginRun(fx));

/** A record whose container has exited (an outcome may be set on it). */
async function finishedRecord(fx: Fixtures): Promise<number> {
  const run = await newPluginRun(fx);
  const rt = rtOf(fx);
  try {
    const engine = await rt.engine();
    await engine.docker.getContainer(run.id).kill();
    await waitFor(async () => (await new RecordService(rt).get(run.record)).containerState === 'exited', 'the plugin container to exit');
    return run.record;
  } finally {
    rt.close();
  }
}

const serviceImage = () => cached('service image', () => buildTestImage(SERVICE_IMAGE, ['CMD ["sleep", "600"]']));

/** A service in the served room, deployed through the library. */
async function newService(fx: Fixtures, name: string): Promise<string> {
  await serviceImage();
  await fx.container();
  const rt = rtOf(fx);
  try {
    await new DeployService(rt).deploy(fx.room, { tag: SERVICE_IMAGE, name, identity: 'user', settle: '1s', drain: '100ms' });
    return name;
  } finally {
    rt.close();
  }
}

let serviceSeq = 0;
const sharedService = (fx: Fixtures) => cached(`service ${fx.home}`, () => newService(fx, 'matrix-svc'));

/** A request of the matrix tokens' agent, denied at once by a trusted deny pattern. */
function deniedRequest(fx: Fixtures): Promise<number> {
  return cached(`host request ${fx.home}`, async () => {
    await denyRule(fx);
    const rt = rtOf(fx);
    try {
      return (await fileShellRequest(rt, { agent: 'user', argv: DENIED, timeoutMs: 60_000 })).id;
    } finally {
      rt.close();
    }
  });
}

function denyRule(fx: Fixtures): Promise<unknown> {
  return cached(`deny rule ${fx.home}`, async () => {
    const rt = rtOf(fx);
    try {
      return await addTrustRule(rt, { pattern: DENIED, action: 'deny' });
    } finally {
      rt.close();
    }
  });
}

/** A one-Dockerfile build context as a tar. */
function contextTar(fx: Fixtures): Buffer {
  const dir = path.join(fx.home, 'matrix-context');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${FIXTURE_IMAGE}\nLABEL berth.test.matrix=true\n`);
  return execFileSync('tar', ['-cf', '-', '-C', dir, 'Dockerfile']);
}

/** An image on the test registry (pushed once from the fixture image), with the registry's credentials. */
function registryImage(): Promise<{ ref: string; username: string; password: string }> {
  return cached('registry image', async () => {
    const registry = inject('registry');
    const repo = `${registry.host}/berth-matrix-pull`;
    await docker.getImage(FIXTURE_IMAGE).tag({ repo, tag: '1' });
    const stream = await docker.getImage(`${repo}:1`).push({ tag: '1', authconfig: { serveraddress: registry.host, username: registry.username, password: registry.password } } as object);
    let out = '';
    for await (const chunk of stream) out += chunk.toString();
    if (out.includes('errorDetail')) throw new Error(`push to the test registry failed: ${out.slice(-300)}`);
    await docker.getImage(`${repo}:1`).remove();
    return { ref: `${repo}:1`, username: registry.username, password: registry.password };
  });
}

/** A tag the served room holds (tagged once from the fixture image). */
function roomImage(fx: Fixtures): Promise<string> {
  return cached(`room image ${fx.home}`, async () => {
    await fx.container();
    const r = await runCli(['image', 'tag', FIXTURE_IMAGE, 'berth-matrix-held:1', '--room', fx.room], { BERTH_HOME: fx.home, BERTH_AGENT: '' });
    if (r.code !== 0) throw new Error(r.stderr);
    return 'berth-matrix-held:1';
  });
}

export const libraryRouteExamples: RouteExamples = {
  // The agent surface: plugin containers and container records.
  'GET /v1/plugin-containers': { request: async (fx) => (await sharedPluginRun(fx), { url: '/v1/plugin-containers' }), wrongRoom: 200 },
  'GET /v1/plugin-containers/:id': { request: async (fx) => ({ url: `/v1/plugin-containers/${(await sharedPluginRun(fx)).id}` }) },
  'POST /v1/plugin-containers': { request: async (fx) => ({ url: '/v1/plugin-containers', body: { plugin_release: await plugin(fx), params: { seconds: 600 } } }), wrongRoom: 201 },
  'DELETE /v1/plugin-containers/:id': { request: async (fx) => ({ url: `/v1/plugin-containers/${(await newPluginRun(fx)).id}` }) },
  'GET /v1/records': { request: async (fx) => (await sharedPluginRun(fx), { url: '/v1/records' }), wrongRoom: 200 },
  'GET /v1/records/:id': { request: async (fx) => ({ url: `/v1/records/${(await sharedPluginRun(fx)).record}` }) },
  'PATCH /v1/records/:id': { request: async (fx) => ({ url: `/v1/records/${await finishedRecord(fx)}`, body: { status: 'archived' } }) },
  'DELETE /v1/records/:id': { request: async (fx) => ({ url: `/v1/records/${(await newPluginRun(fx)).record}` }) },

  // Images and builds.
  'GET /v1/images': { request: async (fx) => (await roomImage(fx), { url: '/v1/images' }), wrongRoom: 200 },
  'GET /v1/images/inspect': { request: async (fx) => ({ url: `/v1/images/inspect?ref=${encodeURIComponent(await roomImage(fx))}` }) },
  // From the test registry with its credentials (a token for another room pulls into that room).
  'POST /v1/images/pull': {
    request: async () => {
      const { ref, username, password } = await registryImage();
      return { url: '/v1/images/pull', body: { ref, username, password } };
    },
    wrongRoom: 200,
  },
  'POST /v1/images/tag': { request: async (fx) => ({ url: '/v1/images/tag', body: { source: await roomImage(fx), target: 'berth-matrix-held:2' } }), wrongRoom: 200 },
  // A name the room does not hold: the admin and the token with the grant both get 404; refused callers get theirs.
  'DELETE /v1/images': { request: () => ({ url: '/v1/images?ref=berth-matrix-never-held:1' }), admin: 404 },
  'POST /v1/build': { request: (fx) => ({ url: '/v1/build?tag=berth-matrix-built:1', raw: { data: contextTar(fx), contentType: 'application/x-tar' } }), wrongRoom: 200 },

  // Jobs, logs and stats.
  'POST /v1/jobs': { request: () => ({ url: '/v1/jobs', body: { image: FIXTURE_IMAGE, command: 'echo job' } }), wrongRoom: 200 },
  'GET /v1/containers/:cuid/logs': { request: async (fx) => ({ url: `/v1/containers/${await fx.container()}/logs?tail=5` }) },
  'GET /v1/containers/:cuid/logs/follow': { request: async (fx) => ({ url: `/v1/containers/${await fx.container()}/logs/follow?tail=1` }) },
  'GET /v1/stats': { request: async (fx) => ({ url: `/v1/stats?containers=${await fx.container()}` }) },

  // Storage: the served room's (it exists once a container was made in it).
  // A listing acts in the token's own room when it names none.
  'GET /v1/storage': { request: async (fx) => (await fx.container(), { url: '/v1/storage' }), wrongRoom: 200 },
  'POST /v1/storage/copy': {
    request: async (fx) => {
      await fx.container();
      const rt = rtOf(fx);
      fs.writeFileSync(path.join(rt.paths.roomsDir, fx.room, 'matrix.txt'), 'matrix');
      rt.close();
      return { url: '/v1/storage/copy', body: { src: 'matrix.txt', dst: `matrix-copy-${serviceSeq++}.txt` } };
    },
  },
  'DELETE /v1/storage': {
    request: async (fx) => {
      await fx.container();
      const rt = rtOf(fx);
      const name = `matrix-rm-${serviceSeq++}.txt`;
      fs.writeFileSync(path.join(rt.paths.roomsDir, fx.room, name), 'x');
      rt.close();
      return { url: `/v1/storage?path=${name}` };
    },
  },

  // Services.
  // The matrix tokens' agent as the identity: what an admin names, and what a token of that agent may name.
  'POST /v1/services': {
    request: async () => {
      await serviceImage();
      return { url: '/v1/services', body: { tag: SERVICE_IMAGE, name: `matrix-new-${serviceSeq++}`, identity: 'user', settle: '1s', drain: '100ms' } };
    },
    wrongRoom: 201,
  },
  'GET /v1/services': { request: async (fx) => (await sharedService(fx), { url: '/v1/services' }), wrongRoom: 200 },
  'GET /v1/services/:name': { request: async (fx) => ({ url: `/v1/services/${await sharedService(fx)}` }) },
  'GET /v1/services/:name/logs': { request: async (fx) => ({ url: `/v1/services/${await sharedService(fx)}/logs` }) },
  'GET /v1/services/:name/logs/follow': { request: async (fx) => ({ url: `/v1/services/${await sharedService(fx)}/logs/follow` }) },
  // A service with one revision has none to roll back to (409 for whoever may ask).
  'POST /v1/services/:name/rollback': { request: async (fx) => ({ url: `/v1/services/${await sharedService(fx)}/rollback`, body: {} }), admin: 409 },
  'DELETE /v1/services/:name': { request: async (fx) => ({ url: `/v1/services/${await newService(fx, `matrix-del-${serviceSeq++}`)}` }) },

  // Host commands: a request denied at once by a trusted pattern (no room involved, so another room's token asks too).
  'POST /v1/host-commands': { request: async (fx) => (await denyRule(fx), { url: '/v1/host-commands', body: { argv: DENIED } }), wrongRoom: 200 },
  'GET /v1/host-commands': { request: () => ({ url: '/v1/host-commands' }), wrongRoom: 200 },
  'GET /v1/host-commands/:id': { request: async (fx) => ({ url: `/v1/host-commands/${await deniedRequest(fx)}` }), wrongRoom: 200 },
};
