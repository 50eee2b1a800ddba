// The services as berth shows them: the engine's containers (or Swarm's services) joined with the state store's
// revisions, for list, inspect and history.
import type Docker from 'dockerode';
import { LABEL, NotFoundError, type Runtime, validateRoomName, compareText } from '../core/index.js';
import { RoomService } from '../rooms/index.js';
import { DeployState, type RevisionRow } from './deploy-state.js';
import { finishInterruptedDrains } from './drain.js';
import { listSwarmServices, swarmServiceContainers, useSwarm } from './deploy-swarm.js';
import { SERVICE_LABEL, type RevisionSummary, type ServiceContainer, type ServiceDetail, type ServiceSummary, serviceContainers, toServiceContainer } from './revision.js';

export async function listServices(rt: Runtime, room?: string, signal?: AbortSignal): Promise<ServiceSummary[]> {
  if (room !== undefined) validateRoomName(room);
  const engine = await rt.engine();
  if (await useSwarm(rt, engine)) return listSwarmServices(rt, engine, room, signal);
  await finishInterruptedDrains(rt, engine, room);
  const infos = await engine.call('list containers', (d) =>
    d.listContainers({ all: true, filters: { label: [room ? `${LABEL.room}=${room}` : LABEL.room, `${LABEL.kind}=service`] }, abortSignal: signal } as object),
  );
  const state = new DeployState(rt.db());
  const groups = new Map<string, Docker.ContainerInfo[]>();
  for (const info of infos) {
    const key = `${info.Labels?.[LABEL.room]}/${info.Labels?.[SERVICE_LABEL.service]}`;
    if (!info.Labels?.[SERVICE_LABEL.service]) continue;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(info);
  }
  for (const row of state.services(room)) if (!groups.has(`${row.room}/${row.name}`)) groups.set(`${row.room}/${row.name}`, []);
  // A mistyped room is "not found", as for container and image lists, not an empty list.
  if (room !== undefined && !groups.size) await new RoomService(rt).assertExists(room, signal);
  return [...groups.entries()]
    .map(([key, list]) => {
      const [r, name] = key.split('/') as [string, string];
      return summarize(r, name, list.map(toServiceContainer), state);
    })
    .sort((a, b) => compareText(a.room, b.room) || compareText(a.name, b.name));
}

function summarize(room: string, name: string, containers: ServiceContainer[], state: DeployState): ServiceSummary {
  const row = state.service(room, name);
  const revision = row?.activeRevision ?? (containers.length ? Math.max(...containers.map((c) => c.revision)) : null);
  const spec = revision !== null ? state.revision(room, name, revision)?.spec : undefined;
  const current = containers.filter((c) => c.revision === revision);
  const running = current.filter((c) => c.state === 'running');
  const desired = spec?.replicas ?? current.length;
  let health: string;
  if (!current.length) health = 'down';
  else if (running.length < desired) health = running.length ? 'degraded' : 'down';
  else if (current.some((c) => c.health === 'unhealthy')) health = 'unhealthy';
  else if (current.some((c) => c.health === 'starting')) health = 'starting';
  else health = current.every((c) => c.health === 'healthy') ? 'healthy' : 'running';
  return {
    room,
    name,
    mode: 'engine',
    image: spec?.image ?? '-',
    revision,
    running: running.length,
    desired,
    health,
    ports: current.flatMap((c) => c.ports),
    ...(spec?.domain ? { domain: spec.domain } : {}),
    updated: row?.updatedAt ?? '',
  };
}

export async function inspectService(rt: Runtime, room: string, name: string, signal?: AbortSignal): Promise<ServiceDetail> {
  validateRoomName(room);
  const engine = await rt.engine();
  const swarm = await useSwarm(rt, engine);
  const summary = (await listServices(rt, room, signal)).find((s) => s.name === name);
  if (!summary) throw new NotFoundError(`service "${name}" not found in room "${room}"`);
  const state = new DeployState(rt.db());
  const history = state.revisions(room, name);
  const spec = (summary.revision !== null ? history.find((h) => h.revision === summary.revision) : history[0])?.spec;
  const containers = swarm ? await swarmServiceContainers(engine, room, name) : await serviceContainers(engine, room, name);
  return {
    ...summary,
    identity: spec?.identity ?? '-',
    env: [
      ...rt.mask.env(Object.entries(spec?.env ?? {}).map(([k, v]) => `${k}=${v}`)),
      ...Object.entries(spec?.envSecrets ?? {}).map(([k, id]) => `${k}=secret:${id}`),
    ],
    token: Boolean(spec?.token),
    mounts: spec?.mounts ?? [],
    ...(spec?.liveness ? { liveness: spec.liveness } : {}),
    restart: spec ? `${spec.restart.name}${spec.restart.maximumRetryCount !== undefined ? `:${spec.restart.maximumRetryCount}` : ''}` : '-',
    containers,
    history: history.map(revisionSummary),
  };
}

export function serviceHistory(rt: Runtime, room: string, name: string): RevisionSummary[] {
  return new DeployState(rt.db()).revisions(room, name).map(revisionSummary);
}

function revisionSummary(r: RevisionRow): RevisionSummary {
  return {
    revision: r.revision,
    image: r.spec.image,
    status: r.status,
    phase: r.phase,
    actor: r.actor,
    rollbackOf: r.rollbackOf,
    message: r.message,
    created: r.createdAt,
  };
}
