// The Python client of clients/python (the reference manual's surface) against a real berth serve on the real
// engine: pytest runs the manual's flows, its four complete examples and its error handling.
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { docker, FIXTURE_IMAGE, repoRoot, tempHome, uniqueRoom } from '../support/helpers.js';
import { API_PASSWORD, API_USER, removeServeRoom, startServe, type ServeProcess } from '../support/serve-helpers.js';

const home = tempHome();
const room = uniqueRoom('pyapi');
const altTag = `serve-alt-${randomBytes(3).toString('hex')}`;
let server: ServeProcess;

/** Debian's python3 (apt's python3-aiohttp and python3-pytest), else whichever python3 is first on PATH. */
function python(): string {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(candidate, ['-c', 'import aiohttp, pytest'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  throw new Error('python3 with aiohttp and pytest is needed: apt-get install python3-aiohttp python3-pytest (scripts/ensure-engine.sh does)');
}

beforeAll(async () => {
  await docker.getImage(FIXTURE_IMAGE).tag({ repo: 'berth-fixture', tag: altTag });
  server = await startServe(home, room);
});
afterAll(async () => {
  await server?.stop();
  await removeServeRoom(room);
  await docker.getImage(`berth-fixture:${altTag}`).remove().catch(() => {});
  fs.rmSync(home, { recursive: true, force: true });
});

it('runs the manual\'s flows with the Python client (pytest)', async () => {
  const py = python();
  const child = spawn(py, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', path.join('clients', 'python', 'tests')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      BERTH_API_URL: server.url,
      BERTH_API_USER: API_USER,
      BERTH_API_PASSWORD: API_PASSWORD,
      BERTH_TEST_IMAGE: FIXTURE_IMAGE,
      BERTH_TEST_ALT_IMAGE: `berth-fixture:${altTag}`,
      PYTHONDONTWRITEBYTECODE: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code, `pytest failed:\n${output}\n--- berth serve log (tail) ---\n${server.log().split('\n').slice(-40).join('\n')}`).toBe(0);
  // The server logged one line per request: method, path, status, time, principal; no query strings.
  expect(server.log()).toMatch(/^POST \/v1\/containers 201 [\d.]+ms user:api-tester$/m);
  expect(server.log()).not.toMatch(/\?/);
}, 600_000);
