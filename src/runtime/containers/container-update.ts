// Updating a container: resources change in place (docker update, merged with what is set); env, tags, image and
// ports cannot, so the container is recreated with the same name, room and labels, and the old one is restored if
// the new one fails to create or start. Both paths go through the agent's admission, as a start does.
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { defaultPortHost, ensureImage, portBindings, withHost, type CreateCallbacks } from './container-create.js';
import { UnsavedChangesError, auditTarget, isLive, type ContainerLookup, type ContainerSummary } from './summary.js';
import { BerthError, ConflictError, UsageError, LABEL, dockerContainerName, roomNetworkName, type Runtime, parseCpus, parseEnvList, parseMemory, parsePids, parsePort, validateEnvKey, validateSeconds, validateTag, type PortSpec } from '../core/index.js';
import { admitStart, applyAgentPolicy } from '../agents/index.js';
import { boundedLogConfig, logConfig, readLogSettings, resolveLogLimits, type LogLimits } from './log-limits.js';

export interface UpdateOptions {
  /** KEY=VALUE: adds or changes. */
  env?: string[] | Record<string, string>;
  unsetEnv?: string[];
  /** Replaces all tags (an empty list clears them). */
  tags?: string[];
  cpus?: string | number;
  memory?: string | number;
  pids?: string | number;
  image?: string;
  /** Replaces all port mappings (an empty list removes them). */
  ports?: (string | PortSpec)[];
  /** Grace seconds when the old container has to stop for a recreate (default 10). */
  time?: number;
  /** New log limits (a recreate: Docker cannot change them in place). */
  logMaxSize?: string | number;
  logMaxFiles?: string | number;
  /**
   * Recreate even when files were added or changed in the container outside its mounts (they are lost with the old
   * container). Without it such a recreate is refused, saying how many and where.
   */
  confirmRecreate?: boolean;
}

export interface UpdateResult {
  container: ContainerSummary;
  /** What changed: env, tags, image, ports, cpus, memory, pids. */
  changed: string[];
  recreated: boolean;
  /** Set when recreated: the id of the container that was replaced. */
  previousId?: string;
}

const RECREATE_FIELDS = new Set(['env', 'tags', 'image', 'ports', 'logs']);

