// The authorisation matrix, generated from the server's route table: every route × no credentials, a revoked
// token, an expired token, a token for another room, a token without the route's grant, and an admin, each with
// its expected status; and a refused call changes nothing on the engine, in SQLite or in the data directory. A
// route without an example request (test/support/route-examples*.ts) fails here.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeToken } from '../../src/runtime/access/index.js';
import { buildApp, type RouteEntry } from '../../src/server/app.js';
import { docker, FIXTURE_IMAGE, runtimeFor, tempHome, uniqueRoom } from '../support/helpers.js';
import { PERSON } from '../support/person.js';
import { routeExamples, type ExampleRequest, type Fixtures, type RouteExample, type RouteExamples } from '../support/route-examples.js';
import { removeServeRoom, startServe, type ServeProcess } from '../support/serve-helpers.js';
import { call, expireToken, makeToken, openSocket } from '../support/token-helpers.js';

const home = tempHome();
const room = uniqueRoom('mx');
const otherRoom = uniqueRoom('mxo');
let server: ServeProcess;
let routes: RouteEntry[] = [];
const examples: RouteExamples = { ...routeExamples };

const FAMILIES = ['containers', 'exec', 'files', 'images', 'build', 'services', 'plugins', 'records'];
const ALL_GRANTS = [...FAMILIES.flatMap((f) => [`${f}:read`, `${f}:write`]), 'approvals:request'];

/** Every grant but what the route needs: for a read, neither read nor write of its family (write includes read). */
function grantsWithout(grant: string): string[] {
  const [family, level] = grant.split(':');
  return ALL_GRANTS.filter((g) => g !== grant && !(level === 'read' && g === `${family}:write`));
}

/** Each request from its own loopback address: the failed-auth delay grows per address. */
let addressSeq = 0;
const nextAddress = () => `127.1.${Math.floor(addressSeq / 250) % 250}.${(addressSeq++ % 250) + 2}`;

const CODE_STATUS: Record<string, number> = { not_found: 404, forbidden: 403, bad_request: 400, conflict: 409, unauthorized: 401 };

/** Sends an example as one principal; a WebSocket route answers its upgrade status, or its first error frame's. */
async function send(entry: RouteEntry, req: ExampleRequest, auth: string | null): Promise<{ status: number; body: string }> {
  if (entry.websocket) {
    const s = openSocket(server, req.url, auth);
    const status = await s.opened;
    if (status !== 101) return { status, body: '' };
    const closed = await Promise.race([s.closed, new Promise<undefined>((r) => setTimeout(r, 1000))]);
    if (!closed) s.ws.close();
    const error = s.frames.find((f) => f.type === 'error');
    return error ? { status: CODE_STATUS[error.error.code] ?? 500, body: JSON.stringify(error) } : { status: 101, body: JSON.stringify(s.frames) };
  }
  const r = await call(server, entry.method, req.url, { auth, body: req.body, raw: req.raw, from: auth?.startsWith('Basic') ? undefined : nextAddress() });
  return { status: r.status, body: r.body };
}

/** What a refused call must not change: the engine's objects of both rooms, every SQLite table, the data directory. */
async function snapshot(): Promise<unknown> {
  const rooms = [room, otherRoom];
  const containers = (await Promise.all(rooms.map((r) => docker.listContainers({ all: true, filters: { label: [`berth.room=${r}`] } }))))
    .flat()
    .map((c) => `${c.Id} ${c.State} ${JSON.stringify(c.Labels)}`)
    .sort();
  const volumes = ((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name).filter((n) => rooms.some((r) => n.includes(r))).sort();
  const rt = runtimeFor(home, { BERTH_AGENT: '' });
  const tables: Record<string, unknown> = {};
  try {
    const db = rt.db();
    // The server's published state (for the dashboard) is rewritten every second, whoever calls.
    for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'api_server_state' ORDER BY name").all() as { name: string }[]) {
      const rows = db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[];
      // When a token was last used is written as it is used, refused or not.
      tables[name] = name === 'api_tokens' ? rows.map(({ last_used_at: _, ...r }) => r) : rows;
    }
  } finally {
    rt.close();
  }
  const files: string[] = [];
  const db = path.basename(runtimeFor(home).paths.database);
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.name.startsWith(db)) continue;
      const st = fs.lstatSync(p);
      files.push(`${path.relative(home, p)} ${st.size} ${st.mtimeMs}`);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(home);
  return { containers, volumes, tables, files: files.sort() };
}

async function createRunning(): Promise<string> {
  const c = await call(server, 'POST', '/v1/containers', { auth: server.auth(), body: { image: FIXTURE_IMAGE } });
  expect(c.status, c.body).toBe(201);
  const s = await call(server, 'POST', `/v1/containers/${c.json().cuid}/start`, { auth: server.auth() });
  expect(s.status, s.body).toBe(200);
  return c.json().cuid;
}

let shared: Promise<string> | undefined;
const fx: Fixtures = {
  room,
  otherRoom,
  home,
  container: () => (shared ??= createRunning()),
  newContainer: createRunning,
  newToken: async () => (await makeToken(home, { agent: 'matrix-victim', rooms: [room] })).token.id,
};

const tokens: Record<string, string> = {};
/** The agent of the matrix's tokens: the one the admin's containers belong to (the default agent), so that a token
 * holding a route's grant may act on them as the admin does. */
const AGENT = 'user';

