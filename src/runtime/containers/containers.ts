// Containers in a room: listing, resolving, lifecycle actions (start/stop/.../delete) and the summary shape both
// the CLI table and the dashboard show.
import type Docker from 'dockerode';
// Creating, updating and admitting (agents, approvals, trust, credentials, records) load with the first call that
// needs them: listing, inspecting and stopping do not (the dashboard's first requests; the CLI's container group
// still imports them through its subcommand modules).
import type { CreateCallbacks, RunOptions } from './container-create.js';
import type { UpdateOptions, UpdateResult } from './container-update.js';
import { BerthError, ConflictError, NotFoundError, UsageError, LABEL, filesVolumeName, roomLabelFilter, roomNetworkName, maskLabels, type PortMapping, type Runtime, validateRoomName, validateSeconds, validateSignal, validateTag, sleep, compareText } from '../core/index.js';
import { readLogSettings, type ContainerLogSettings } from './log-limits.js';
import { auditTarget, isLive, type ContainerSummary } from './summary.js';
import { orphanJobs, removeJobs } from './orphan-jobs.js';

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
export const CONTAINER_STATES: readonly ContainerState[] = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'];

export interface ListQuery {
  /** Include stopped containers (implied by status). */
  all?: boolean;
  status?: string[];
  /** Every tag given must be present. */
  tags?: string[];
  agent?: string;
  limit?: number;
  /** From a previous page's nextCursor. */
  cursor?: string;
  signal?: AbortSignal;
}

export interface ListPage {
  items: ContainerSummary[];
  /** Opaque; null on the last page. */
  nextCursor: string | null;
}

export interface ContainerDetail extends ContainerSummary {
  imageId: string;
  command: string[];
  /** KEY=VALUE with secret values masked (by name, shape and stored secrets) unless showSecrets was asked for. */
  env: string[];
  resources: { cpus?: number; memory?: number; pids?: number };
  mounts: { source: string; target: string; type: string; readOnly: boolean }[];
  network: { name: string; ip?: string; aliases: string[] } | null;
  logs: ContainerLogSettings;
  startedAt?: string;
  finishedAt?: string;
}

export interface ContainerStatus {
  id: string;
  name: string;
  room: string;
  state: string;
  running: boolean;
  startedAt?: string;
  finishedAt?: string;
  /** Milliseconds since start while running. */
  uptimeMs?: number;
  restartCount: number;
  exitCode: number | null;
  oomKilled: boolean;
  error: string;
  health?: string;
}



