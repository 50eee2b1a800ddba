// A service's deploy spec: the options of `berth deploy` validated into what the state store keeps for rollback
// (never a secret value: env secrets and the room token are references, resolved at container create time).
import path from 'node:path';
import { parseLogMaxFiles, parseLogMaxSize, type LogLimitOptions } from '../containers/index.js';
import { formatDelay, isSecretName, UsageError, type Engine, storageVolumeName, type Runtime } from '../core/index.js';
import { RoomService, assertMountable, ensureOwnedDir, ensureStorageVolume, normalizeSubpath, type StorageMount } from '../rooms/index.js';
import { validateSecretName } from '../secrets/index.js';
import {
  parseCpus,
  parseDuration,
  parseEnvEntry,
  parseMemory,
  parsePort,
  validateContainerName,
  validateMountPath,
  validateRoomName,
  type PortSpec,
} from '../core/index.js';

export interface DeployOptions {
  /** The image reference; also where the service name comes from. */
  tag: string;
  /** A directory to build the image from first (its Dockerfile), tagged `tag`. */
  path?: string;
  name?: string;
  env?: string[];
  /** NAME=SECRET_ID: env var NAME gets the value of stored secret SECRET_ID. */
  envSecrets?: string[];
  /** SRC:DST[:ro], SRC inside the room storage. */
  roomMounts?: string[];
  /** SRC:DST[:ro], SRC inside the project storage shared by all rooms. */
  projectMounts?: string[];
  /** IMAGE:DST, another image's files, read-only. */
  imageMounts?: string[];
  identity?: string;
  token?: boolean;
  ports?: string[];
  /** A shell command run in the container, or http:PATH probed on the published port. */
  liveness?: string;
  livenessInterval?: string;
  domain?: string;
  replicas?: number | string;
  restart?: string;
  cpus?: string;
  memory?: string;
  /** Without a liveness check: how long the new container must keep running before it is trusted. */
  settle?: string;
  healthTimeout?: string;
  /** How long the old containers keep running after the switch, for requests already in flight. */
  drain?: string;
  /** Largest log file of each container before it rotates (default config logs.maxSize, else 10m). */
  logMaxSize?: string;
  /** Log files kept per container (default config logs.maxFiles, else 3). */
  logMaxFiles?: string | number;
  /** Settings an update resets to their defaults instead of keeping them (CLEARABLE). */
  clear?: string[];
}

export type Liveness = { kind: 'cmd'; command: string } | { kind: 'http'; path: string; port: number };

export interface MountSpec {
  type: 'room' | 'project' | 'image';
  /** Relative path in the storage (room, project) or an image reference (image). */
  source: string;
  target: string;
  readOnly: boolean;
}

export interface RestartPolicy {
  name: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  maximumRetryCount?: number;
}

/** What is stored per revision: everything to recreate the service, no secret values. */
export interface DeploySpec {
  room: string;
  name: string;
  image: string;
  env: Record<string, string>;
  envSecrets: Record<string, string>;
  token: boolean;
  identity: string;
  ports: PortSpec[];
  mounts: MountSpec[];
  liveness?: Liveness;
  livenessIntervalMs: number;
  domain?: string;
  replicas: number;
  restart: RestartPolicy;
  resources: { nanoCpus?: number; memory?: number };
  settleMs: number;
  healthTimeoutMs: number;
  drainMs: number;
  /** The log limits the flags gave; what they leave out comes from config logs at each container create. */
  logs?: { maxSize?: string; maxFiles?: number };
}

/** The spec's log flags as resolveLogLimits takes them. */
export function specLogOptions(spec: DeploySpec): LogLimitOptions {
  return { logMaxSize: spec.logs?.maxSize, logMaxFiles: spec.logs?.maxFiles };
}

/** registry[:port]/path/name[:tag][@digest], path components lowercase as Docker requires. */
const REFERENCE =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export function validateImageRef(ref: string, flag = '--tag'): string {
  const text = String(ref ?? '').trim();
  if (!text || text.length > 255 || !REFERENCE.test(text)) {
    throw new UsageError(`invalid ${flag} "${text.slice(0, 80)}": use an image reference like registry.example.com/team/my-app:dev`);
  }
  return text;
}

