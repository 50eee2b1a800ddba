// One example request per API route, keyed by `METHOD url` exactly as the route is registered
// (`GET /v1/containers/:cuid`): the authorisation matrix (test/server/authz-matrix.test.ts) sends each one as every
// kind of caller — no token, a revoked one, an expired one, a token for another room, a token without the route's
// grant, an admin — and a route without a row here fails that test. Rows for further routes live in
// route-examples-library.ts with the same type.
import { FIXTURE_IMAGE } from './helpers.js';

/** What an example may ask the matrix for; everything it creates is removed with the rooms afterwards. */
export interface Fixtures {
  /** The room the server serves (every example acts in it). */
  room: string;
  /** Another room, which the "wrong room" token is limited to. */
  otherRoom: string;
  /** The server's BERTH_HOME. */
  home: string;
  /** A running container in the served room (an API container, with /app), shared by examples that do not change it. */
  container(): Promise<string>;
  /** A new running API container in the served room, for an example that deletes, stops or changes one. */
  newContainer(): Promise<string>;
}

/** One request: the URL with its parameters filled in (and any query string), and a body. */
export interface ExampleRequest {
  url: string;
  /** A JSON body. */
  body?: unknown;
  /** A raw body with its content type (a zip upload), instead of `body`. */
  raw?: { data: Buffer; contentType: string };
}

export interface RouteExample {
  /** Builds the request; called once per caller kind, so an example that consumes its resource gets a fresh one. */
  request(fx: Fixtures): Promise<ExampleRequest> | ExampleRequest;
  /** What an admin (HTTP Basic) gets: default any 2xx (a WebSocket route: the upgrade succeeds). */
  admin?: number;
  /**
   * What a token with every grant but only another room gets. Default 404: the resource is not there for it. A route
   * that acts in the token's own room without naming a resource (a listing, a create) answers 2xx and is not checked
   * for "nothing changed".
   */
  wrongRoom?: number;
}

export type RouteExamples = Record<string, RouteExample>;

/** An empty zip archive (end of central directory only). */
export const EMPTY_ZIP = Buffer.from('504b0506000000000000000000000000000000000000', 'hex');

const json = (data: unknown) => data;

export const routeExamples: RouteExamples = {
  'GET /openapi.json': { request: () => ({ url: '/openapi.json' }), wrongRoom: 200 },
  'GET /v1/health': { request: () => ({ url: '/v1/health' }), wrongRoom: 200 },
  'POST /v1/containers': { request: () => ({ url: '/v1/containers', body: json({ image: FIXTURE_IMAGE, command: 'sleep 600' }) }), wrongRoom: 201 },
  'GET /v1/containers': { request: () => ({ url: '/v1/containers' }), wrongRoom: 200 },
  'GET /v1/containers/:cuid': { request: async (fx) => ({ url: `/v1/containers/${await fx.container()}` }) },
  'PATCH /v1/containers/:cuid': { request: async (fx) => ({ url: `/v1/containers/${await fx.newContainer()}`, body: { tags: ['patched'] } }) },
  'PUT /v1/containers/:cuid/ports': { request: async (fx) => ({ url: `/v1/containers/${await fx.newContainer()}/ports`, body: { ports: [] } }) },
  'DELETE /v1/containers/:cuid': { request: async (fx) => ({ url: `/v1/containers/${await fx.newContainer()}` }) },
  // A cuid of the served room: the wrong-room token's delete answers a null-free error slot, not a deletion.
  'POST /v1/containers/batch-delete': { request: async (fx) => ({ url: '/v1/containers/batch-delete', body: { cuids: [await fx.newContainer()] } }), wrongRoom: 200 },
  'POST /v1/containers/batch-create': { request: () => ({ url: '/v1/containers/batch-create', body: { configs: [{ image: FIXTURE_IMAGE, command: 'sleep 600' }] } }), wrongRoom: 200 },
  'POST /v1/containers/:cuid/start': { request: async (fx) => ({ url: `/v1/containers/${await fx.container()}/start` }) },
  'POST /v1/containers/:cuid/stop': { request: async (fx) => ({ url: `/v1/containers/${await fx.newContainer()}/stop?timeout=0` }) },
  'POST /v1/containers/:cuid/restart': { request: async (fx) => ({ url: `/v1/containers/${await fx.newContainer()}/restart?timeout=0` }) },
  'POST /v1/containers/:cuid/pause': { request: async (fx) => ({ url: `/v1/containers/${await fx.newContainer()}/pause` }) },
  // Unpausing a running container is a conflict for the admin; what matters here is who may ask.
  'POST /v1/containers/:cuid/unpause': { request: async (fx) => ({ url: `/v1/containers/${await fx.container()}/unpause` }), admin: 409 },
  'GET /v1/containers/:cuid/status': { request: async (fx) => ({ url: `/v1/containers/${await fx.container()}/status` }) },
  'POST /v1/containers/:cuid/wait': { request: async (fx) => ({ url: `/v1/containers/${await fx.container()}/wait`, body: { status: 'running', timeout: 5 } }) },
  'PUT /v1/containers/:cuid/files': { request: async (fx) => ({ url: `/v1/containers/${await fx.container()}/files?path=up`, raw: { data: EMPTY_ZIP, contentType: 'application/zip' } }) },
  'GET /v1/containers/:cuid/files': { request: async (fx) => ({ url: `/v1/containers/${await fx.container()}/files?path=hello.txt` }), admin: 404 },
  'GET /v1/containers/:cuid/archive': { request: async (fx) => ({ url: `/v1/containers/${await fx.container()}/archive?path=` }) },
  'POST /v1/containers/:cuid/upload-and-run': {
    request: async (fx) => ({ url: `/v1/containers/${await fx.container()}/upload-and-run?command=true`, raw: { data: EMPTY_ZIP, contentType: 'application/zip' } }),
  },
  'POST /v1/containers/:cuid/exec': { request: async (fx) => ({ url: `/v1/containers/${await fx.container()}/exec`, body: { command: 'true' } }) },
  // A cuid of the served room: for the wrong-room token it is an error slot in a 200.
  'POST /v1/containers/batch-exec': { request: async (fx) => ({ url: '/v1/containers/batch-exec', body: { commands: { [await fx.container()]: 'true' } } }), wrongRoom: 200 },
  'GET /v1/containers/:cuid/exec/stream': { request: async (fx) => ({ url: `/v1/containers/${await fx.container()}/exec/stream?command=true` }) },
  'GET /v1/containers/:cuid/terminal': { request: async (fx) => ({ url: `/v1/containers/${await fx.container()}/terminal` }) },
};
