// Room storage over the API: list, copy within storage, remove, in the room storage and in an agent's workspace;
// paths leaving the storage, host paths and removing the root are refused and change nothing.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { workspaceDir } from '../../src/runtime/agents/index.js';
import { api } from '../support/api-request.js';
import { runCli, runtimeFor, tempHome, uniqueRoom } from '../support/helpers.js';
import { removeServeRoom, startServe, type ServeProcess } from '../support/serve-helpers.js';

const home = tempHome();
const room = uniqueRoom('apisto');
let server: ServeProcess;
let storage: string;

beforeAll(async () => {
  expect((await runCli(['room', 'create', room], { BERTH_HOME: home })).code).toBe(0);
  const rt = runtimeFor(home);
  storage = path.join(rt.paths.roomsDir, room);
  rt.close();
  server = await startServe(home, room);
});
afterAll(async () => {
  await server?.stop();
  await removeServeRoom(room);
  fs.rmSync(home, { recursive: true, force: true });
});

it('lists, copies within and removes from the room storage', async () => {
  const root = (await api(server, 'GET', '/v1/storage')).json();
  expect(root.entries).toEqual([]);
  fs.mkdirSync(path.join(storageDir(), 'inputs'), { recursive: true });
  fs.writeFileSync(path.join(storageDir(), 'inputs', 'data.csv'), 'a,b\n1,2\n');

  const listed = await api(server, 'GET', '/v1/storage?path=inputs');
  expect(listed.status, listed.body).toBe(200);
  expect(listed.json().entries).toEqual([expect.objectContaining({ name: 'data.csv', path: 'inputs/data.csv', type: 'file', size: 8 })]);

  const copied = await api(server, 'POST', '/v1/storage/copy', { body: { src: 'inputs/data.csv', dst: 'outputs/' } });
  expect(copied.status, copied.body).toBe(200);
  expect(copied.json()).toMatchObject({ files: 1, bytes: 8 });
  expect(fs.readFileSync(path.join(storageDir(), 'outputs', 'data.csv'), 'utf8')).toBe('a,b\n1,2\n');

  const dir = await api(server, 'DELETE', '/v1/storage?path=outputs');
  expect(dir.status).toBe(400);
  expect(dir.json().error.message).toMatch(/directory/);
  const removed = await api(server, 'DELETE', '/v1/storage?path=outputs&recursive=true');
  expect(removed.status, removed.body).toBe(200);
  expect(fs.existsSync(path.join(storageDir(), 'outputs'))).toBe(false);
});

it('reaches an agent workspace by name (an admin user), and refuses a workspace without an agent', async () => {
  const rt = runtimeFor(home);
  const ws = workspaceDir(rt, room, 'ana');
  rt.close();
  fs.mkdirSync(ws, { recursive: true });
  fs.writeFileSync(path.join(ws, 'notes.txt'), 'hello');
  const listed = await api(server, 'GET', '/v1/storage?agent=ana');
  expect(listed.status, listed.body).toBe(200);
  expect(listed.json().entries.map((e: { name: string }) => e.name)).toEqual(['notes.txt']);
  const copied = await api(server, 'POST', '/v1/storage/copy?agent=ana', { body: { src: 'notes.txt', dst: 'copy.txt' } });
  expect(copied.status, copied.body).toBe(200);
  expect(fs.readFileSync(path.join(ws, 'copy.txt'), 'utf8')).toBe('hello');
  const noAgent = await api(server, 'GET', '/v1/storage?workspace=true');
  expect(noAgent.status).toBe(400);
});

it('refuses paths that leave the storage, host paths, and removing the root; nothing changes', async () => {
  fs.writeFileSync(path.join(home, 'host-secret.txt'), 'host');
  const before = fs.readdirSync(storageDir()).sort();
  for (const [method, url, body] of [
    ['GET', '/v1/storage?path=../..', undefined],
    ['POST', '/v1/storage/copy', { src: '../../host-secret.txt', dst: 'stolen.txt' }],
    ['DELETE', '/v1/storage?path=..%2Finputs', undefined],
  ] as const) {
    const r = await api(server, method, url, { body });
    expect(r.status, `${method} ${url}: ${r.body}`).toBe(400);
    expect(r.json().error.message).toMatch(/\.\./);
  }
  // A host path is a storage path here: the host file is never read.
  const auditBefore = fs.readFileSync(runtimeFor(home).paths.auditLog, 'utf8');
  const host = await api(server, 'POST', '/v1/storage/copy', { body: { src: path.join(home, 'host-secret.txt'), dst: 'stolen.txt' } });
  expect(host.status, host.body).toBe(404);
  // A missing source is refused before the copy starts: not even a failed attempt in the audit log.
  expect(fs.readFileSync(runtimeFor(home).paths.auditLog, 'utf8')).toBe(auditBefore);
  const rootRm = await api(server, 'DELETE', '/v1/storage?path=/&recursive=true');
  expect(rootRm.status, rootRm.body).toBe(400);
  expect(fs.readdirSync(storageDir()).sort()).toEqual(before);
});

function storageDir(): string {
  return storage;
}