/** `registry.example.com/team/my-app:dev` → `my-app`: the last path component without tag or digest. */
export function serviceNameFromTag(tag: string): string {
  const noDigest = tag.split('@')[0]!;
  const last = noDigest.split('/').pop()!;
  const base = last.split(':')[0]!;
  const name = base.replace(/[^a-zA-Z0-9_-]/g, '-').replace(/^[-_]+/, '').slice(0, 50).replace(/[-_]+$/, '');
  if (!name) throw new UsageError(`cannot derive a service name from --tag "${tag}": give --name`);
  return name;
}

const IDENTITY = /^[a-zA-Z0-9][a-zA-Z0-9_.@-]{0,63}$/;
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** An env name whose value berth would mask: refused in --env so no secret reaches the state store. */
function looksSecret(key: string): boolean {
  return isSecretName(key);
}

function parseMount(text: string, flag: string): { source: string; target: string; readOnly: boolean } {
  let rest = text;
  let readOnly = false;
  if (rest.endsWith(':ro')) {
    readOnly = true;
    rest = rest.slice(0, -3);
  } else if (rest.endsWith(':rw')) rest = rest.slice(0, -3);
  const at = rest.lastIndexOf(':/');
  if (at <= 0) throw new UsageError(`invalid ${flag} "${text}": use SRC:DST with DST an absolute path in the container`);
  return { source: rest.slice(0, at), target: validateMountPath(rest.slice(at + 1), flag), readOnly };
}

function parseRestart(text: string): RestartPolicy {
  const m = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/.exec(text.trim());
  if (!m || (m[2] !== undefined && m[1] !== 'on-failure')) {
    throw new UsageError(`invalid --restart "${text}": use no, always, unless-stopped or on-failure[:N]`);
  }
  return { name: m[1] as RestartPolicy['name'], ...(m[2] !== undefined ? { maximumRetryCount: Number(m[2]) } : {}) };
}

export function projectStorageDir(rt: Runtime): string {
  return path.join(rt.paths.dataDir, 'project');
}

/** Settings `--clear` resets to their defaults on an update (`--clear ports --clear domain`). */
export const CLEARABLE = ['env', 'env-secrets', 'ports', 'domain', 'mounts', 'liveness', 'cpus', 'memory', 'logs', 'token'] as const;
export type Clearable = (typeof CLEARABLE)[number];

function parseClear(list: string[] | undefined): Set<Clearable> {
  const out = new Set<Clearable>();
  for (const c of list ?? []) {
    if (!(CLEARABLE as readonly string[]).includes(c)) throw new UsageError(`invalid --clear "${c}": use one of ${CLEARABLE.join(', ')}`);
    out.add(c as Clearable);
  }
  return out;
}

/**
 * Validates every option before anything is touched, so bad input changes nothing. With `previous` (the active
 * revision's spec, an update) a setting the options leave out keeps its value there, as `docker service update`
 * does; `clear` resets a setting to its default first, and a list given (`--port`, the mounts) replaces the list,
 * while `--env`/`--env-secret` set their names on top of the kept ones.
 */
