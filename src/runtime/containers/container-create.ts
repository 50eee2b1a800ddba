// Creating room containers: option validation, the Docker create spec (labels, network alias, ports, resources,
// room storage mount), pulling a missing image, and create+start that leaves nothing behind when it fails.
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { resolveCredentials, familiarName, parseImageRef, type ImageRef, claimImage } from '../images/index.js';
import { registryError } from '../engine/index.js';
import { admitStart, applyAgentPolicy, ensureWorkspace } from '../agents/index.js';
import { DEFAULT_PORT_HOST, type Engine, BerthError, ConflictError, NotFoundError, LABEL, filesVolumeName, dockerContainerName, roomNetworkName, storageVolumeName, holderTag, type ObjectKind, type Runtime } from '../core/index.js';
import { logConfig, resolveLogLimits, type LogLimitOptions, type LogLimits } from './log-limits.js';
import { RoomService, assertMountable, engineMount, ensureOwnedDir, ensureStorageVolume, normalizeSubpath, type StorageMount } from '../rooms/index.js';
import {
  parseCpus,
  parseEnvList,
  parseMemory,
  parsePids,
  parsePort,
  readEnvFile,
  validateContainerName,
  validateIdentity,
  validateMountPath,
  validateRoomName,
  validateTag,
  type PortSpec,
} from '../core/index.js';

/** What a caller (CLI, batch file, agent script) may ask for; strings are validated like the CLI flags. */
export interface RunOptions extends LogLimitOptions {
  image: string;
  /** Overrides the image's CMD. */
  command?: string[];
  /** KEY=VALUE strings or a map; merged over envFile. */
  env?: string[] | Record<string, string>;
  envFile?: string;
  name?: string;
  tags?: string[];
  cpus?: string | number;
  /** `512m`, `1g`, or bytes. */
  memory?: string | number;
  pids?: string | number;
  ports?: (string | PortSpec)[];
  /** Where the room storage (or mountSubpath inside it) appears in the container. */
  mountPath?: string;
  mountSubpath?: string;
  agent?: string;
  role?: string;
  /** Track the container as a container record (records.ts); only `container run` reads it. */
  record?: boolean;
  /** false: created, not started (the API's create; `container run` always starts). */
  start?: boolean;
  /** A volume of the container's own mounted here (the API's /app), removed when the container is deleted. */
  filesDir?: string;
  /** Without a command, keep the image's default command alive (a TTY and open stdin, as `docker run -dit`). */
  keepAlive?: boolean;
}

export interface Resources {
  nanoCpus?: number;
  memory?: number;
  pids?: number;
}

/** Validated options: everything a create needs, nothing left to parse. */
export interface RunSpec {
  room: string;
  kind: ObjectKind;
  name: string;
  image: string;
  command?: string[];
  env: Record<string, string>;
  tags: string[];
  resources: Resources;
  ports: PortSpec[];
  /** Room storage (or a directory inside it) in the container (storage-mounts.ts). */
  mount?: StorageMount;
  /** The agent's workspace, mounted read-write at /workspace (agents.ts). */
  workspace?: { source: string; target: string };
  agent: string;
  role?: string;
  /** json-file max-size × max-file; every container berth creates has bounded logs. */
  logs: LogLimits;
  /** Keep stdin open for one attached writer (jobs fed from a pipe); closed when that writer closes it. */
  openStdin?: boolean;
  /** The container's own files volume (RunOptions.filesDir). */
  files?: { volume: string; target: string };
  /** A TTY and open stdin, so a shell default command waits instead of exiting (RunOptions.keepAlive). */
  keepAlive?: boolean;
}

export type PullProgress = { status: string; id?: string; progress?: string };

export interface CreateCallbacks {
  signal?: AbortSignal;
  /** Pull progress lines (only when the image was missing). */
  onPull?: (event: PullProgress) => void;
  /** How long a start may wait in the agent's queue (agent limits with --on-limit queue). */
  admissionTimeoutMs?: number;
  /** Told once when the start waits in the agent's queue. */
  onQueued?: (why: string) => void;
}