beforeAll(async () => {
  // The route table as the server builds it (the same code, in this process, not listening).
  const rt = runtimeFor(home, { BERTH_AGENT: '' });
  const built = await buildApp({ rt, room, shutdown: new AbortController().signal });
  routes = built.routes.filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS');
  await built.app.close();
  rt.close();
  const library = new URL('../support/route-examples-library.ts', import.meta.url);
  if (fs.existsSync(library)) {
    for (const value of Object.values(await import(library.href))) {
      if (value && typeof value === 'object' && Object.values(value).every((v) => typeof (v as RouteExample)?.request === 'function')) Object.assign(examples, value);
    }
  }
  server = await startServe(home, room);
  const revoked = await makeToken(home, { agent: AGENT, rooms: ['*'], grants: ALL_GRANTS, name: 'revoked' });
  await revokeToken(runtimeFor(home, { BERTH_AGENT: '' }), revoked.token.id, PERSON);
  tokens.revoked = revoked.auth;
  const expired = await makeToken(home, { agent: AGENT, rooms: [room], grants: ALL_GRANTS, expires: '1h', name: 'expired' });
  expireToken(home, expired.token.id);
  tokens.expired = expired.auth;
  tokens.wrongRoom = (await makeToken(home, { agent: AGENT, rooms: [otherRoom], grants: ALL_GRANTS, name: 'wrong-room' })).auth;
  tokens.all = (await makeToken(home, { agent: AGENT, rooms: [room], grants: ALL_GRANTS, name: 'all' })).auth;
  tokens.few = (await makeToken(home, { agent: AGENT, rooms: [room], grants: ['approvals:request'], name: 'few' })).auth;
  for (const g of ALL_GRANTS) tokens[`without ${g}`] = (await makeToken(home, { agent: AGENT, rooms: [room], grants: grantsWithout(g), name: `no-${g.replace(':', '-')}` })).auth;
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await removeServeRoom(room);
  await removeServeRoom(otherRoom);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('authorisation matrix', () => {
  it('has an example request for every route, and none for a route that does not exist', () => {
    expect(routes.length).toBeGreaterThan(20);
    const keys = routes.map((r) => `${r.method} ${r.url}`);
    expect(keys.filter((k) => !examples[k]), 'routes without a row in test/support/route-examples*.ts').toEqual([]);
    expect(Object.keys(examples).filter((k) => !keys.includes(k)), 'rows for routes that do not exist').toEqual([]);
    expect(routes.filter((r) => !r.grant), 'routes that declare no grant').toEqual([]);
  });

  it('answers each caller of each route as expected, and a refused call changes nothing', async () => {
    const failures: string[] = [];
    for (const entry of routes) {
      const key = `${entry.method} ${entry.url}`;
      const example = examples[key];
      if (!example) continue;
      const grant = entry.grant!;
      const missing = grant === 'public' ? tokens.few! : grant === 'person' ? tokens.all! : tokens[`without ${grant}`]!;
      const wrongRoomStatus = grant === 'person' ? 403 : (example.wrongRoom ?? 404);
      const refused: [string, string | null, number][] = [
        ['no credentials', null, 401],
        ['revoked token', tokens.revoked!, 401],
        ['expired token', tokens.expired!, 401],
        [grant === 'public' ? 'token with no family grant' : `token without ${grant}`, missing, grant === 'public' ? 200 : 403],
        ['token for another room', tokens.wrongRoom!, wrongRoomStatus],
      ];
      // Requests are built first: an example may create what it acts on, which is not the call under test.
      const requests = await Promise.all(refused.map(() => example.request(fx)));
      // Refused calls first (expected 4xx), then the others: only the first are checked for changing nothing.
      const order = refused.map((r, i) => [r, requests[i]!] as const).sort((a, b) => Number(a[0][2] < 400) - Number(b[0][2] < 400));
      refused.splice(0, refused.length, ...order.map(([r]) => r));
      requests.splice(0, requests.length, ...order.map(([, q]) => q));
      const before = await snapshot();
      const compare = async () => {
        try {
          expect(await snapshot()).toEqual(before);
        } catch (err) {
          failures.push(`${key}: a refused call changed something: ${(err as Error).message.slice(0, 600)}`);
        }
      };
      for (const [i, [who, auth, expected]] of refused.entries()) {
        const r = await send(entry, requests[i]!, auth);
        const ok = expected === 200 ? r.status >= 200 && r.status < 300 : expected === 101 ? r.status === 101 : r.status === expected;
        if (!ok) failures.push(`${key} as ${who}: ${r.status} (expected ${expected}) ${r.body.slice(0, 200)}`);
        // After the refused ones (they come first), nothing may have changed.
        if (refused[i + 1] !== undefined && refused[i + 1]![2] < 400 && expected >= 400) await compare();
      }
      if (refused.every(([, , s]) => s >= 400)) await compare();
      // A person-only route is the admin's; every other route answers a token holding its grant as it answers an admin.
      const adminReq = await example.request(fx);
      const admin = await send(entry, adminReq, server.auth());
      const adminOk = example.admin !== undefined ? admin.status === example.admin : entry.websocket ? admin.status === 101 : admin.status >= 200 && admin.status < 300;
      if (!adminOk) failures.push(`${key} as admin: ${admin.status} (expected ${example.admin ?? (entry.websocket ? 101 : '2xx')}) ${admin.body.slice(0, 200)}`);
      if (grant !== 'person') {
        const granted = await send(entry, await example.request(fx), tokens.all!);
        if (granted.status !== admin.status) failures.push(`${key} as a token with its grant: ${granted.status}, the admin got ${admin.status} ${granted.body.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
  }, 600_000);
});
