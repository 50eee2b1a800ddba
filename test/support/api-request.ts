// Requests to a test berth serve: JSON in and out, raw bodies, newline-delimited JSON streams read to their end (or
// cut after a number of events), and WebSocket frames collected.
import http from 'node:http';
import WebSocket from 'ws';
import type { ServeProcess } from './serve-helpers.js';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json(): any;
  /** The body as newline-delimited JSON. */
  events(): any[];
}

export function api(
  srv: ServeProcess,
  method: string,
  urlPath: string,
  opts: { body?: unknown; raw?: Buffer; contentType?: string; auth?: string | null; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...opts.headers };
    const auth = opts.auth === undefined ? srv.auth() : opts.auth;
    if (auth) headers.authorization = auth;
    const payload = opts.raw ?? (opts.body !== undefined ? Buffer.from(JSON.stringify(opts.body)) : undefined);
    if (payload) {
      headers['content-type'] = opts.contentType ?? 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const req = http.request({ host: '127.0.0.1', port: srv.port, method, path: urlPath, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          body,
          json: () => JSON.parse(body),
          events: () => body.split('\n').filter(Boolean).map((l) => JSON.parse(l)),
        }),
      );
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Reads a streamed NDJSON answer until `enough(events)` holds, then closes the connection; the events so far. */
export function readEventsUntil(srv: ServeProcess, method: string, urlPath: string, body: unknown, enough: (events: any[]) => boolean): Promise<{ status: number; events: any[] }> {
  return new Promise((resolve, reject) => {
    const payload = body !== undefined ? Buffer.from(JSON.stringify(body)) : undefined;
    const headers: Record<string, string> = { authorization: srv.auth() };
    if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(payload.length) });
    const req = http.request({ host: '127.0.0.1', port: srv.port, method, path: urlPath, headers, agent: false }, (res) => {
      let buf = '';
      const events: any[] = [];
      let done = false;
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buf.slice(0, nl)));
          buf = buf.slice(nl + 1);
        }
        if (!done && enough(events)) {
          done = true;
          resolve({ status: res.statusCode!, events: [...events] });
          req.destroy();
        }
      });
      res.on('end', () => !done && resolve({ status: res.statusCode!, events }));
      res.on('error', () => {});
    });
    req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
    req.end(payload);
  });
}

/** A WebSocket to the server: JSON text frames collected, resolves `closed` with the code. */
export function openSocket(srv: ServeProcess, urlPath: string) {
  const ws = new WebSocket(`ws://127.0.0.1:${srv.port}${urlPath}`, { headers: { authorization: srv.auth() } });
  const frames: any[] = [];
  ws.on('message', (data, binary) => {
    if (!binary) frames.push(JSON.parse(data.toString()));
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  return { ws, frames, opened, closed };
}