export async function updateContainer(
  rt: Runtime,
  service: ContainerLookup,
  room: string,
  ref: string,
  opts: UpdateOptions,
  cb: CreateCallbacks = {},
): Promise<UpdateResult> {
  // Validate everything first: bad input changes nothing.
  const setEnv = Array.isArray(opts.env) ? parseEnvList(opts.env) : parseEnvList(Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`));
  const unset = (opts.unsetEnv ?? []).map((k) => validateEnvKey(k));
  const tags = opts.tags ? [...new Set(opts.tags.map((t) => validateTag(t)))] : undefined;
  const nanoCpus = opts.cpus !== undefined ? parseCpus(opts.cpus) : undefined;
  const memory = opts.memory !== undefined ? (typeof opts.memory === 'number' ? opts.memory : parseMemory(opts.memory)) : undefined;
  const pids = opts.pids !== undefined ? parsePids(opts.pids) : undefined;
  const given = opts.ports?.map((p) => (typeof p === 'string' ? parsePort(p) : p));
  // As at run: a port without an address binds to the default host (loopback unless the setting says otherwise).
  const ports = given?.length ? withHost(given, await defaultPortHost(rt)) : given;
  if (opts.image !== undefined && !opts.image.trim()) throw new UsageError('invalid --image "": give an image reference');
  if (opts.time !== undefined) validateSeconds('--time', opts.time);
  const logsAsked = opts.logMaxSize !== undefined || opts.logMaxFiles !== undefined;
  const logs = await resolveLogLimits(rt, opts);

  const c = await service.resolve(room, ref, cb.signal);
  const info = await service.raw(c.id);
  const env = envMap(info.Config.Env ?? []);
  for (const k of unset) {
    if (!(k in env)) throw new UsageError(`--unset-env "${k}": not set in container "${c.name}"`);
  }

  const changed: string[] = [];
  const nextEnv = { ...env };
  for (const k of unset) delete nextEnv[k];
  Object.assign(nextEnv, setEnv);
  if (unset.length || Object.entries(setEnv).some(([k, v]) => env[k] !== v)) changed.push('env');
  if (tags && tags.join(',') !== (c.labels[LABEL.tags] ?? '')) changed.push('tags');
  const image = opts.image?.trim();
  if (image && image !== info.Config.Image) changed.push('image');
  if (ports && !samePorts(ports, info.HostConfig.PortBindings as Bindings)) changed.push('ports');
  if (nanoCpus !== undefined && nanoCpus !== info.HostConfig.NanoCpus) changed.push('cpus');
  if (memory !== undefined && memory !== info.HostConfig.Memory) changed.push('memory');
  if (pids !== undefined && pids !== info.HostConfig.PidsLimit) changed.push('pids');
  const currentLogs = readLogSettings(info.HostConfig.LogConfig as never);
  if (logsAsked) {
    // Unnamed half of the pair keeps the container's current value, not the default.
    if (opts.logMaxSize === undefined && currentLogs.maxSize) logs.maxSize = currentLogs.maxSize;
    if (opts.logMaxFiles === undefined && currentLogs.maxFiles) logs.maxFiles = currentLogs.maxFiles;
    if (currentLogs.driver !== 'json-file' || currentLogs.maxSize !== logs.maxSize || (currentLogs.maxFiles ?? 1) !== logs.maxFiles) changed.push('logs');
  }
  if (changed.length === 0) {
    if (!Object.entries(opts).some(([k, v]) => v !== undefined && k !== 'confirmRecreate')) {
      throw new UsageError('nothing to update: give --env, --unset-env, --tag, --cpus, --memory, --pids, --image, --port or --log-max-size/--log-max-files');
    }
    throw new UsageError(`container "${c.name}" already has these settings: nothing to update`);
  }
  const recreate = changed.some((f) => RECREATE_FIELDS.has(f));
  if (recreate && c.state === 'paused') throw new ConflictError(`container "${c.name}" in room "${room}" is paused: unpause it before changing ${changed.filter((f) => RECREATE_FIELDS.has(f)).join(', ')}`);
  if (recreate && !opts.confirmRecreate) {
    const lost = await unsavedChanges(rt, info);
    if (lost.length) {
      const shown = lost.slice(0, 3).join(', ') + (lost.length > 3 ? ', …' : '');
      throw new UnsavedChangesError(
        lost,
        `container "${c.name}" has ${lost.length} ${lost.length === 1 ? 'file' : 'files'} added or changed outside its mounts (${shown}) that recreating it for ${changed.filter((f) => RECREATE_FIELDS.has(f)).join(', ')} would lose: copy them out (berth container download) or confirm with --recreate`,
      );
    }
  }
  const resources = {
    ...(nanoCpus !== undefined ? { NanoCpus: nanoCpus } : {}),
    ...(memory !== undefined ? { Memory: memory, MemorySwap: memory * 2 } : {}),
    ...(pids !== undefined ? { PidsLimit: pids } : {}),
  };
  // The same admission as a start (agent caps: memory per container, CPU quota, max running): a container must not
  // get past its agent's limits by being updated or recreated.
  const admission = await admitUpdate(rt, info, room, c.name, { nanoCpus, memory, recreate }, cb);
  const engine = await rt.engine();
  const details = {
    changed,
    recreated: recreate,
    ...(Object.keys(setEnv).length ? { env: Object.entries(setEnv).map(([k, v]) => `${k}=${v}`) } : {}),
    ...(unset.length ? { unsetEnv: unset } : {}),
    ...(tags ? { tags } : {}),
    ...(image ? { image } : {}),
    ...(ports ? { ports } : {}),
    ...(nanoCpus !== undefined ? { cpus: nanoCpus / 1e9 } : {}),
    ...(memory !== undefined ? { memory } : {}),
    ...(pids !== undefined ? { pids } : {}),
    ...(changed.includes('logs') ? { logs } : {}),
  };
  try {
    return await rt.audit.record({ actor: rt.actor, action: 'container.update', target: auditTarget(c), details }, async () => {
      if (!recreate) {
        await engine.call(`update container ${c.name}`, (d) => d.getContainer(c.id).update(resources));
        return { container: await service.summary(room, c.id), changed, recreated: false };
      }
      if (image) await ensureImage(engine, image, cb, rt.env, { rt, room });
      const body = await recreateBody(engine.docker, info, room, c.name, { env: nextEnv, tags, image, ports, resources, logs, logsChanged: changed.includes('logs') });
      const newId = await replace(engine.docker, info, room, c.name, body, opts.time);
      return { container: await service.summary(room, newId), changed, recreated: true, previousId: c.id };
    });
  } finally {
    admission?.release();
  }
}

/**
 * Checks an update against the agent's limits as a start would be: the memory cap and per-container CPU quota for
 * any change of resources or a recreate, and, when the container is running, the agent's admission (max running,
 * CPU quota) with this container's new CPU limit in place of its old one. Undefined when there is nothing to admit.
 */
async function admitUpdate(
  rt: Runtime,
  info: Docker.ContainerInspectInfo,
  room: string,
  name: string,
  change: { nanoCpus?: number; memory?: number; recreate: boolean },
  cb: CreateCallbacks,
): Promise<{ release(): void } | undefined> {
  const agent = info.Config.Labels?.[LABEL.agent];
  if (!agent || (change.nanoCpus === undefined && change.memory === undefined && !change.recreate)) return undefined;
  const nanoCpus = change.nanoCpus ?? (info.HostConfig.NanoCpus || undefined);
  const memory = change.memory ?? (info.HostConfig.Memory || undefined);
  const resources = { ...(nanoCpus !== undefined ? { nanoCpus } : {}), ...(memory !== undefined ? { memory } : {}) };
  // Refuses a memory or CPU ask over the agent's per-container caps (the filled-in defaults are not used).
  await applyAgentPolicy(rt, { room, name, agent, resources });
  if (!isLive(info.State.Status)) return undefined; // a stopped container is admitted when it starts
  return admitStart(rt, { room, name, agent, resources }, {
    signal: cb.signal,
    timeoutMs: cb.admissionTimeoutMs,
    onQueued: cb.onQueued,
    // The container itself is running already: it is replaced, not added.
    replacing: [info.Name.replace(/^\//, '')],
  });
}

/** What the engine itself puts in every container (bind-mounted, so a new container gets them again). */
const ENGINE_PATHS = ['/sbin/docker-init', '/etc/hostname', '/etc/hosts', '/etc/resolv.conf', '/.dockerenv', '/dev', '/proc', '/sys'];

/**
 * What a recreate would throw away: paths the engine reports added (A) or changed (C) in the container's own
 * filesystem, outside its mounts, sorted. A directory listed only because something inside it changed is left out;
 * deleted paths (D) come back with the new container and are not a loss.
 */
export async function unsavedChanges(rt: Runtime, info: Docker.ContainerInspectInfo): Promise<string[]> {
  const engine = await rt.engine();
  const raw: unknown = await engine.call(`list changes of container ${info.Name.replace(/^\//, '')}`, (d) => d.getContainer(info.Id).changes());
  // No changes: the engine answers `null`, which dockerode hands back as the raw body, not as an empty list.
  const changes = (Array.isArray(raw) ? raw : []) as { Path: string; Kind: number }[];
  const mounts = [...(info.Mounts ?? []).map((m) => m.Destination.replace(/\/+$/, '')), ...ENGINE_PATHS];
  const inMount = (p: string) => mounts.some((m) => p === m || p.startsWith(`${m}/`));
  // A directory the engine made only to hold one of its own files (/sbin for docker-init in a FROM-scratch image).
  const holdsEngineFile = (p: string) => ENGINE_PATHS.some((e) => e.startsWith(`${p}/`));
  const paths = changes.filter((ch) => typeof ch.Path === 'string' && ch.Kind !== 2 && !inMount(ch.Path) && !holdsEngineFile(ch.Path)).map((ch) => ch.Path);
  const parents = new Set<string>();
  for (const p of paths) for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) parents.add(p.slice(0, i));
  return paths.filter((p) => !parents.has(p)).sort();
}

type Bindings = Record<string, { HostIp?: string; HostPort?: string }[] | null> | undefined;

function envMap(list: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of list) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

function samePorts(ports: PortSpec[], current: Bindings): boolean {
  const want = portBindings(ports).bindings;
  const norm = (b: Bindings) =>
    JSON.stringify(
      Object.entries(b ?? {})
        .filter(([, list]) => list && list.length)
        .map(([k, list]) => [k, list!.map((x) => `${x.HostIp ?? ''}:${x.HostPort ?? ''}`).sort()])
        .sort(),
    );
  return norm(want) === norm(current);
}

/** The create body of the replacement: the old config and host config with the changes applied. */
async function recreateBody(
  docker: Docker,
  info: Docker.ContainerInspectInfo,
  room: string,
  name: string,
  change: { env: Record<string, string>; tags?: string[]; image?: string; ports?: PortSpec[]; resources: Record<string, number>; logs: LogLimits; logsChanged: boolean },
): Promise<Docker.ContainerCreateOptions> {
  const cfg = info.Config as Docker.ContainerInspectInfo['Config'] & { StopSignal?: string };
  let env = change.env;
  let cmd: string[] | undefined = cfg.Cmd ?? undefined;
  let entrypoint = cfg.Entrypoint as string[] | string | undefined;
  if (change.image && change.image !== cfg.Image) {
    // What the old image supplied (default CMD, ENTRYPOINT, ENV) must come from the new image instead.
    const old = await docker.getImage(info.Image).inspect().catch(() => undefined);
    if (old) {
      const oldEnv = envMap(old.Config?.Env ?? []);
      env = Object.fromEntries(Object.entries(env).filter(([k, v]) => oldEnv[k] !== v));
      if (JSON.stringify(old.Config?.Cmd ?? null) === JSON.stringify(cmd ?? null)) cmd = undefined;
      if (JSON.stringify(old.Config?.Entrypoint ?? null) === JSON.stringify(entrypoint ?? null)) entrypoint = undefined;
    }
  }
  const labels = { ...cfg.Labels };
  if (change.tags) {
    if (change.tags.length) labels[LABEL.tags] = change.tags.join(',');
    else delete labels[LABEL.tags];
  }
  const hostConfig: Docker.HostConfig = { ...info.HostConfig, ...change.resources };
  // A replacement never has unbounded logs, even when the old container (made before berth capped them) had.
  hostConfig.LogConfig = change.logsChanged ? logConfig(change.logs) : boundedLogConfig(info.HostConfig.LogConfig as never, change.logs);
  let exposed: Record<string, object> = { ...(cfg.ExposedPorts ?? {}) };
  if (change.ports) {
    for (const key of Object.keys(info.HostConfig.PortBindings ?? {})) delete exposed[key];
    const { exposed: newExposed, bindings } = portBindings(change.ports);
    exposed = { ...exposed, ...newExposed };
    hostConfig.PortBindings = bindings;
  }
  const network = roomNetworkName(room);
  return {
    name: dockerContainerName(room, name),
    Image: change.image ?? cfg.Image,
    ...(cmd ? { Cmd: cmd } : {}),
    ...(entrypoint ? { Entrypoint: entrypoint } : {}),
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: labels,
    ExposedPorts: exposed,
    WorkingDir: cfg.WorkingDir,
    User: cfg.User,
    Tty: cfg.Tty,
    OpenStdin: cfg.OpenStdin,
    StdinOnce: cfg.StdinOnce,
    ...(cfg.StopSignal ? { StopSignal: cfg.StopSignal } : {}),
    HostConfig: hostConfig,
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [name] } } },
  };
}

