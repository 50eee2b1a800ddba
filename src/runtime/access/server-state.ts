// What a running berth serve publishes about itself for the dashboard's API view: where it listens, its open
// WebSocket sessions, requests per token in the last minute and its recent 4xx/5xx answers. One row per server
// process, rewritten at most once a second; a row not rewritten for 10 seconds is a server that has gone.
import os from 'node:os';
import type { Runtime } from '../core/index.js';

export interface ServerStateBody {
  /** Open WebSocket sessions per principal (`token:ID` or `user:NAME`), with the token's name and agent. */
  sessions: { principal: string; name: string; agent?: string; count: number }[];
  /** Requests per token in the last minute. */
  tokens: { id: string; name: string; agent: string; requests: number }[];
  /** The latest 4xx/5xx answers, newest first: time, method, path (no query string), status, principal. */
  errors: { time: string; method: string; path: string; status: number; principal: string }[];
}

export interface ServerState extends ServerStateBody {
  pid: number;
  host: string;
  url: string;
  room: string;
  startedAt: string;
  /** When the server last wrote its row (ms since the epoch). */
  updatedAt: number;
}

/** A row older than this is a server that stopped without removing it (killed). */
export const SERVER_STATE_STALE_MS = 10_000;

/** Writes (or replaces) this process's row. */
export function publishServerState(rt: Runtime, where: { url: string; room: string; startedAt: string }, body: ServerStateBody, now = Date.now()): void {
  rt.db()
    .prepare('INSERT OR REPLACE INTO api_server_state (pid, host, url, room, started_at, updated_at, state) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(process.pid, os.hostname(), where.url, where.room, where.startedAt, now, JSON.stringify(body));
}

/** Removes this process's row (the server stops). */
export function clearServerState(rt: Runtime): void {
  rt.db().prepare('DELETE FROM api_server_state WHERE pid = ? AND host = ?').run(process.pid, os.hostname());
}

/** The servers running on this data directory (rows rewritten within the last 10 s), newest first. */
export function readServerStates(rt: Runtime, now = Date.now()): ServerState[] {
  const rows = rt.db().prepare('SELECT * FROM api_server_state WHERE updated_at >= ? ORDER BY started_at DESC').all(now - SERVER_STATE_STALE_MS) as {
    pid: number;
    host: string;
    url: string;
    room: string;
    started_at: string;
    updated_at: number;
    state: string;
  }[];
  return rows.map((r) => ({ pid: r.pid, host: r.host, url: r.url, room: r.room, startedAt: r.started_at, updatedAt: r.updated_at, ...(JSON.parse(r.state) as ServerStateBody) }));
}