/** The name a summary shows: berth's name label, else the engine's name. */
function nameOf(info: Docker.ContainerInfo): string {
  return info.Labels?.[LABEL.name] ?? (info.Names?.[0] ?? '').replace(/^\//, '');
}

export function toSummary(info: Docker.ContainerInfo): ContainerSummary {
  const labels = info.Labels ?? {};
  return {
    id: info.Id,
    name: nameOf(info),
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
    tags: parseTags(labels[LABEL.tags]),
    labels: maskLabels(labels),
  };
}

/** Id prefixes shorter than this are not looked up (names are, at any length). */
export const MIN_ID_PREFIX = 4;

export function parseTags(label: string | undefined): string[] {
  return label ? label.split(',').filter(Boolean) : [];
}

export class ContainerService {
  constructor(private readonly rt: Runtime) {}

  /** Containers of one room (or every room when room is undefined), newest first. */
  async list(room: string | undefined, opts: { all?: boolean; signal?: AbortSignal } = {}): Promise<ContainerSummary[]> {
    return (await this.listRaw(room, opts)).map((c) => this.shown(c));
  }

  /**
   * A summary as it is shown (CLI, dashboard, JSON): tags and labels masked like every other output, since a tag
   * may be a stored secret's value. The library's own look-ups (resolve) keep the real values.
   */
  private shown(c: ContainerSummary): ContainerSummary {
    const tags = c.tags.map((t) => this.rt.mask.value(t));
    return { ...c, tags: tags.some((t, i) => t !== c.tags[i]) ? tags : c.tags, labels: this.rt.mask.labels(c.labels) };
  }

  private async listRaw(
    room: string | undefined,
    opts: { all?: boolean; signal?: AbortSignal; filters?: { label?: string[]; id?: string[] } } = {},
  ): Promise<ContainerSummary[]> {
    const filters = { ...opts.filters, label: [...roomLabelFilter(room), ...(opts.filters?.label ?? [])] };
    const infos = await this.rt.listContainers('list containers', { all: opts.all ?? true, filters, signal: opts.signal });
    return infos.map(toSummary).sort((a, b) => compareText(b.created, a.created) || compareText(a.name, b.name));
  }

  /**
   * Finds one container of a room by its room-local name, full id or a unique id prefix. Unknown is NotFoundError;
   * a prefix matching several is a UsageError listing how many.
   */
  async resolve(room: string, ref: string, signal?: AbortSignal): Promise<ContainerSummary> {
    if (!ref) throw new UsageError('a container name or id is required');
    validateRoomName(room);
    // A short prefix would too easily match a stranger's id when a name was mistyped (delete "a1" hitting a1f3...).
    const idLike = (ref.length >= MIN_ID_PREFIX || ref.length === 64) && /^[0-9a-f]+$/.test(ref);
    // The engine narrows first (the name's label; ids containing the text), so a look-up in a room of hundreds
    // reads one or two containers, not all; the whole room is read only when neither finds it (not there, or a
    // container without berth's name label, named by the engine alone). A name still beats an id prefix.
    const [named, ids] = await Promise.all([
      this.listRaw(room, { all: true, signal, filters: { label: [`${LABEL.name}=${ref}`] } }),
      idLike ? this.listRaw(room, { all: true, signal, filters: { id: [ref] } }) : [],
    ]);
    const narrowed = named.some((c) => c.name === ref) || ids.some((c) => c.id.startsWith(ref));
    const all = narrowed ? [...named, ...ids] : await this.listRaw(room, { all: true, signal });
    const byName = all.find((c) => c.name === ref);
    if (byName) return byName;
    const byId = idLike ? all.filter((c) => c.id.startsWith(ref)) : [];
    if (byId.length === 1) return byId[0]!;
    if (byId.length > 1) throw new UsageError(`id prefix "${ref}" matches ${byId.length} containers in room "${room}": give more characters`);
    // What looks like a short id prefix was not looked up: say so, with how many characters one needs.
    const short = ref.length < MIN_ID_PREFIX && /^[0-9a-f]+$/.test(ref) ? ` (id prefixes need at least ${MIN_ID_PREFIX} characters)` : '';
    throw new NotFoundError(`container "${ref}" not found in room "${room}"${short}`);
  }

  /**
   * One page of a room's containers ordered newest first, then by name. The cursor encodes the last key shown,
   * so pages never repeat or skip a container even when others are created between pages (newer ones sort before).
   */
  async query(room: string, q: ListQuery = {}): Promise<ListPage> {
    validateRoomName(room);
    const status = (q.status ?? []).map((s) => {
      if (!CONTAINER_STATES.includes(s as ContainerState)) throw new UsageError(`invalid --status "${s}": use one of ${CONTAINER_STATES.join(', ')}`);
      return s;
    });
    const tags = (q.tags ?? []).map((t) => validateTag(t));
    if (q.limit !== undefined && (!Number.isInteger(q.limit) || q.limit < 1)) throw new UsageError(`invalid --limit "${q.limit}": use a whole number, 1 or more`);
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    // One request for the whole room, in every state: the filters below are docker's, applied here, and the same
    // answer shows the finished jobs whose berth is gone, removed on the way (orphan-jobs.ts) and never listed.
    const listed = await this.rt.listContainers('list containers', { all: true, filters: { label: roomLabelFilter(room) }, signal: q.signal });
    const orphans = orphanJobs(listed);
    const removing = removeJobs(this.rt, orphans).catch(() => undefined);
    const infos = listed.filter(
      (i) =>
        !orphans.includes(i.Id) &&
        // Without --all or --status, what docker ps lists: containers whose process runs.
        (status.length ? status.includes(i.State) : q.all || isLive(i.State)) &&
        (q.agent === undefined || i.Labels?.[LABEL.agent] === q.agent),
    );
    if (listed.length === 0) await this.assertRoomExists(room);
    const keyed = infos
      .filter((i) => tags.every((t) => parseTags(i.Labels?.[LABEL.tags]).includes(t)))
      .map((i) => ({ key: [i.Created, nameOf(i)] as CursorKey, info: i }))
      .sort((a, b) => compareKeys(a.key, b.key));
    const rest = after ? keyed.filter((k) => compareKeys(k.key, after) > 0) : keyed;
    const page = q.limit !== undefined ? rest.slice(0, q.limit) : rest;
    const more = page.length < rest.length;
    await removing;
    return { items: page.map((k) => this.shown(toSummary(k.info))), nextCursor: more ? encodeCursor(page[page.length - 1]!.key) : null };
  }

  /** Unknown rooms are NotFoundError, checked only when a listing came back empty (the common case costs nothing). */
  private async assertRoomExists(room: string): Promise<void> {
    const { RoomService } = await import('../rooms/index.js');
    await new RoomService(this.rt).assertExists(room);
  }

  /** Creates and starts a container in the room (created first when missing); returns its summary. */
  async run(room: string, opts: RunOptions, cb: CreateCallbacks = {}): Promise<ContainerSummary & { pulled: boolean; record?: number }> {
    // Lazy for start-up: listing and the dashboard's first requests load neither creating nor records.
    const [{ auditDetails, createFromSpec, removedWhileStarting, toRunSpec }, { recordWhileCreating }] = await Promise.all([import('./container-create.js'), import('../records/index.js')]);
    const spec = await toRunSpec(this.rt, room, opts, 'container');
    const action = opts.start === false ? 'container.create' : 'container.run';
    return this.rt.audit.record(
      { actor: this.rt.actor, action, target: `${room}/${spec.name}`, details: { ...auditDetails(spec), record: opts.record || undefined } },
      async () => {
        // With record, the record is stored between create and start, and dropped again when the start fails.
        const tracking = opts.record ? recordWhileCreating(this.rt, spec) : undefined;
        try {
          const created = await createFromSpec(this.rt, spec, { ...cb, ...(tracking ? { beforeStart: tracking.beforeStart } : {}), start: opts.start });
          const record = await tracking?.started();
          // Removed by someone else (docker rm -f) right after its start: said as for a removal before it.
          const summary = await this.summary(room, created.id).catch((err: unknown) => {
            throw err instanceof NotFoundError ? removedWhileStarting(spec) : err;
          });
          return { ...summary, pulled: created.pulled, ...(record ? { record } : {}) };
        } catch (err) {
          tracking?.undo();
          throw err;
        }
      },
    );
  }

  /** Changes resources in place, or recreates under the same name, room and labels for env/tags/image/ports. */
  async update(room: string, ref: string, opts: UpdateOptions, cb: CreateCallbacks = {}): Promise<UpdateResult> {
    // Lazy for start-up: only `container update` and the dashboard's edit load updating.
    const { updateContainer } = await import('./container-update.js');
    return updateContainer(this.rt, this, room, ref, opts, cb);
  }

  /**
   * Everything about one container, with secrets masked (env, command, labels; errors too). `showSecrets` returns the
   * real values for a person who asks: refused when BERTH_AGENT is set, and recorded in the audit log.
   */
  async inspect(room: string, ref: string, signal?: AbortSignal, opts: { showSecrets?: boolean } = {}): Promise<ContainerDetail> {
    if (opts.showSecrets && this.rt.env.BERTH_AGENT !== undefined) {
      const message = '--show-secrets is refused for agents (BERTH_AGENT is set): secret values are shown only to a person';
      // A refused attempt at a person's act is audited, like the act itself.
      try {
        this.rt.audit.append({ actor: this.rt.actor, action: 'container.show-secrets', target: `${room}/${ref}`, result: 'error', error: message, details: { refused: 'showing secrets' } });
      } catch {
        // the refusal stands whether or not it could be recorded
      }
      throw new BerthError(message, 'denied');
    }
    try {
      const c = await this.resolve(room, ref, signal);
      const detail = opts.showSecrets
        ? await this.rt.audit.record({ actor: this.rt.actor, action: 'container.show-secrets', target: auditTarget(c) }, async () => this.detail(room, c, await this.raw(c.id), false))
        : this.detail(room, c, await this.raw(c.id), true);
      return detail;
    } catch (err) {
      throw this.rt.mask.error(err);
    }
  }

  private detail(room: string, c: ContainerSummary, info: Docker.ContainerInspectInfo, mask: boolean): ContainerDetail {
    const hc = info.HostConfig ?? {};
    const net = info.NetworkSettings?.Networks?.[roomNetworkName(room)];
    const command = [...(info.Config?.Entrypoint ? [info.Config.Entrypoint].flat() : []), ...(info.Config?.Cmd ?? [])];
    const env = info.Config?.Env ?? [];
    const labels = info.Config?.Labels ?? c.labels;
    return {
      ...c,
      labels: mask ? this.rt.mask.labels(labels) : labels,
      tags: mask ? c.tags.map((t) => this.rt.mask.value(t)) : c.tags,
      imageId: info.Image,
      image: info.Config?.Image ?? c.image,
      command: mask ? command.map((a) => this.rt.mask.text(a)) : command,
      env: mask ? this.rt.mask.env(env) : env,
      resources: {
        ...(hc.NanoCpus ? { cpus: hc.NanoCpus / 1e9 } : {}),
        ...(hc.Memory ? { memory: hc.Memory } : {}),
        ...(hc.PidsLimit && hc.PidsLimit > 0 ? { pids: hc.PidsLimit } : {}),
      },
      ports: c.ports.length ? c.ports : portsFromBindings(hc.PortBindings),
      // The engine lists mounts in no fixed order: by target, so get and the info tab read the same every time.
      mounts: (info.Mounts ?? []).map((m) => ({ source: m.Source, target: m.Destination, type: m.Type, readOnly: !m.RW })).sort((a, b) => compareText(a.target, b.target)),
      network: net ? { name: roomNetworkName(room), ip: net.IPAddress || undefined, aliases: ((net.Aliases ?? []) as string[]).filter((a) => !c.id.startsWith(a)) } : null,
      logs: readLogSettings(hc.LogConfig as never),
      startedAt: validTime(info.State?.StartedAt),
      finishedAt: validTime(info.State?.FinishedAt),
    };
  }

  async status(room: string, ref: string, signal?: AbortSignal): Promise<ContainerStatus> {
    const c = await this.resolve(room, ref, signal);
    const info = await this.raw(c.id);
    const st = info.State;
    const startedAt = validTime(st.StartedAt);
    const finishedAt = validTime(st.FinishedAt);
    const everExited = Boolean(finishedAt) && !st.Running;
    return {
      id: c.id,
      name: c.name,
      room,
      state: st.Status,
      running: st.Running,
      startedAt,
      finishedAt,
      ...(st.Running && startedAt ? { uptimeMs: Math.max(0, Date.now() - Date.parse(startedAt)) } : {}),
      restartCount: info.RestartCount ?? 0,
      exitCode: everExited ? st.ExitCode : null,
      oomKilled: Boolean(st.OOMKilled),
      error: st.Error ?? '',
      ...((st as { Health?: { Status?: string } }).Health?.Status ? { health: (st as { Health?: { Status?: string } }).Health!.Status } : {}),
    };
  }

  /**
   * Waits until the container is running, or has exited (any non-live state). Exit code 7 (timeout) when the
   * timeout passes first; cancelled when the signal aborts.
   */
  async wait(room: string, ref: string, opts: { for: 'running' | 'exited'; timeoutMs?: number; signal?: AbortSignal }): Promise<ContainerStatus> {
    if (opts.for !== 'running' && opts.for !== 'exited') throw new UsageError(`invalid --for "${opts.for}": use running or exited`);
    const c = await this.resolve(room, ref, opts.signal);
    const reached = (s: ContainerStatus) => (opts.for === 'running' ? s.state === 'running' : !isLive(s.state));
    const deadline = opts.timeoutMs !== undefined ? Date.now() + opts.timeoutMs : Infinity;
    let current = await this.status(room, c.id, opts.signal);
    // Polling inspect (not the events stream) cannot miss a transition that happened between subscribe and check.
    while (!reached(current)) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new BerthError('cancelled', 'cancelled');
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new BerthError(`timed out waiting for container "${c.name}" to be ${opts.for} (it is ${current.state})`, 'timeout');
      }
      await sleep(Math.min(200, left), opts.signal);
      current = await this.status(room, c.id, opts.signal);
    }
    return current;
  }

  /** Docker's inspect of a resolved container. */
  async raw(id: string): Promise<Docker.ContainerInspectInfo> {
    const engine = await this.rt.engine();
    return engine.call(`inspect container ${id.slice(0, 12)}`, (d) => d.getContainer(id).inspect());
  }

  /** The current summary of one container by id (after an action), or NotFoundError when it is gone. */
  async summary(room: string, id: string, signal?: AbortSignal): Promise<ContainerSummary> {
    const engine = await this.rt.engine();
    const infos = await engine.call('list containers', (d) =>
      d.listContainers({ all: true, filters: { id: [id], label: roomLabelFilter(room) }, abortSignal: signal } as object),
    );
    const info = infos.find((c) => c.Id === id);
    if (!info) throw new NotFoundError(`container ${id.slice(0, 12)} not found in room "${room}"`);
    return this.shown(toSummary(info));
  }

  /**
   * Starts a stopped container once its agent's limits admit it (refused, or queued up to `timeoutMs`). A running one
   * is left as it is and returned, as `docker start` does.
   */
  async start(room: string, ref: string, opts: AdmitOptions = {}): Promise<ContainerSummary> {
    return this.act(room, ref, 'start', {}, (c) => {
      if (c.state === 'running' || c.state === 'restarting') return 'already';
      if (c.state === 'paused') throw conflict(c, 'is paused: use unpause');
      refuseGone(c);
    }, (d, c) => withAdmission(this.rt, c.id, opts, () => d.getContainer(c.id).start()));
  }

  /**
   * Stops with SIGTERM and a grace period (`time` seconds, Docker's default 10), or kills at once with `force`. One
   * that is not running is left as it is and returned, as `docker stop` does.
   */
  async stop(room: string, ref: string, opts: { force?: boolean; time?: number } = {}): Promise<ContainerSummary> {
    if (opts.time !== undefined) validateSeconds('--time', opts.time);
    return this.act(room, ref, 'stop', { force: !!opts.force, time: opts.time }, (c) => {
      if (!isLive(c.state)) return 'already';
    }, (d, c) =>
      opts.force ? d.getContainer(c.id).kill({ signal: 'SIGKILL' }) : d.getContainer(c.id).stop(opts.time !== undefined ? { t: opts.time } : {}),
    );
  }

  async restart(room: string, ref: string, opts: { time?: number } = {}): Promise<ContainerSummary> {
    if (opts.time !== undefined) validateSeconds('--time', opts.time);
    return this.act(room, ref, 'restart', { time: opts.time }, (c) => {
      if (c.state === 'paused') throw conflict(c, 'is paused: use unpause');
      refuseGone(c);
    }, (d, c) => {
      const restart = () => d.getContainer(c.id).restart(opts.time !== undefined ? { t: opts.time } : {});
      // Restarting a stopped container starts one more: the agent's limits apply as for start.
      return c.state === 'running' ? restart() : withAdmission(this.rt, c.id, {}, restart);
    });
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
        // The container's own files volume (RunOptions.filesDir) goes with it.
        if (c.labels[LABEL.files]) {
          await engine.call(`delete files volume of ${c.name}`, (d) => d.getVolume(filesVolumeName(room, c.name)).remove()).catch((err) => {
            if (!(err instanceof NotFoundError)) throw err;
          });
        }
        return { id: c.id, name: c.name };
      },
    );
  }

  /**
   * Resolves, checks the state allows the action, runs it through the engine, audits it, returns the new state. A
   * check that answers 'already' means the container is in the state the action leads to: nothing is done.
   */
  private async act(
    room: string,
    ref: string,
    action: string,
    details: Record<string, unknown>,
    check: (c: ContainerSummary) => void | 'already',
    run: (d: Docker, c: ContainerSummary) => Promise<unknown>,
  ): Promise<ContainerSummary> {
    const c = await this.resolve(room, ref);
    if (check(c) === 'already') return c;
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

export interface AdmitOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  onQueued?: (why: string) => void;
}