export async function toDeploySpec(rt: Runtime, room: string, opts: DeployOptions, previous?: DeploySpec): Promise<DeploySpec> {
  validateRoomName(room);
  const image = validateImageRef(opts.tag);
  const name = opts.name !== undefined ? validateContainerName(opts.name) : serviceNameFromTag(image);
  if (name.length > 50) throw new UsageError(`invalid --name "${name}": a service name has at most 50 characters`);
  const clear = parseClear(opts.clear);
  const prev = previous && previous.name === name && previous.room === room ? previous : undefined;
  const keep = (setting: Clearable) => (prev && !clear.has(setting) ? prev : undefined);

  const env: Record<string, string> = { ...keep('env')?.env };
  const envSecrets: Record<string, string> = { ...keep('env-secrets')?.envSecrets };
  for (const entry of opts.env ?? []) {
    const [k, v] = parseEnvEntry(entry);
    if (looksSecret(k)) throw new UsageError(`--env ${k} looks like a secret: store it with "berth secret set NAME" and pass --env-secret ${k}=NAME`);
    env[k] = v;
    delete envSecrets[k];
  }
  for (const entry of opts.envSecrets ?? []) {
    const [k, id] = parseEnvEntry(entry, '--env-secret');
    envSecrets[k] = validateSecretName(id, '--env-secret secret id');
    delete env[k];
  }

  const ports = opts.ports !== undefined ? opts.ports.map((p) => parsePort(p)) : (keep('ports')?.ports ?? []);
  const seen = new Set<string>();
  for (const p of ports) {
    const key = `${p.containerPort}/${p.protocol}`;
    if (seen.has(key)) throw new UsageError(`--port ${key} is given twice`);
    seen.add(key);
  }
  const tcp = ports.filter((p) => p.protocol === 'tcp');

  let domain: string | undefined = keep('domain')?.domain;
  if (opts.domain !== undefined) {
    domain = opts.domain.trim().toLowerCase();
    if (!DOMAIN.test(domain)) throw new UsageError(`invalid --domain "${opts.domain}": use a host name like app.example.test`);
  }
  if (domain !== undefined && (ports.length !== 1 || tcp.length !== 1)) {
    const kept = opts.domain === undefined ? ` (--domain ${domain} is kept from revision before: --clear domain drops it)` : '';
    throw new UsageError(`--domain needs the service to publish exactly one tcp port (it publishes ${ports.length}): add one --port${kept}`);
  }

  let liveness: Liveness | undefined;
  const livenessText = opts.liveness ?? (keep('liveness')?.liveness ? (prev!.liveness!.kind === 'http' ? `http:${prev!.liveness!.path}` : (prev!.liveness as { command: string }).command) : undefined);
  if (livenessText !== undefined) {
    const text = livenessText.trim();
    if (!text) throw new UsageError('invalid --liveness "": give a command or http:PATH');
    if (text.startsWith('http:')) {
      const p = text.slice('http:'.length);
      if (!p.startsWith('/') || /\s/.test(p)) throw new UsageError(`invalid --liveness "${text}": use http:/PATH`);
      if (!tcp.length) throw new UsageError(`--liveness ${text} needs a published tcp --port to probe${opts.liveness === undefined ? ' (kept from the revision before: --clear liveness drops it)' : ''}`);
      liveness = { kind: 'http', path: p, port: tcp[0]!.containerPort };
    } else liveness = { kind: 'cmd', command: text };
  }

  const givenMounts = opts.roomMounts !== undefined || opts.projectMounts !== undefined || opts.imageMounts !== undefined;
  const mounts: MountSpec[] = givenMounts ? [] : [...(keep('mounts')?.mounts ?? [])];
  for (const [type, list, flag] of [['room', opts.roomMounts, '--room-mount'], ['project', opts.projectMounts, '--project-mount']] as const) {
    for (const m of list ?? []) {
      const parsed = parseMount(m, flag);
      const source = normalizeSubpath(parsed.source, flag, type === 'room' ? 'the room storage' : 'the project storage');
      if (source !== '') await assertMountable(await rt.engine(), source, flag);
      mounts.push({ type, ...parsed, source: source || '.' });
    }
  }
  for (const m of opts.imageMounts ?? []) {
    const parsed = parseMount(m.endsWith(':ro') ? m : `${m}:ro`, '--image-mount');
    mounts.push({ type: 'image', source: validateImageRef(parsed.source, '--image-mount image'), target: parsed.target, readOnly: true });
  }
  const targets = new Set<string>();
  for (const m of mounts) {
    if (targets.has(m.target)) throw new UsageError(`two mounts target ${m.target}`);
    targets.add(m.target);
  }

  // An agent deploys as itself; a person's update keeps the identity the service had.
  const identity = opts.identity ?? (rt.env.BERTH_AGENT || prev?.identity || (await rt.setting('defaultAgent')));
  if (!IDENTITY.test(identity)) throw new UsageError(`invalid --identity "${identity}": use letters, digits and _ . @ -`);

  let replicas = prev?.replicas ?? 1;
  if (opts.replicas !== undefined) {
    const text = String(opts.replicas).trim();
    if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 100) throw new UsageError(`invalid --replicas "${opts.replicas}": use a whole number from 1 to 100`);
    replicas = Number(text);
  }

  const ms = (value: string | undefined, flag: string, fallback: number) => (value === undefined ? fallback : parseDuration(value, flag));
  const keptLogs = keep('logs')?.logs;
  const logs = {
    ...(opts.logMaxSize !== undefined ? { maxSize: parseLogMaxSize(opts.logMaxSize) } : keptLogs?.maxSize !== undefined ? { maxSize: keptLogs.maxSize } : {}),
    ...(opts.logMaxFiles !== undefined ? { maxFiles: parseLogMaxFiles(opts.logMaxFiles) } : keptLogs?.maxFiles !== undefined ? { maxFiles: keptLogs.maxFiles } : {}),
  };
  const nanoCpus = opts.cpus !== undefined ? parseCpus(opts.cpus) : keep('cpus')?.resources.nanoCpus;
  const memory = opts.memory !== undefined ? parseMemory(opts.memory) : keep('memory')?.resources.memory;
  return {
    room,
    name,
    image,
    env,
    envSecrets,
    token: opts.token ?? Boolean(keep('token')?.token),
    identity,
    ports,
    mounts,
    ...(liveness ? { liveness } : {}),
    livenessIntervalMs: ms(opts.livenessInterval, '--liveness-interval', prev?.livenessIntervalMs ?? 2000),
    ...(domain ? { domain } : {}),
    replicas,
    restart: opts.restart !== undefined ? parseRestart(opts.restart) : (prev?.restart ?? parseRestart('unless-stopped')),
    resources: {
      ...(nanoCpus !== undefined ? { nanoCpus } : {}),
      ...(memory !== undefined ? { memory } : {}),
    },
    settleMs: ms(opts.settle, '--settle', prev?.settleMs ?? 3000),
    healthTimeoutMs: ms(opts.healthTimeout, '--health-timeout', prev?.healthTimeoutMs ?? 60_000),
    drainMs: ms(opts.drain, '--drain', prev?.drainMs ?? 2000),
    ...(Object.keys(logs).length ? { logs } : {}),
  };
}

