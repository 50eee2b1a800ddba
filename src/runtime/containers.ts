// Containers in a room: listing, resolving, lifecycle actions (start/stop/.../delete) and the summary shape both
// the CLI table and the dashboard show.
import type Docker from 'dockerode';
import { ConflictError, NotFoundError, UsageError } from './errors.js';
import { LABEL, roomLabelFilter } from './labels.js';
import type { Runtime } from './runtime.js';
import { validateSeconds, validateSignal } from './validate.js';

export interface PortMapping {
  hostIp?: string;
  hostPort?: number;
  containerPort: number;
  protocol: string;
}

export interface ContainerSummary {
  id: string;
  name: string;
  room: string;
  kind: string;
  agent: string;
  role: string;
  image: string;
  state: string;
  status: string;
  created: string;
  ports: PortMapping[];
  labels: Record<string, string>;
}

export function toSummary(info: Docker.ContainerInfo): ContainerSummary {
  const labels = info.Labels ?? {};
  const dockerName = (info.Names?.[0] ?? '').replace(/^\//, '');
  return {
    id: info.Id,
    name: labels[LABEL.name] ?? dockerName,
    room: labels[LABEL.room] ?? '',
    kind: labels[LABEL.kind] ?? 'container',
    agent: labels[LABEL.agent] ?? '',
    role: labels[LABEL.role] ?? '',
    image: info.Image,
    state: info.State,
    status: info.Status,
    created: new Date(info.Created * 1000).toISOString(),
    ports: (info.Ports ?? []).map((p) => ({
      hostIp: p.IP,
      hostPort: p.PublicPort,
      containerPort: p.PrivatePort,
      protocol: p.Type,
    })),
    labels,
  };
}

export class ContainerService {
  constructor(private readonly rt: Runtime) {}

  /** Containers of one room (or every room when room is undefined), newest first. */
  async list(room: string | undefined, opts: { all?: boolean; signal?: AbortSignal } = {}): Promise<ContainerSummary[]> {
    const engine = await this.rt.engine();
    const infos = await engine.call('list containers', (d) =>
      d.listContainers({ all: opts.all ?? true, filters: { label: roomLabelFilter(room) }, abortSignal: opts.signal } as object),
    );
    return infos.map(toSummary).sort((a, b) => b.created.localeCompare(a.created) || a.name.localeCompare(b.name));
  }

  /**
   * Finds one container of a room by its room-local name, full id or a unique id prefix. Unknown is NotFoundError;
   * a prefix matching several is a UsageError listing how many.
   */
  async resolve(room: string, ref: string, signal?: AbortSignal): Promise<ContainerSummary> {
    if (!ref) throw new UsageError('a container name or id is required');
    const all = await this.list(room, { all: true, signal });
    const byName = all.find((c) => c.name === ref);
    if (byName) return byName;
    const byId = all.filter((c) => c.id.startsWith(ref));
    if (byId.length === 1) return byId[0]!;
    if (byId.length > 1) throw new UsageError(`id prefix "${ref}" matches ${byId.length} containers in room "${room}": give more characters`);
    throw new NotFoundError(`container "${ref}" not found in room "${room}"`);
  }

  /** The current summary of one container by id (after an action), or NotFoundError when it is gone. */
  async summary(room: string, id: string, signal?: AbortSignal): Promise<ContainerSummary> {
    const engine = await this.rt.engine();
    const infos = await engine.call('list containers', (d) =>
      d.listContainers({ all: true, filters: { id: [id], label: roomLabelFilter(room) }, abortSignal: signal } as object),
    );
    const info = infos.find((c) => c.Id === id);
    if (!info) throw new NotFoundError(`container ${id.slice(0, 12)} not found in room "${room}"`);
    return toSummary(info);
  }

  async start(room: string, ref: string): Promise<ContainerSummary> {
    return this.act(room, ref, 'start', {}, (c) => {
      if (c.state === 'running' || c.state === 'restarting') throw conflict(c, 'is already running');
      if (c.state === 'paused') throw conflict(c, 'is paused: use unpause');
      refuseGone(c);
    }, (d, c) => d.getContainer(c.id).start());
  }

  /** Stops with SIGTERM and a grace period (`time` seconds, Docker's default 10), or kills at once with `force`. */
  async stop(room: string, ref: string, opts: { force?: boolean; time?: number } = {}): Promise<ContainerSummary> {
    if (opts.time !== undefined) validateSeconds('--time', opts.time);
    return this.act(room, ref, 'stop', { force: !!opts.force, time: opts.time }, (c) => {
      if (!isLive(c.state)) throw conflict(c, `is not running (${c.state})`);
    }, (d, c) =>
      opts.force ? d.getContainer(c.id).kill({ signal: 'SIGKILL' }) : d.getContainer(c.id).stop(opts.time !== undefined ? { t: opts.time } : {}),
    );
  }

  async restart(room: string, ref: string, opts: { time?: number } = {}): Promise<ContainerSummary> {
    if (opts.time !== undefined) validateSeconds('--time', opts.time);
    return this.act(room, ref, 'restart', { time: opts.time }, (c) => {
      if (c.state === 'paused') throw conflict(c, 'is paused: use unpause');
      refuseGone(c);
    }, (d, c) => d.getContainer(c.id).restart(opts.time !== undefined ? { t: opts.time } : {}));
  }

  async pause(room: string, ref: string): Promise<ContainerSummary> {
    return this.act(room, ref, 'pause', {}, (c) => {
      if (c.state === 'paused') throw conflict(c, 'is already paused');
      if (c.state !== 'running') throw conflict(c, `is not running (${c.state}): only a running container can be paused`);
    }, (d, c) => d.getContainer(c.id).pause());
  }

  async unpause(room: string, ref: string): Promise<ContainerSummary> {
    return this.act(room, ref, 'unpause', {}, (c) => {
      if (c.state !== 'paused') throw conflict(c, `is not paused (${c.state})`);
    }, (d, c) => d.getContainer(c.id).unpause());
  }

  /** Sends a signal (default SIGKILL) to the main process. */
  async kill(room: string, ref: string, opts: { signal?: string } = {}): Promise<ContainerSummary> {
    const signal = validateSignal(opts.signal ?? 'SIGKILL');
    return this.act(room, ref, 'kill', { signal }, (c) => {
      if (!isLive(c.state)) throw conflict(c, `is not running (${c.state})`);
    }, (d, c) => d.getContainer(c.id).kill({ signal }));
  }

  /** Removes a container (and its anonymous volumes); a running one only with `force`. */
  async delete(room: string, ref: string, opts: { force?: boolean } = {}): Promise<{ id: string; name: string }> {
    const c = await this.resolve(room, ref);
    if (isLive(c.state) && !opts.force) throw conflict(c, `is ${c.state}: stop it first or use --force`);
    const engine = await this.rt.engine();
    return this.rt.audit.record(
      { actor: this.rt.actor, action: 'container.delete', target: auditTarget(c), details: { force: !!opts.force } },
      async () => {
        await engine.call(`delete container ${c.name}`, (d) => d.getContainer(c.id).remove({ force: !!opts.force, v: true }));
        return { id: c.id, name: c.name };
      },
    );
  }

  /** Resolves, checks the state allows the action, runs it through the engine, audits it, returns the new state. */
  private async act(
    room: string,
    ref: string,
    action: string,
    details: Record<string, unknown>,
    check: (c: ContainerSummary) => void,
    run: (d: Docker, c: ContainerSummary) => Promise<unknown>,
  ): Promise<ContainerSummary> {
    const c = await this.resolve(room, ref);
    check(c);
    const engine = await this.rt.engine();
    return this.rt.audit.record(
      { actor: this.rt.actor, action: `container.${action}`, target: auditTarget(c), details: stripUndefined(details) },
      async () => {
        await engine.call(`${action} container ${c.name}`, (d) => run(d, c));
        return this.summary(room, c.id);
      },
    );
  }
}

/** running, paused and restarting containers have a live process; stop/kill act on them, delete refuses them. */
export function isLive(state: string): boolean {
  return state === 'running' || state === 'paused' || state === 'restarting';
}

function refuseGone(c: ContainerSummary): void {
  if (c.state === 'removing' || c.state === 'dead') throw conflict(c, `is ${c.state}`);
}

function conflict(c: ContainerSummary, what: string): ConflictError {
  return new ConflictError(`container "${c.name}" in room "${c.room}" ${what}`);
}

export function auditTarget(c: { room: string; name: string }): string {
  return `${c.room}/${c.name}`;
}

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> | undefined {
  const entries = Object.entries(o).filter(([, v]) => v !== undefined);
  return entries.length ? Object.fromEntries(entries) : undefined;
}