/** The `ports.defaultHost` setting: where a published port without an address binds (loopback unless set). */
export async function defaultPortHost(rt: Runtime): Promise<string> {
  const host = (await rt.setting('ports'))?.defaultHost;
  return typeof host === 'string' && host.trim() ? host.trim() : DEFAULT_PORT_HOST;
}

/** Ports as the command gave them, each with the address it binds to (the default host unless it named one). */
export function withHost(ports: PortSpec[], host: string): PortSpec[] {
  return ports.map((p) => (p.hostIp ? p : { ...p, hostIp: host }));
}

/** Validates every option before anything is touched, so bad input changes nothing. */
export async function toRunSpec(rt: Runtime, room: string, opts: RunOptions, kind: ObjectKind = 'container'): Promise<RunSpec> {
  validateRoomName(room);
  if (!opts.image || !opts.image.trim()) throw new BerthError('an image is required', 'usage');
  const env = { ...(opts.envFile ? readEnvFile(opts.envFile) : {}), ...toEnvMap(opts.env) };
  const name = opts.name !== undefined ? validateContainerName(opts.name) : generateName(opts.image, kind);
  const tags = [...new Set((opts.tags ?? []).map((t) => validateTag(t)))];
  const resources: Resources = {
    ...(opts.cpus !== undefined ? { nanoCpus: parseCpus(opts.cpus) } : {}),
    ...(opts.memory !== undefined ? { memory: typeof opts.memory === 'number' ? opts.memory : parseMemory(opts.memory) } : {}),
    ...(opts.pids !== undefined ? { pids: parsePids(opts.pids) } : {}),
  };
  const given = (opts.ports ?? []).map((p) => (typeof p === 'string' ? parsePort(p) : p));
  // Loopback unless the command (or the setting) names another address: nothing is open to the network by default.
  const ports = given.length ? withHost(given, await defaultPortHost(rt)) : given;
  let mount: RunSpec['mount'];
  if (opts.mountSubpath !== undefined && opts.mountPath === undefined) {
    throw new BerthError('--mount-subpath needs --mount-path (where to mount it in the container)', 'usage');
  }
  if (opts.mountPath !== undefined) {
    const target = validateMountPath(opts.mountPath);
    const subpath = normalizeSubpath(opts.mountSubpath ?? '', '--mount-subpath');
    await assertMountable(await rt.engine(), subpath, '--mount-subpath');
    mount = { root: new RoomService(rt).storageDir(room), subpath, target, volume: storageVolumeName(room) };
  }
  // An empty BERTH_AGENT is unset, as for BERTH_ROLE.
  const agent = validateIdentity(opts.agent ?? (rt.env.BERTH_AGENT || (await rt.setting('defaultAgent'))), '--agent');
  const roleName = opts.role ?? (rt.env.BERTH_ROLE || undefined);
  const role = roleName !== undefined ? validateIdentity(roleName, '--role') : undefined;
  const logs = await resolveLogLimits(rt, opts);
  const files = opts.filesDir !== undefined ? { volume: filesVolumeName(room, name), target: validateMountPath(opts.filesDir, 'filesDir') } : undefined;
  const command = opts.command?.length ? opts.command : undefined;
  const keepAlive = opts.keepAlive && !command ? true : undefined;
  // The agent's memory cap, CPU share and workspace mount (agents.ts).
  return applyAgentPolicy(rt, { room, kind, name, image: opts.image.trim(), command, env, tags, resources, ports, mount, agent, role, logs, ...(files ? { files } : {}), ...(keepAlive ? { keepAlive } : {}) });
}

function toEnvMap(env: RunOptions['env']): Record<string, string> {
  if (!env) return {};
  if (Array.isArray(env)) return parseEnvList(env);
  return parseEnvList(Object.entries(env).map(([k, v]) => `${k}=${v}`));
}

