// berth proxy: a local reverse proxy (http-proxy-3, WebSockets included) that routes by Host header to the active
// revision of the service deployed with that --domain. The active revision is read from the state store on every
// request, so a deploy's switch is atomic; the engine's events keep the container list fresh.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { SERVICE_LABEL, publishedHost } from './revision.js';
import { type Engine, UsageError, LABEL, type Runtime, compareText } from '../core/index.js';
import { watchEvents } from '../engine/index.js';
import { swarmRoutes } from './deploy-swarm.js';
import { DeployState } from './deploy-state.js';

export interface ProxyBind {
  host: string;
  port: number;
}

/** `127.0.0.1:8480`, `:8480` (loopback), `0.0.0.0:80`, `[::1]:8480` or a bare port. */
export function parseBind(text: string, flag = '--bind'): ProxyBind {
  const m = /^(?:(\[[0-9a-fA-F:]+\]|[a-zA-Z0-9.-]*):)?(\d{1,5})$/.exec(String(text).trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new UsageError(`invalid ${flag} "${text}": use HOST:PORT, e.g. 127.0.0.1:8480 (port 0 picks a free one)`);
  return { host: (m[1] || '127.0.0.1').replace(/^\[|\]$/g, ''), port };
}

interface RouteTarget {
  room: string;
  service: string;
  revision: number;
  containerId: string;
  url: string;
}

interface Route {
  room: string;
  service: string;
  port: number;
  /** Running containers by revision. */
  byRevision: Map<number, { id: string; url: string }[]>;
}

export interface ProxyEvent {
  kind: 'routes' | 'error' | 'retry';
  message: string;
}

const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'EHOSTUNREACH', 'ENOTFOUND']);
const MAX_ATTEMPTS = 4;

export class ServiceProxy {
  private routes = new Map<string, Route>();
  private refreshing?: Promise<void>;
  private stale = true;
  private server?: http.Server;
  private readonly controller = new AbortController();
  private roundRobin = 0;
  /** Per domain: the active revision the route table was last read for. */
  private readonly routedRevision = new Map<string, number>();
  private activeStmt?: { get(room: string, name: string): unknown };
  /** Domain conflicts already reported, so each is said once. */
  private reported = new Set<string>();

  constructor(
    private readonly rt: Runtime,
    private readonly onEvent: (e: ProxyEvent) => void = () => {},
  ) {}