/**
 * Swaps the old container for a new one under the same name: rename the old aside, stop it (host ports are freed),
 * create and start the new one; on any failure remove the new one and put the old one back as it was.
 */
async function replace(
  docker: Docker,
  info: Docker.ContainerInspectInfo,
  room: string,
  name: string,
  body: Docker.ContainerCreateOptions,
  time?: number,
): Promise<string> {
  const old = docker.getContainer(info.Id);
  const wasRunning = isLive(info.State.Status);
  const asideName = `${dockerContainerName(room, name)}.replaced-${randomBytes(3).toString('hex')}`;
  await old.rename({ name: asideName });
  let created: Docker.Container | undefined;
  try {
    if (wasRunning) await old.stop(time !== undefined ? { t: time } : {});
    created = await docker.createContainer(body);
    if (wasRunning) await created.start();
  } catch (err) {
    if (created) await created.remove({ force: true, v: true }).catch(() => {});
    await old.rename({ name: dockerContainerName(room, name) }).catch(() => {});
    if (wasRunning) await old.start().catch(() => {});
    const detail = ((err as { json?: { message?: string } })?.json?.message ?? (err as Error)?.message ?? String(err)).split('\n')[0];
    throw new BerthError(`recreating container "${name}" failed, the old one was kept: ${detail}`, 'failure', { cause: err });
  }
  await old.remove({ force: true, v: true });
  return created.id;
}
