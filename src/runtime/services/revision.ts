// What every way of running a service revision shares (containers on an engine, a Swarm service): its labels,
// env and mounts resolved from the spec, where a published port is reached, the deploy events, results and summaries.
import type Docker from 'dockerode';
import { type PullProgress } from '../containers/index.js';
import { type PortMapping, type Engine, BerthError, LABEL, roomNetworkName, type Runtime, compareText } from '../core/index.js';
import { storageMountFor, type DeploySpec } from './deploy-spec.js';
import { imageMountSource } from './image-mount.js';
import { SecretStore } from '../secrets/index.js';
import { engineMount, type EngineMount } from '../rooms/index.js';

export const SERVICE_LABEL = {
  service: 'berth.service',
  revision: 'berth.service.revision',
  /** Env names whose values come from secrets: masked by inspect. */
  secretEnv: 'berth.service.secret-env',
  domain: 'berth.domain',
  /** The container port the domain routes to. */
  port: 'berth.service.port',
} as const;

export type DeployPhaseName = 'pull' | 'reconcile' | 'create' | 'health' | 'switch' | 'drain' | 'remove' | 'done' | 'failed';

export interface DeployEvent {
  service: string;
  phase: DeployPhaseName;
  message: string;
  revision?: number;
}

export interface DeployCallbacks {
  signal?: AbortSignal;
  onEvent?: (event: DeployEvent) => void;
  onPull?: (event: PullProgress) => void;
  /** Build log lines of `deploy PATH`. */
  onBuild?: (line: string) => void;
}

export interface DeployResult {
  room: string;
  name: string;
  mode: 'engine' | 'swarm';
  revision: number;
  previous: number | null;
  image: string;
  rollbackOf?: number;
  containers: { id: string; name: string }[];
  removed: string[];
  domain?: string;
  ports: PortMapping[];
  /** One line per setting that differs from the revision that served before (empty for a first deploy). */
  changes?: string[];
}

/** A deploy whose new revision did not become healthy: the old one keeps serving. Carries the last log lines. */
export class DeployFailedError extends BerthError {
  constructor(
    message: string,
    readonly revision: number,
    readonly logs: string[],
  ) {
    super(message, 'failure');
  }
}

export interface ServiceContainer {
  id: string;
  name: string;
  revision: number;
  state: string;
  status: string;
  health?: string;
  ports: PortMapping[];
}

export interface ServiceSummary {
  room: string;
  name: string;
  mode: 'engine' | 'swarm';
  image: string;
  revision: number | null;
  running: number;
  desired: number;
  health: string;
  ports: PortMapping[];
  domain?: string;
  updated: string;
}

export interface RevisionSummary {
  revision: number;
  image: string;
  status: string;
  phase: string;
  actor: string;
  rollbackOf: number | null;
  message: string | null;
  created: string;
}

export interface ServiceDetail extends ServiceSummary {
  identity: string;
  /** KEY=VALUE, secret-looking values masked; env secrets as KEY=secret:ID. */
  env: string[];
  token: boolean;
  mounts: DeploySpec['mounts'];
  liveness?: DeploySpec['liveness'];
  restart: string;
  containers: ServiceContainer[];
  history: RevisionSummary[];
}


export function serviceContainerName(service: string, revision: number, index: number, replicas: number): string {
  return `${service}-r${revision}${replicas > 1 ? `-${index + 1}` : ''}`;
}

/** Where berth reaches a port the engine published: loopback for a local engine, the engine's host otherwise. */
export function publishedHost(engine: Engine, hostIp: string | undefined): string {
  const remote = (engine.endpoint.options as { host?: string }).host;
  if (remote) return remote;
  return !hostIp || hostIp === '0.0.0.0' || hostIp === '::' ? '127.0.0.1' : hostIp;
}

/** "Up 3 minutes (healthy)" → healthy. */
export function healthFromStatus(status: string): string | undefined {
  return /\((healthy|unhealthy|health: starting)\)/.exec(status)?.[1]?.replace('health: ', '');
}

