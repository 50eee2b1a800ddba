// The agent client of clients/python (the agent surface: plugin containers and container records) against a real
// berth serve on the real engine: pytest runs its flows with a plugin release registered in the server's home.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addProbePlugin, type PluginFixture } from '../support/plugin-fixture.js';
import { repoRoot, runtimeFor, tempHome, uniqueRoom } from '../support/helpers.js';
import { API_PASSWORD, API_USER, removeServeRoom, startServe, type ServeProcess } from '../support/serve-helpers.js';

const home = tempHome();
const room = uniqueRoom('pyagent');
let server: ServeProcess;
let plugin: PluginFixture;
/** The bearer token the client sends, where the library can make API tokens (else the admin user's Basic). */
let token: string | undefined;

/** An API token for an agent of this room with the agent surface's grants, made as a person would. */
async function agentToken(): Promise<string | undefined> {
  const access = (await import('../../src/runtime/access/index.js')) as Record<string, unknown>;
  const create = access.createToken as
    | ((rt: unknown, opts: { agent: string; rooms: string[]; grants: string[] }, person: { stdinIsTTY: boolean }) => Promise<{ secret: string }>)
    | undefined;
  if (!create) return undefined;
  const rt = runtimeFor(home, { BERTH_AGENT: '' });
  try {
    return (await create(rt, { agent: 'py-agent', rooms: [room], grants: ['plugins:read', 'plugins:write', 'records:read', 'records:write'] }, { stdinIsTTY: true })).secret;
  } finally {
    rt.close();
  }
}

function python(): string {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(candidate, ['-c', 'import aiohttp, pytest'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  throw new Error('python3 with aiohttp and pytest is needed: apt-get install python3-aiohttp python3-pytest (scripts/ensure-engine.sh does)');
}

beforeAll(async () => {
  plugin = await addProbePlugin(home);
  server = await startServe(home, room);
  token = await agentToken();
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await removeServeRoom(room);
  await plugin?.remove();
  fs.rmSync(home, { recursive: true, force: true });
}, 120_000);

it("runs the agent client's flows (pytest)", async () => {
  const child = spawn(python(), ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', path.join('clients', 'python', 'tests_agent')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      BERTH_API_URL: server.url,
      BERTH_API_USER: API_USER,
      BERTH_API_PASSWORD: API_PASSWORD,
      BERTH_TEST_RELEASE: plugin.release,
      ...(token ? { BERTH_API_TOKEN: token } : {}),
      PYTHONDONTWRITEBYTECODE: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code, `pytest failed:\n${output}\n--- berth serve log (tail) ---\n${server.log().split('\n').slice(-40).join('\n')}`).toBe(0);
  expect(output).toMatch(/4 passed/);
  // The calls were the token's agent's, where tokens exist.
  expect(server.log()).toMatch(token ? /^POST \/v1\/plugin-containers 201 [\d.]+ms token:/m : /^POST \/v1\/plugin-containers 201 /m);
}, 600_000);