  /** Starts listening; resolves with the address actually bound (port 0 picks one). */
  async listen(bind: ProxyBind): Promise<ProxyBind> {
    const engine = await this.rt.engine();
    // A CommonJS package: bundled, its exports may sit behind `default`.
    const mod = (await import('http-proxy-3')) as typeof import('http-proxy-3') & { default?: typeof import('http-proxy-3') };
    const createProxyServer = mod.createProxyServer ?? mod.default!.createProxyServer;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    const proxy = createProxyServer({ xfwd: true, agent, proxyTimeout: 120_000 });
    // Errors are handled per request (the callback below); this keeps an unhandled one from killing the proxy.
    proxy.on('error', () => {});
    await this.refresh(engine);
    void this.watch(engine);

    const server = http.createServer((req, res) => {
      const bodyless = !req.headers['content-length'] && !req.headers['transfer-encoding'];
      const attempt = async (n: number, force: boolean): Promise<void> => {
        const target = await this.resolve(engine, req.headers.host, force);
        if (!target) {
          if (!res.headersSent) {
            res.writeHead(this.knows(req.headers.host) ? 503 : 404, { 'content-type': 'text/plain' });
            res.end(this.knows(req.headers.host) ? `berth proxy: no running revision for ${hostOf(req.headers.host)}\n` : `berth proxy: no service for host ${hostOf(req.headers.host)}\n`);
          }
          return;
        }
        proxy.web(req, res, { target: target.url }, (err: Error) => {
          const code = (err as NodeJS.ErrnoException).code ?? '';
          // A connection that failed before any answer (the old revision just went away): try the current target,
          // for requests without a body (their bytes were not consumed).
          if (bodyless && !res.headersSent && RETRYABLE.has(code) && n + 1 < MAX_ATTEMPTS) {
            this.onEvent({ kind: 'retry', message: `${req.method} ${hostOf(req.headers.host)}${req.url}: ${code} from ${target.service} r${target.revision}, retrying` });
            this.stale = true;
            void attempt(n + 1, true);
            return;
          }
          this.onEvent({ kind: 'error', message: `${req.method} ${hostOf(req.headers.host)}${req.url}: ${code || err.message}` });
          if (!res.headersSent) {
            res.writeHead(502, { 'content-type': 'text/plain' });
            res.end(`berth proxy: ${target.service} did not answer (${code || err.message})\n`);
          } else res.destroy();
        });
      };
      attempt(0, false).catch((err) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`berth proxy: ${(err as Error).message}\n`);
      });
    });
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      this.resolve(engine, req.headers.host, false)
        .then((target) => {
          if (!target) {
            socket.end(this.knows(req.headers.host) ? 'HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\n\r\n' : 'HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
            return;
          }
          proxy.ws(req, socket, head, { target: target.url }, () => socket.destroy());
        })
        .catch(() => socket.destroy());
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(bind.port, bind.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.controller.signal.addEventListener('abort', () => {
      agent.destroy();
      proxy.close();
    });
    const address = server.address() as { address: string; port: number };
    return { host: address.address, port: address.port };
  }

  /** Domain → room/service of every service that has one. */
  routeTable(): { domain: string; room: string; service: string; port: number; revisions: number[] }[] {
    return [...this.routes.entries()].map(([domain, r]) => ({ domain, room: r.room, service: r.service, port: r.port, revisions: [...r.byRevision.keys()] }));
  }

  async close(): Promise<void> {
    this.controller.abort();
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private knows(host: string | undefined): boolean {
    return this.routes.has(hostOf(host));
  }

  private activeRevision(room: string, service: string): number | null {
    this.activeStmt ??= this.rt.db().prepare('SELECT active_revision FROM deploy_services WHERE room = ? AND name = ?') as never;
    const row = this.activeStmt!.get(room, service) as { active_revision: number | null } | undefined;
    return row?.active_revision ?? null;
  }

  /** The target for a Host header: a running container of the active revision (round robin over replicas). */
  async resolve(engine: Engine, hostHeader: string | undefined, force: boolean): Promise<RouteTarget | undefined> {
    const host = hostOf(hostHeader);
    if (force || this.stale) await this.refresh(engine);
    let route = this.routes.get(host);
    if (!route) return undefined;
    let active = this.activeRevision(route.room, route.service);
    if (active !== null && (!route.byRevision.has(active) || this.routedRevision.get(host) !== active)) {
      // Switched to a revision this proxy has not routed to yet: look again now, as its containers (or the host
      // ports they publish, which change when the deploy gives them the service's name) may be new.
      await this.refresh(engine);
      this.routedRevision.set(host, active);
      route = this.routes.get(host);
      if (!route) return undefined;
    }
    if (active === null || !route.byRevision.has(active)) {
      // No state store entry (or its revision is gone): the newest running revision.
      const revisions = [...route.byRevision.keys()];
      if (!revisions.length) return undefined;
      active = Math.max(...revisions);
    }
    const list = route.byRevision.get(active)!;
    const pick = list[this.roundRobin++ % list.length]!;
    return { room: route.room, service: route.service, revision: active, containerId: pick.id, url: pick.url };
  }

  /** Rebuilds the route table from the engine (one list call; concurrent callers share it). */
  private refresh(engine: Engine): Promise<void> {
    this.refreshing ??= (async () => {
      this.stale = false;
      try {
        const infos = await engine.call('list containers', (d) =>
          d.listContainers({ filters: { label: [`${LABEL.kind}=service`, SERVICE_LABEL.domain], status: ['running'] } }),
        );
        // Swarm marks a task for shutdown before it stops it: only tasks meant to run get requests.
        const swarmTasks = infos.some((i) => i.Labels?.['com.docker.swarm.task.id'])
          ? new Set(((await engine.call('list tasks', (d) => d.listTasks({ filters: { 'desired-state': ['running'] } }))) as { ID: string }[]).map((t) => t.ID))
          : undefined;
        // A domain belongs to one service (a deploy refuses a second claim); should two still carry one (containers
        // from before that rule, a store that lost a service), the oldest service in the state store keeps it.
        const known = new DeployState(this.rt.db()).activeDomains();
        const rank = new Map(known.map((d, i) => [`${d.room}/${d.name}`, i]));
        const routes = new Map<string, Route>();
        for (const d of known) if (!routes.has(d.domain)) routes.set(d.domain, { room: d.room, service: d.name, port: d.port, byRevision: new Map() });
        const conflicts = new Set<string>();
        const sorted = [...infos].sort((a, b) => {
          const key = (i: typeof a) => `${i.Labels?.[LABEL.room]}/${i.Labels?.[SERVICE_LABEL.service]}`;
          return (rank.get(key(a)) ?? Infinity) - (rank.get(key(b)) ?? Infinity) || compareText(key(a), key(b));
        });
        for (const info of sorted) {
          const domain = info.Labels?.[SERVICE_LABEL.domain];
          const room = info.Labels?.[LABEL.room];
          const service = info.Labels?.[SERVICE_LABEL.service];
          const port = Number(info.Labels?.[SERVICE_LABEL.port]);
          const revision = Number(info.Labels?.[SERVICE_LABEL.revision]);
          if (!domain || !room || !service || !port) continue;
          // A Swarm task counts once its healthcheck passed (a plain engine's deploy switches only after that).
          const task = info.Labels?.['com.docker.swarm.task.id'];
          if (task && (/\((health: starting|unhealthy)\)/.test(info.Status ?? '') || !swarmTasks?.has(task))) continue;
          const published = (info.Ports ?? []).find((p) => p.PrivatePort === port && p.Type === 'tcp' && p.PublicPort);
          let route = routes.get(domain);
          if (!route) routes.set(domain, (route = { room, service, port, byRevision: new Map() }));
          if (route.room !== room || route.service !== service) {
            conflicts.add(`${domain} is claimed by ${room}/${service} too; routing to ${route.room}/${route.service} only`);
            continue;
          }
          if (!published || port !== route.port) continue;
          const list = route.byRevision.get(revision) ?? [];
          list.push({ id: info.Id, url: `http://${publishedHost(engine, published.IP)}:${published.PublicPort}` });
          route.byRevision.set(revision, list);
        }
        for (const c of conflicts) if (!this.reported.has(c)) this.onEvent({ kind: 'error', message: c });
        this.reported = conflicts;
        // Swarm services published on the routing mesh (a fixed port) are reached there rather than task by task.
        for (const [domain, route] of await swarmRoutes(engine)) if (!routes.get(domain)?.byRevision.size && route.byRevision.size) routes.set(domain, route);
        const before = JSON.stringify(this.routeTable());
        this.routes = routes;
        const after = JSON.stringify(this.routeTable());
        if (before !== after) {
          this.onEvent({ kind: 'routes', message: this.routeTable().map((r) => `${r.domain} -> ${r.room}/${r.service} r${r.revisions.join(',r') || '-'}`).join('; ') || 'no routes' });
        }
      } catch (err) {
        this.stale = true;
        throw err;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private async watch(engine: Engine): Promise<void> {
    const signal = this.controller.signal;
    while (!signal.aborted) {
      try {
        for await (const _event of watchEvents(engine, { type: ['container', 'service', 'network'] }, signal)) this.stale = true;
      } catch (err) {
        this.onEvent({ kind: 'error', message: `engine events: ${(err as Error).message}` });
      }
      this.stale = true;
      if (!signal.aborted) await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** The Host header without a port, lowercased. */
export function hostOf(host: string | undefined): string {
  if (!host) return '';
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon > 0 ? h.slice(0, colon) : h;
}