/** One line per setting that differs between two revisions' specs (`port: 8080 -> none`), in a fixed order. */
export function specChanges(before: DeploySpec, after: DeploySpec): string[] {
  const lines: string[] = [];
  const show = (v: string) => (v === '' ? 'none' : v);
  const diff = (what: string, a: string, b: string) => {
    if (a !== b) lines.push(`${what}: ${show(a)} -> ${show(b)}`);
  };
  const port = (p: PortSpec) => `${p.hostIp ? `${p.hostIp}:` : ''}${p.hostPort ? `${p.hostPort}:` : ''}${p.containerPort}/${p.protocol}`;
  const mount = (m: MountSpec) => `${m.type}:${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`;
  const liveness = (l?: Liveness) => (!l ? '' : l.kind === 'http' ? `http:${l.path}` : l.command);
  const restart = (r: RestartPolicy) => `${r.name}${r.maximumRetryCount !== undefined ? `:${r.maximumRetryCount}` : ''}`;
  diff('image', before.image, after.image);
  for (const k of new Set([...Object.keys(before.env), ...Object.keys(after.env)])) diff(`env ${k}`, before.env[k] ?? '', after.env[k] ?? '');
  for (const k of new Set([...Object.keys(before.envSecrets), ...Object.keys(after.envSecrets)])) {
    diff(`env-secret ${k}`, before.envSecrets[k] ? `secret:${before.envSecrets[k]}` : '', after.envSecrets[k] ? `secret:${after.envSecrets[k]}` : '');
  }
  diff('ports', before.ports.map(port).join(', '), after.ports.map(port).join(', '));
  diff('domain', before.domain ?? '', after.domain ?? '');
  diff('mounts', before.mounts.map(mount).join(' '), after.mounts.map(mount).join(' '));
  diff('liveness', liveness(before.liveness), liveness(after.liveness));
  diff('identity', before.identity, after.identity);
  diff('token', before.token ? 'yes' : '', after.token ? 'yes' : '');
  diff('replicas', String(before.replicas), String(after.replicas));
  diff('restart', restart(before.restart), restart(after.restart));
  diff('cpus', before.resources.nanoCpus !== undefined ? String(before.resources.nanoCpus / 1e9) : '', after.resources.nanoCpus !== undefined ? String(after.resources.nanoCpus / 1e9) : '');
  diff('memory', before.resources.memory !== undefined ? `${before.resources.memory}b` : '', after.resources.memory !== undefined ? `${after.resources.memory}b` : '');
  diff('log-max-size', before.logs?.maxSize ?? '', after.logs?.maxSize ?? '');
  diff('log-max-files', String(before.logs?.maxFiles ?? ''), String(after.logs?.maxFiles ?? ''));
  diff('liveness-interval', formatDelay(before.livenessIntervalMs), formatDelay(after.livenessIntervalMs));
  diff('settle', formatDelay(before.settleMs), formatDelay(after.settleMs));
  diff('health-timeout', formatDelay(before.healthTimeoutMs), formatDelay(after.healthTimeoutMs));
  diff('drain', formatDelay(before.drainMs), formatDelay(after.drainMs));
  return lines;
}