/** `web-3fa2c1` from `nginx:1.27`; jobs are `job-3fa2c1`. Random so concurrent runs never collide. */
export function generateName(image: string, kind: ObjectKind): string {
  const suffix = randomBytes(3).toString('hex');
  if (kind === 'job') return `job-${suffix}`;
  const base = (image.split('@')[0]!.split('/').pop() ?? 'c').split(':')[0]!.replace(/[^a-zA-Z0-9_-]/g, '-').replace(/^[-_]+/, '').slice(0, 40);
  return `${base || 'c'}-${suffix}`;
}

export function specLabels(spec: RunSpec): Record<string, string> {
  return {
    [LABEL.room]: spec.room,
    [LABEL.kind]: spec.kind,
    [LABEL.name]: spec.name,
    [LABEL.agent]: spec.agent,
    ...(spec.role ? { [LABEL.role]: spec.role } : {}),
    ...(spec.tags.length ? { [LABEL.tags]: spec.tags.join(',') } : {}),
    ...(spec.files ? { [LABEL.files]: spec.files.target } : {}),
    [LABEL.managed]: 'true',
    ...(spec.kind === 'job' ? { [LABEL.holder]: holderTag() } : {}),
  };
}

export function portKey(p: { containerPort: number; protocol: string }): string {
  return `${p.containerPort}/${p.protocol}`;
}

/**
 * The engine's ExposedPorts and PortBindings for published ports. A port without an address binds to `defaultHost`
 * when one is given (containers, jobs and plugin runs pass the `ports.defaultHost` setting, loopback by default);
 * without either, the engine binds every interface.
 */
export function portBindings(ports: PortSpec[], defaultHost?: string): { exposed: Record<string, object>; bindings: Record<string, { HostIp?: string; HostPort: string }[]> } {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp?: string; HostPort: string }[]> = {};
  for (const p of ports) {
    exposed[portKey(p)] = {};
    const hostIp = p.hostIp ?? defaultHost;
    (bindings[portKey(p)] ??= []).push({ ...(hostIp ? { HostIp: hostIp } : {}), HostPort: p.hostPort ? String(p.hostPort) : '' });
  }
  return { exposed, bindings };
}

/** Docker's create body for a spec; berth containers always join the room network with their name as an alias. */
export function createBody(spec: RunSpec): Docker.ContainerCreateOptions {
  const { exposed, bindings } = portBindings(spec.ports);
  const network = roomNetworkName(spec.room);
  return {
    name: dockerContainerName(spec.room, spec.name),
    Image: spec.image,
    ...(spec.command ? { Cmd: spec.command } : {}),
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: specLabels(spec),
    ExposedPorts: exposed,
    ...(spec.openStdin ? { OpenStdin: true, StdinOnce: true, AttachStdin: true } : {}),
    ...(spec.keepAlive ? { Tty: true, OpenStdin: true } : {}),
    HostConfig: {
      NetworkMode: network,
      PortBindings: bindings,
      // A kept-alive default command (a shell, a REPL) is not PID 1, so the stop signal reaches it (createFromSpec).
      ...(spec.keepAlive ? { Init: true } : {}),
      LogConfig: logConfig(spec.logs),
      ...(spec.resources.nanoCpus ? { NanoCpus: spec.resources.nanoCpus } : {}),
      ...(spec.resources.memory ? { Memory: spec.resources.memory, MemorySwap: spec.resources.memory * 2 } : {}),
      ...(spec.resources.pids ? { PidsLimit: spec.resources.pids } : {}),
      ...(spec.mount || spec.workspace || spec.files
        ? {
            Mounts: [
              ...(spec.mount ? [engineMount(spec.mount)] : []),
              ...(spec.files ? [{ Type: 'volume' as const, Source: spec.files.volume, Target: spec.files.target }] : []),
              ...(spec.workspace ? [{ Type: 'bind' as const, Source: spec.workspace.source, Target: spec.workspace.target }] : []),
            ],
          }
        : {}),
    },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [spec.name] } } },
  };
}