/** Runs a start under the container's agent's limits (agents.ts), holding the admission until it returns. */
async function withAdmission<T>(rt: Runtime, id: string, opts: AdmitOptions, start: () => Promise<T>): Promise<T> {
  // Lazy for start-up: agents' limits load with the first start, not with listing.
  const { admitExisting } = await import('../agents/index.js');
  const admission = await admitExisting(rt, id, opts);
  try {
    return await start();
  } finally {
    admission.release();
  }
}

/** Where a container sorts in a listing: its creation second and its room-local name (unique in the room). */
type CursorKey = [created: number, name: string];

/** Listing order: newest first, then by name, so containers created within one second keep one order. */
function compareKeys(a: CursorKey, b: CursorKey): number {
  return b[0] - a[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
}

function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string): CursorKey {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === 2 && Number.isInteger(key[0]) && typeof key[1] === 'string' && key[1].length > 0) {
      return key as CursorKey;
    }
  } catch {
    // fall through to the usage error
  }
  throw new UsageError(`invalid --cursor "${cursor.slice(0, 40)}": pass the next_cursor of a previous page`);
}

function portsFromBindings(bindings: Record<string, { HostIp?: string; HostPort?: string }[] | null> | undefined): PortMapping[] {
  return Object.entries(bindings ?? {}).flatMap(([key, list]) => {
    const [port, protocol = 'tcp'] = key.split('/');
    return (list ?? []).map((b) => ({
      ...(b.HostIp ? { hostIp: b.HostIp } : {}),
      ...(b.HostPort ? { hostPort: Number(b.HostPort) } : {}),
      containerPort: Number(port),
      protocol,
    }));
  });
}

function validTime(t: string | undefined): string | undefined {
  return t && !t.startsWith('0001-') ? t : undefined;
}


function refuseGone(c: ContainerSummary): void {
  if (c.state === 'removing' || c.state === 'dead') throw conflict(c, `is ${c.state}`);
}

function conflict(c: ContainerSummary, what: string): ConflictError {
  return new ConflictError(`container "${c.name}" in room "${c.room}" ${what}`);
}


function stripUndefined(o: Record<string, unknown>): Record<string, unknown> | undefined {
  const entries = Object.entries(o).filter(([, v]) => v !== undefined);
  return entries.length ? Object.fromEntries(entries) : undefined;
}
