// Calls to a running berth serve as any principal (HTTP Basic, a bearer token, nobody), WebSocket sessions, and
// tokens made for a test through the library, as a person at a terminal would with `berth token create`.
import http from 'node:http';
import WebSocket from 'ws';
import { createToken, type ApiToken } from '../../src/runtime/access/index.js';
import { runtimeFor } from './helpers.js';
import { PERSON } from './person.js';
import type { ServeProcess } from './serve-helpers.js';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json(): any;
}

export const bearer = (token: string) => `Bearer ${token}`;

/** One request: `auth` is a whole Authorization value, or null for none. */
export function call(
  srv: { port: number },
  method: string,
  urlPath: string,
  opts: { auth: string | null; body?: unknown; raw?: { data: Buffer; contentType: string }; from?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (opts.auth) headers.authorization = opts.auth;
    let data: Buffer | undefined;
    if (opts.raw) {
      data = opts.raw.data;
      headers['content-type'] = opts.raw.contentType;
    } else if (opts.body !== undefined) {
      data = Buffer.from(JSON.stringify(opts.body));
      headers['content-type'] = 'application/json';
    }
    if (data) headers['content-length'] = String(data.length);
    const req = http.request({ host: '127.0.0.1', port: srv.port, method, path: urlPath, headers, agent: false, localAddress: opts.from }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body) }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

export interface Socket {
  ws: WebSocket;
  /** Resolves with 101 once open, or with the refused upgrade's status. */
  opened: Promise<number>;
  closed: Promise<{ code: number; reason: string }>;
  frames: any[];
  output(): string;
}

export function openSocket(srv: { port: number }, urlPath: string, auth: string | null): Socket {
  const ws = new WebSocket(`ws://127.0.0.1:${srv.port}${urlPath}`, { headers: auth ? { authorization: auth } : {} });
  let output = '';
  const frames: any[] = [];
  ws.on('message', (data, binary) => (binary ? (output += data.toString()) : frames.push(JSON.parse(data.toString()))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const opened = new Promise<number>((resolve, reject) => {
    ws.once('open', () => resolve(101));
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode!);
      res.resume();
      ws.terminate();
    });
    ws.once('error', (err) => (/Unexpected server response/.test(err.message) ? undefined : reject(err)));
  });
  return { ws, opened, closed, frames, output: () => output };
}

/** A token made through the library for a test, with its text. */
export async function makeToken(
  home: string,
  opts: { agent: string; rooms: string[]; grants?: string[]; expires?: string; name?: string },
): Promise<{ token: ApiToken; secret: string; auth: string }> {
  const rt = runtimeFor(home, { BERTH_AGENT: '' });
  try {
    const { token, secret } = await createToken(rt, opts, PERSON);
    return { token, secret, auth: bearer(secret) };
  } finally {
    rt.close();
  }
}

/** Sets a token's expiry in the past (the database as a clock that has moved on). */
export function expireToken(home: string, id: string): void {
  const rt = runtimeFor(home, { BERTH_AGENT: '' });
  try {
    rt.db().prepare('UPDATE api_tokens SET expires_at = ? WHERE id = ?').run(new Date(Date.now() - 1000).toISOString(), id);
  } finally {
    rt.close();
  }
}

export type { ServeProcess };