/** What the audit log keeps about a create: the spec with env as KEY=VALUE strings (secret values get masked). */
export function auditDetails(spec: RunSpec): Record<string, unknown> {
  return {
    image: spec.image,
    kind: spec.kind,
    command: spec.command,
    env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    tags: spec.tags,
    resources: spec.resources,
    ports: spec.ports,
    mount: spec.mount,
    workspace: spec.workspace?.source,
    agent: spec.agent,
    role: spec.role,
    logs: spec.logs,
  };
}

/**
 * Makes sure the image is present, pulling it when missing (with what docker login stored for its registry, when env
 * is given); a failed pull of a missing image is NotFoundError, refused credentials are denied. With claim, the room
 * holds an image pulled here (as `image pull` would record it).
 */
export async function ensureImage(
  engine: Engine,
  image: string,
  cb: CreateCallbacks = {},
  env?: NodeJS.ProcessEnv,
  claim?: { rt: Runtime; room: string },
): Promise<{ pulled: boolean }> {
  try {
    await engine.call(`inspect image ${image}`, (d) => d.getImage(image).inspect());
    return { pulled: false };
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  let ref: ImageRef | undefined;
  try {
    ref = parseImageRef(image);
  } catch {
    // the engine names what is wrong with it
  }
  const registry = ref?.registry;
  // A broken credential helper is not a reason to refuse a public image: the registry says when credentials are needed.
  const auth = env && registry ? await resolveCredentials(env, registry).catch(() => undefined) : undefined;
  try {
    const stream = await engine.call(`pull ${image}`, (d) => d.pull(image, { abortSignal: cb.signal, ...(auth ? { authconfig: auth } : {}) } as object));
    await new Promise<void>((resolve, reject) => {
      engine.docker.modem.followProgress(
        stream,
        (err: Error | null, output: { error?: string }[]) => {
          const failed = output?.find((o) => o.error);
          if (err || failed) reject(err ?? new Error(failed!.error));
          else resolve();
        },
        (event: PullProgress) => cb.onPull?.(event),
      );
    });
  } catch (err) {
    if (cb.signal?.aborted) throw err;
    const translated = engine.translate(err, `pull ${image}`);
    if (translated instanceof BerthError && translated.kind === 'engineUnreachable') throw translated;
    const raw = (err as { json?: { message?: string } })?.json?.message ?? (translated as Error)?.message ?? String(err);
    const detail = raw.split('\n')[0]!.replace(/^pull [^:]+: /, '').replace(/^\(HTTP code \d+\) [a-z ]+ - /, '').trim();
    const denied = registryError(engine, err, `pull ${image}`, registry ?? 'the registry', auth);
    if (denied instanceof BerthError && denied.kind === 'denied') throw denied;
    throw new NotFoundError(`image "${image}" is not here and could not be pulled: ${detail}`);
  }
  if (claim) {
    const info = await engine.call(`inspect image ${image}`, (d) => d.getImage(image).inspect());
    claimImage(claim.rt, claim.room, info.Id, ref ? familiarName(ref) : image, 'pull');
  }
  return { pulled: true };
}

/** Refuses a name already used in the room (by any kind), before Docker's own engine-wide name check. */
export async function assertNameFree(engine: Engine, room: string, name: string): Promise<void> {
  const taken = await engine.call('list containers', (d) =>
    d.listContainers({ all: true, filters: { label: [`${LABEL.room}=${room}`, `${LABEL.name}=${name}`] } }),
  );
  if (taken.length) throw new ConflictError(`container name "${name}" is already taken in room "${room}"`);
}

const ensuring = new WeakMap<Runtime, Map<string, Promise<void>>>();

/**
 * RoomService.ensure once per runtime and room: concurrent creates (batch) would otherwise race to create the room
 * network, and the engine does not refuse a duplicate network name.
 */
export function ensureRoomOnce(rt: Runtime, room: string): Promise<void> {
  let rooms = ensuring.get(rt);
  if (!rooms) ensuring.set(rt, (rooms = new Map()));
  let pending = rooms.get(room);
  if (!pending) {
    pending = new RoomService(rt).ensure(room);
    rooms.set(room, pending);
    pending.catch(() => rooms!.delete(room));
  }
  return pending;
}

/**
 * Creates (and optionally starts) a container from a validated spec: checks the name, pulls a missing image, makes
 * sure the room exists. If start fails, the created container is removed so nothing half-done is left.
 */
export async function createFromSpec(
  rt: Runtime,
  spec: RunSpec,
  opts: CreateCallbacks & { start?: boolean; beforeStart?: (container: Docker.Container) => Promise<void> } = {},
): Promise<{ id: string; name: string; pulled: boolean }> {
  const engine = await rt.engine();
  await assertNameFree(engine, spec.room, spec.name);
  const { pulled } = await ensureImage(engine, spec.image, opts, rt.env, { rt, room: spec.room });
  await ensureRoomOnce(rt, spec.room);
  // Only berth-owned directories go to the engine by path; a subpath goes as a volume Subpath (storage-mounts.ts).
  if (spec.mount) {
    ensureOwnedDir(rt.paths.dataDir, spec.mount.root);
    await ensureStorageVolume(engine, spec.mount);
  }
  if (spec.workspace) ensureWorkspace(rt, spec.room, spec.agent);
  // The agent's limits (max running, CPU quota): refused or queued here, before anything is created.
  const admission = opts.start !== false ? await admitStart(rt, spec, { timeoutMs: opts.admissionTimeoutMs, signal: opts.signal, onQueued: opts.onQueued }) : undefined;
  try {
    const body = createBody(spec);
    if (spec.keepAlive) {
      // A shell or REPL kept alive on a TTY ends on a hang-up (it ignores SIGTERM); an image's own stop signal wins.
      const image = await engine.call(`inspect image ${spec.image}`, (d) => d.getImage(spec.image).inspect());
      if (!(image.Config as { StopSignal?: string } | undefined)?.StopSignal) (body as { StopSignal?: string }).StopSignal = 'SIGHUP';
    }
    const container = await engine.call(`create container ${spec.name}`, (d) => d.createContainer(body));
    try {
      await opts.beforeStart?.(container);
      if (opts.start !== false) await engine.call(`start container ${spec.name}`, () => container.start());
    } catch (err) {
      // Removed by someone else (docker rm -f) between create and start: the engine's own words for it depend on
      // the step that found it gone (`Could not find the file / in container …`, `No such container`).
      const gone = await container.inspect().then(
        () => false,
        (e: { statusCode?: number }) => e?.statusCode === 404,
      );
      if (gone) throw removedWhileStarting(spec);
      await container.remove({ force: true, v: true }).catch(() => {});
      throw startError(err, spec.name);
    }
    return { id: container.id, name: spec.name, pulled };
  } finally {
    admission?.release();
  }
}

/** A container someone else removed (docker rm -f) while berth created and started it. */
export function removedWhileStarting(spec: { name: string; room: string }): NotFoundError {
  return new NotFoundError(`container "${spec.name}" in room "${spec.room}" was removed while it was being started`);
}

/** A start failure in one line: a taken host port is a conflict; other engine errors keep their own message. */
function startError(err: unknown, name: string): unknown {
  const message = (err as { json?: { message?: string } })?.json?.message ?? (err as Error)?.message ?? '';
  const bind = /Bind for (\S+) failed: port is already allocated|listen tcp[^:]*:? ?(\S+): bind: address already in use/.exec(message);
  if (bind) return new ConflictError(`start container ${name}: host port ${bind[1] ?? bind[2]} is already in use`);
  if (err instanceof BerthError || !message) return err;
  return new BerthError(`start container ${name}: ${message.split('\n')[0]!.trim()}`, 'failure', { cause: err });
}
