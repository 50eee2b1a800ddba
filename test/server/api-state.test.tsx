// What a running berth serve publishes for the dashboard's API view (listen address, open sessions, requests per
// token in the last minute, recent 4xx/5xx), read from SQLite as the dashboard reads it, and drawn by the view; a
// server that stops removes its row.
import fs from 'node:fs';
import React from 'react';
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readServerStates } from '../../src/runtime/access/index.js';
import { ApiView } from '../../src/views/ApiView.js';
import { matchViews } from '../../src/app/view-registry.js';
import { FIXTURE_IMAGE, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';
import { removeServeRoom, startServe, type ServeProcess } from '../support/serve-helpers.js';
import { call, makeToken, openSocket } from '../support/token-helpers.js';

const home = tempHome();
const room = uniqueRoom('apiv');
let server: ServeProcess;

beforeAll(async () => {
  server = await startServe(home, room);
});
afterAll(async () => {
  await server?.stop();
  await removeServeRoom(room);
  fs.rmSync(home, { recursive: true, force: true });
});

it("publishes its address, sessions, requests per token and recent errors; the API view shows them; gone when it stops", async () => {
  const t = await makeToken(home, { agent: 'watched', rooms: [room], grants: ['containers', 'exec:write'], name: 'watched-tok' });
  expect((await call(server, 'POST', '/v1/containers', { auth: t.auth, body: { image: FIXTURE_IMAGE, name: 'seen' } })).status).toBe(201);
  expect((await call(server, 'POST', '/v1/containers/seen/start', { auth: t.auth })).status).toBe(200);
  expect((await call(server, 'GET', '/v1/containers', { auth: t.auth })).status).toBe(200);
  expect((await call(server, 'GET', '/v1/containers/nothing-here?x=secret-query', { auth: t.auth })).status).toBe(404);
  const term = openSocket(server, '/v1/containers/seen/terminal', t.auth);
  expect(await term.opened).toBe(101);

  const rt = runtimeFor(home, { BERTH_AGENT: '' });
  try {
    const state = await waitFor(() => {
      const s = readServerStates(rt).find((x) => x.url === server.url);
      return s && s.sessions.length && s.tokens[0]?.requests === 5 ? s : undefined;
    }, 'the published state');
    expect(state.room).toBe(room);
    expect(state.tokens).toEqual([{ id: t.token.id, name: 'watched-tok', agent: 'watched', requests: 5 }]);
    expect(state.sessions).toEqual([{ principal: `token:${t.token.id}`, name: 'watched-tok', agent: 'watched', count: 1 }]);
    expect(state.errors[0]).toMatchObject({ method: 'GET', path: '/v1/containers/nothing-here', status: 404, principal: 'token:watched-tok' });
    expect(JSON.stringify(state)).not.toContain('secret-query');

    const view = render(<ApiView snapshot={{ servers: [state] }} width={140} height={20} />);
    const frame = view.lastFrame() ?? '';
    expect(frame).toContain(`${server.url}  room ${room}`);
    expect(frame).toContain('1 open session');
    expect(frame).toMatch(/5 {2}watched-tok {2}agent watched/);
    expect(frame).toContain('404 GET /v1/containers/nothing-here  token:watched-tok');
    view.unmount();
    expect(matchViews('api')[0]?.id).toBe('api');

    term.ws.close();
    await server.stop();
    expect(readServerStates(rt)).toEqual([]);
    const empty = render(<ApiView snapshot={{ servers: [] }} width={100} height={10} />);
    expect(empty.lastFrame()).toContain('no berth serve is running on this data directory');
    empty.unmount();
  } finally {
    rt.close();
  }
});