/**
 * The `berth deploy` options that give `spec` again (toDeploySpec of them equals it): what the dashboard fills in
 * to redeploy a service, so an update keeps what the active revision had unless the line is edited.
 */
export function deployArgs(spec: DeploySpec): string[] {
  const args = ['--tag', spec.image, '--name', spec.name];
  const opt = (flag: string, value: string | number) => args.push(flag, String(value));
  for (const [k, v] of Object.entries(spec.env)) opt('--env', `${k}=${v}`);
  for (const [k, id] of Object.entries(spec.envSecrets)) opt('--env-secret', `${k}=${id}`);
  for (const p of spec.ports) {
    opt('--port', `${p.hostIp ? `${p.hostIp}:` : ''}${p.hostPort ? `${p.hostPort}:` : p.hostIp ? ':' : ''}${p.containerPort}${p.protocol === 'udp' ? '/udp' : ''}`);
  }
  for (const m of spec.mounts) {
    if (m.type === 'image') opt('--image-mount', `${m.source}:${m.target}`);
    else opt(m.type === 'room' ? '--room-mount' : '--project-mount', `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`);
  }
  opt('--identity', spec.identity);
  if (spec.token) args.push('--token');
  if (spec.liveness) opt('--liveness', spec.liveness.kind === 'http' ? `http:${spec.liveness.path}` : spec.liveness.command);
  if (spec.livenessIntervalMs !== 2000) opt('--liveness-interval', formatDelay(spec.livenessIntervalMs));
  if (spec.domain) opt('--domain', spec.domain);
  if (spec.replicas !== 1) opt('--replicas', spec.replicas);
  const restart = `${spec.restart.name}${spec.restart.maximumRetryCount !== undefined ? `:${spec.restart.maximumRetryCount}` : ''}`;
  if (restart !== 'unless-stopped') opt('--restart', restart);
  if (spec.resources.nanoCpus !== undefined) opt('--cpus', spec.resources.nanoCpus / 1e9);
  if (spec.resources.memory !== undefined) opt('--memory', `${spec.resources.memory}b`);
  if (spec.settleMs !== 3000) opt('--settle', formatDelay(spec.settleMs));
  if (spec.healthTimeoutMs !== 60_000) opt('--health-timeout', formatDelay(spec.healthTimeoutMs));
  if (spec.drainMs !== 2000) opt('--drain', formatDelay(spec.drainMs));
  if (spec.logs?.maxSize !== undefined) opt('--log-max-size', spec.logs.maxSize);
  if (spec.logs?.maxFiles !== undefined) opt('--log-max-files', spec.logs.maxFiles);
  return args;
}

/**
 * A room or project mount as a storage mount (image mounts are resolved by the deployer): the root bound by path, a
 * subpath as a volume Subpath on engines that resolve it safely, refused on others (storage-mounts.ts).
 */
export async function storageMountFor(rt: Runtime, engine: Engine, room: string, m: MountSpec): Promise<StorageMount> {
  const flag = m.type === 'room' ? '--room-mount' : '--project-mount';
  const subpath = normalizeSubpath(m.source, flag);
  await assertMountable(engine, subpath, flag);
  const root = m.type === 'room' ? new RoomService(rt).storageDir(room) : projectStorageDir(rt);
  const mount = { root: ensureOwnedDir(rt.paths.dataDir, root), subpath, target: m.target, readOnly: m.readOnly, volume: m.type === 'room' ? storageVolumeName(room) : 'berth-project' };
  await ensureStorageVolume(engine, mount);
  return mount;
}

/** What the audit log keeps about a deploy: plain env, secret references, never a value. */
export function deployAuditDetails(spec: DeploySpec, revision?: number): Record<string, unknown> {
  return {
    image: spec.image,
    ...(revision !== undefined ? { revision } : {}),
    env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    envSecrets: Object.keys(spec.envSecrets),
    token: spec.token,
    identity: spec.identity,
    ports: spec.ports,
    mounts: spec.mounts,
    liveness: spec.liveness,
    domain: spec.domain,
    replicas: spec.replicas,
    restart: spec.restart,
  };
}