export function toServiceContainer(info: Docker.ContainerInfo): ServiceContainer {
  const health = healthFromStatus(info.Status ?? '');
  return {
    id: info.Id,
    name: info.Labels?.[LABEL.name] ?? (info.Names?.[0] ?? '').replace(/^\//, ''),
    revision: Number(info.Labels?.[SERVICE_LABEL.revision] ?? 0),
    state: info.State,
    status: info.Status,
    ...(health ? { health } : {}),
    ports: (info.Ports ?? []).map((p) => ({ hostIp: p.IP, hostPort: p.PublicPort, containerPort: p.PrivatePort, protocol: p.Type })),
  };
}

/** A service's containers on a plain engine as the engine sees them, any state, oldest revision first. */
export async function serviceContainers(engine: Engine, room: string, name: string): Promise<ServiceContainer[]> {
  const infos = await engine.call('list containers', (d) =>
    d.listContainers({ all: true, filters: { label: [`${LABEL.room}=${room}`, `${LABEL.kind}=service`, `${SERVICE_LABEL.service}=${name}`] } }),
  );
  return infos.map(toServiceContainer).sort((a, b) => a.revision - b.revision || compareText(a.name, b.name));
}

export function traefikLabels(spec: DeploySpec): Record<string, string> {
  if (!spec.domain) return {};
  const router = `${spec.room}-${spec.name}`;
  return {
    'traefik.enable': 'true',
    [`traefik.http.routers.${router}.rule`]: `Host(\`${spec.domain}\`)`,
    [`traefik.http.routers.${router}.service`]: router,
    [`traefik.http.services.${router}.loadbalancer.server.port`]: String(spec.ports[0]!.containerPort),
    'traefik.docker.network': roomNetworkName(spec.room),
  };
}

export function serviceLabels(spec: DeploySpec, revision: number): Record<string, string> {
  const secretEnv = [...Object.keys(spec.envSecrets), ...(spec.token ? ['BERTH_TOKEN'] : [])];
  return {
    [LABEL.room]: spec.room,
    [LABEL.kind]: 'service',
    [SERVICE_LABEL.service]: spec.name,
    [SERVICE_LABEL.revision]: String(revision),
    [LABEL.agent]: spec.identity,
    [LABEL.managed]: 'true',
    ...(secretEnv.length ? { [SERVICE_LABEL.secretEnv]: secretEnv.join(',') } : {}),
    ...(spec.domain ? { [SERVICE_LABEL.domain]: spec.domain, [SERVICE_LABEL.port]: String(spec.ports[0]!.containerPort) } : {}),
    ...traefikLabels(spec),
  };
}

/** The env a revision's containers get: plain env, identity, then secret values (resolved now, never stored). */
export async function resolveEnv(rt: Runtime, spec: DeploySpec, revision: number): Promise<{ env: Record<string, string>; secretValues: string[] }> {
  const secrets = new SecretStore(rt);
  const env: Record<string, string> = {
    ...spec.env,
    BERTH_ROOM: spec.room,
    BERTH_SERVICE: spec.name,
    BERTH_AGENT: spec.identity,
    BERTH_REVISION: String(revision),
  };
  const secretValues: string[] = [];
  for (const [key, id] of Object.entries(spec.envSecrets)) {
    const value = secrets.read(id);
    env[key] = value;
    secretValues.push(value);
  }
  if (spec.token) {
    const { value } = await secrets.roomToken(spec.room, spec.identity);
    env.BERTH_TOKEN = value;
    secretValues.push(value);
  }
  return { env, secretValues };
}

/** The engine's mounts for the room, project and image mounts, in the order given. */
export async function resolveMounts(rt: Runtime, spec: DeploySpec, signal?: AbortSignal): Promise<EngineMount[]> {
  const engine = await rt.engine();
  const mounts: EngineMount[] = [];
  for (const m of spec.mounts) {
    if (m.type === 'image') mounts.push({ Type: 'bind', Source: await imageMountSource(rt, spec.room, m.source, signal), Target: m.target, ReadOnly: true });
    else mounts.push(engineMount(await storageMountFor(rt, engine, spec.room, m)));
  }
  return mounts;
}
