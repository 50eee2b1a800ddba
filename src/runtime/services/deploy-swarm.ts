// Services on a Swarm manager: one Swarm service per berth service (replicas, start-first updates that roll back on
// failure, a real healthcheck from --liveness, labels on the service, the room network as an overlay). Swarm does
// the rolling; berth waits for its verdict, reports it and records it.
import type Docker from 'dockerode';
import {
  DeployFailedError,
  SERVICE_LABEL,
  publishedHost,
  resolveMounts,
  resolveEnv,
  serviceLabels,
  type DeployCallbacks,
  type DeployPhaseName,
  type DeployResult,
  type ServiceContainer,
  type ServiceSummary,
} from './revision.js';
import { specLogOptions, type DeploySpec } from './deploy-spec.js';
import { DeployState } from './deploy-state.js';
import { type Engine, type PortMapping, CancelledError, NotFoundError, UsageError, LABEL, plural, roomNetworkName, type Runtime, sleep, compareText } from '../core/index.js';
import { containerLogBatches, resolveLogLimits, swarmLogDriver } from '../containers/index.js';
import { redactValues } from '../secrets/index.js';

/** True when the engine is a Swarm manager (a worker cannot create services; a plain engine has no swarm). */
export async function isSwarmManager(engine: Engine): Promise<boolean> {
  const info = (await engine.call('engine info', (d) => d.info())) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
  return info.Swarm?.LocalNodeState === 'active' && Boolean(info.Swarm.ControlAvailable);
}

/**
 * Whether services go to Swarm: `auto` (default) when the engine is a Swarm manager; `engine` keeps plain containers
 * even on a manager; `swarm` insists. BERTH_DEPLOY_MODE overrides config `deploy.mode`.
 */
export async function useSwarm(rt: Runtime, engine: Engine): Promise<boolean> {
  const mode = rt.env.BERTH_DEPLOY_MODE || (await rt.setting('deploy')).mode || 'auto';
  if (mode === 'engine') return false;
  if (mode !== 'auto' && mode !== 'swarm') throw new UsageError(`invalid deploy mode "${mode}" (BERTH_DEPLOY_MODE or config deploy.mode): use auto, engine or swarm`);
  const manager = await isSwarmManager(engine);
  if (mode === 'swarm' && !manager) throw new UsageError('deploy mode is swarm but the engine is not a Swarm manager (docker swarm init)');
  return manager;
}

export function swarmServiceName(room: string, name: string): string {
  return `${room}_${name}`;
}

export function overlayNetworkName(room: string): string {
  return `${roomNetworkName(room)}-swarm`;
}

/** How long Swarm watches a new task for failure before it counts the update as good. */
const MONITOR_NS = 5e9;

/** The room's overlay network (attachable, so plain containers can join it too). */
async function ensureOverlay(engine: Engine, room: string): Promise<string> {
  const name = overlayNetworkName(room);
  const nets = await engine.call('list networks', (d) => d.listNetworks({ filters: { name: [name] } }));
  const found = nets.find((n) => n.Name === name);
  if (found) return found.Id;
  const created = await engine.call(`create overlay network ${name}`, (d) =>
    d.createNetwork({ Name: name, Driver: 'overlay', Attachable: true, CheckDuplicate: true, Labels: { [LABEL.room]: room, [LABEL.kind]: 'room-overlay', [LABEL.managed]: 'true' } }),
  );
  return created.id;
}

/** --liveness as a Docker healthcheck: the command, or a GET on the container's own port (wget, else curl). */
function healthCheck(spec: DeploySpec): Docker.HealthConfig | undefined {
  if (!spec.liveness) return undefined;
  const test =
    spec.liveness.kind === 'cmd'
      ? spec.liveness.command
      : `wget -q -O /dev/null http://127.0.0.1:${spec.liveness.port}${spec.liveness.path} || curl -fsS -o /dev/null http://127.0.0.1:${spec.liveness.port}${spec.liveness.path}`;
  return { Test: ['CMD-SHELL', test], Interval: spec.livenessIntervalMs * 1e6, Timeout: Math.max(spec.livenessIntervalMs, 5000) * 1e6, Retries: 3 };
}

function restartCondition(spec: DeploySpec): { Condition: string; MaxAttempts?: number } {
  switch (spec.restart.name) {
    case 'no':
      return { Condition: 'none' };
    case 'on-failure':
      return { Condition: 'on-failure', ...(spec.restart.maximumRetryCount !== undefined ? { MaxAttempts: spec.restart.maximumRetryCount } : {}) };
    default:
      return { Condition: 'any' };
  }
}

export async function swarmSpec(rt: Runtime, engine: Engine, spec: DeploySpec, revision: number, signal?: AbortSignal) {
  const { env, secretValues } = await resolveEnv(rt, spec, revision);
  const mounts = await resolveMounts(rt, spec, signal);
  const network = await ensureOverlay(engine, spec.room);
  const labels = serviceLabels(spec, revision);
  const hc = healthCheck(spec);
  const body = {
    Name: swarmServiceName(spec.room, spec.name),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: spec.image,
        Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
        Labels: { ...labels, [LABEL.name]: spec.name },
        Init: true,
        ...(hc ? { Healthcheck: hc } : {}),
        Mounts: mounts,
      },
      RestartPolicy: restartCondition(spec),
      LogDriver: swarmLogDriver(await resolveLogLimits(rt, specLogOptions(spec))),
      Networks: [{ Target: network, Aliases: [spec.name] }],
      ...(spec.resources.nanoCpus || spec.resources.memory
        ? { Resources: { Limits: { ...(spec.resources.nanoCpus ? { NanoCPUs: spec.resources.nanoCpus } : {}), ...(spec.resources.memory ? { MemoryBytes: spec.resources.memory } : {}) } } }
        : {}),
    },
    Mode: { Replicated: { Replicas: spec.replicas } },
    UpdateConfig: { Parallelism: 1, Order: 'start-first', FailureAction: 'rollback', Monitor: MONITOR_NS, MaxFailureRatio: 0 },
    RollbackConfig: { Parallelism: 1, Order: 'start-first', FailureAction: 'pause', Monitor: MONITOR_NS, MaxFailureRatio: 0 },
    EndpointSpec: {
      // A fixed port goes on the routing mesh; otherwise each task gets its own host port (berth proxy balances over
      // them), which also works where the mesh cannot (no IPVS).
      Ports: spec.ports.map((p) => ({ Protocol: p.protocol, TargetPort: p.containerPort, ...(p.hostPort ? { PublishedPort: p.hostPort, PublishMode: 'ingress' } : { PublishMode: 'host' }) })),
    },
  };
  return { body, secretValues };
}

async function findService(engine: Engine, room: string, name: string): Promise<Docker.Service | undefined> {
  const full = swarmServiceName(room, name);
  const list = await engine.call('list services', (d) => d.listServices({ filters: { name: [full] } }));
  const found = list.find((s) => s.Spec?.Name === full);
  return found ? engine.docker.getService(found.ID) : undefined;
}

/** What the engine's service list returns (dockerode types it as Service objects). */
interface SwarmServiceInfo {
  ID: string;
  UpdatedAt?: string;
  Spec?: { Name?: string; Labels?: Record<string, string>; Mode?: { Replicated?: { Replicas?: number } }; TaskTemplate?: unknown };
  Endpoint?: { Ports?: unknown[] };
  UpdateStatus?: { State?: string };
}

type Task = {
  ID: string;
  ServiceID: string;
  Slot?: number;
  DesiredState: string;
  CreatedAt?: string;
  Spec?: { ContainerSpec?: { Labels?: Record<string, string> } };
  Status?: {
    State?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string };
    PortStatus?: { Ports?: { TargetPort: number; PublishedPort?: number; Protocol: string; PublishMode?: string }[] };
  };
};

/** The host ports a task published itself (PublishMode host): where its container is reached. */
function taskPorts(t: Task): PortMapping[] {
  return (t.Status?.PortStatus?.Ports ?? [])
    .filter((p) => p.PublishedPort)
    .map((p) => ({ hostPort: p.PublishedPort, containerPort: p.TargetPort, protocol: p.Protocol }));
}

/** The service's ports: the routing mesh's fixed ones, then each running task's own (mode=host gives each its own). */
function servicePorts(s: SwarmServiceInfo, tasks: Task[]): PortMapping[] {
  const endpoint = (s.Endpoint?.Ports ?? []) as { TargetPort: number; PublishedPort?: number; Protocol: string; PublishMode?: string }[];
  const mesh = endpoint.filter((p) => p.PublishMode !== 'host').map((p) => ({ hostPort: p.PublishedPort, containerPort: p.TargetPort, protocol: p.Protocol }));
  const own = tasks.filter((t) => t.ServiceID === s.ID && t.Status?.State === 'running').flatMap(taskPorts);
  if (own.length) return [...mesh, ...own];
  // No task runs (or none published yet): the ports the spec asks for, without host ports.
  return [...mesh, ...endpoint.filter((p) => p.PublishMode === 'host').map((p) => ({ containerPort: p.TargetPort, protocol: p.Protocol }))];
}

async function tasksOf(engine: Engine, serviceId: string): Promise<Task[]> {
  return (await engine.call('list tasks', (d) => d.listTasks({ filters: { service: [serviceId] } }))) as Task[];
}

export async function deploySwarm(rt: Runtime, engine: Engine, spec: DeploySpec, cb: DeployCallbacks, rollbackOf?: number): Promise<DeployResult> {
  const state = new DeployState(rt.db());
  const existing = await findService(engine, spec.room, spec.name);
  const before = existing ? await engine.call('inspect service', () => existing.inspect()) : undefined;
  const previous = state.activeRevision(spec.room, spec.name) ?? (before ? Number(before.Spec?.Labels?.[SERVICE_LABEL.revision] ?? 0) || null : null);
  state.markInterrupted(spec.room, spec.name, previous);
  const revision = state.begin(spec, 'swarm', rt.actor, rollbackOf, Number(before?.Spec?.Labels?.[SERVICE_LABEL.revision] ?? 0));
  const emit = (phase: DeployPhaseName, message: string) => cb.onEvent?.({ service: spec.name, phase, message, revision });
  let secretValues: string[] = [];
  let serviceId = before?.ID as string | undefined;
  const started = Date.now();
  try {
    const built = await swarmSpec(rt, engine, spec, revision, cb.signal);
    secretValues = built.secretValues;
    if (before) {
      emit('create', `updating Swarm service ${built.body.Name} (start-first, rolls back on failure)`);
      await engine.call('update service', () => existing!.update({ _query: { version: before.Version.Index }, _body: built.body } as never));
    } else {
      emit('create', `creating Swarm service ${built.body.Name} with ${plural(spec.replicas, 'replica')}`);
      const created = (await engine.call('create service', (d) => d.createService(built.body as never))) as { id?: string; ID?: string };
      serviceId = created.id ?? created.ID;
    }
    state.phase(spec.room, spec.name, revision, 'health');
    emit('health', 'waiting for Swarm to report the tasks running and healthy');
    await waitSwarm(rt, engine, serviceId!, spec, Boolean(before), started, cb.signal, secretValues);
  } catch (err) {
    const reason = cb.signal?.aborted ? 'cancelled' : (err as Error)?.message ?? String(err);
    state.fail(spec.room, spec.name, revision, redactValues(reason, secretValues));
    const keeps = previous !== null ? `; revision ${previous} keeps serving` : '';
    emit('failed', `${reason}${keeps}`);
    // A first deploy that failed leaves nothing behind, as on a plain engine.
    if (!before && serviceId) await engine.docker.getService(serviceId).remove().catch(() => {});
    if (cb.signal?.aborted) throw new CancelledError(`deploy of ${spec.name} cancelled${keeps}`);
    const logs = err instanceof DeployFailedError ? err.logs : [];
    throw new DeployFailedError(`deploy of ${spec.name} revision ${revision} failed: ${redactValues(reason.split('\n')[0]!, secretValues)}${keeps}`, revision, logs);
  }
  state.activate(spec.room, spec.name, revision);
  state.phase(spec.room, spec.name, revision, 'done');
  state.prune(spec.room, spec.name, (await rt.setting('deploy')).keepRevisions);
  emit('done', `revision ${revision} deployed`);
  const info = await engine.call('inspect service', () => engine.docker.getService(serviceId!).inspect());
  const ports = ((info.Endpoint?.Ports ?? []) as { TargetPort: number; PublishedPort?: number; Protocol: string }[]).map((p) => ({
    hostPort: p.PublishedPort,
    containerPort: p.TargetPort,
    protocol: p.Protocol,
  }));
  return {
    room: spec.room,
    name: spec.name,
    mode: 'swarm',
    revision,
    previous,
    image: spec.image,
    ...(rollbackOf !== undefined ? { rollbackOf } : {}),
    containers: [{ id: serviceId!, name: swarmServiceName(spec.room, spec.name) }],
    removed: [],
    ...(spec.domain ? { domain: spec.domain } : {}),
    ports,
  };
}

/**
 * Waits for Swarm's verdict. A create is done when `replicas` tasks run (tasks with a healthcheck only count as
 * running once healthy); an update when its UpdateStatus says completed. A rollback (Swarm's FailureAction) or the
 * health timeout is a failure: on timeout berth asks Swarm to roll back itself.
 */
async function waitSwarm(rt: Runtime, engine: Engine, id: string, spec: DeploySpec, update: boolean, started: number, signal: AbortSignal | undefined, secretValues: string[]): Promise<void> {
  const service = engine.docker.getService(id);
  const deadline = started + spec.healthTimeoutMs + MONITOR_NS / 1e6;
  for (;;) {
    if (signal?.aborted) throw new CancelledError();
    const info = await engine.call('inspect service', () => service.inspect());
    const tasks = await tasksOf(engine, id);
    const failed = tasks
      .filter((t) => ['failed', 'rejected'].includes(t.Status?.State ?? '') && Date.parse(t.CreatedAt ?? '') >= started - 1000)
      .sort((a, b) => compareText(b.CreatedAt ?? '', a.CreatedAt ?? ''));
    if (update) {
      const us = info.UpdateStatus as { State?: string; Message?: string; StartedAt?: string } | undefined;
      const ours = us?.StartedAt ? Date.parse(us.StartedAt) >= started - 1000 : false;
      if (ours && us?.State === 'completed') return;
      if (ours && us?.State && /rollback|paused/.test(us.State)) {
        if (us.State === 'rollback_started') {
          // Let the rollback finish so the old revision is whole again before berth reports.
        } else throw await swarmFailure(rt, spec, `Swarm rolled the update back: ${us.Message ?? us.State}`, failed, secretValues);
      }
    } else {
      const running = tasks.filter((t) => t.DesiredState === 'running' && t.Status?.State === 'running');
      if (running.length >= spec.replicas) return;
      if (failed.length) throw await swarmFailure(rt, spec, `task failed: ${failed[0]!.Status?.Err ?? failed[0]!.Status?.State}`, failed, secretValues);
    }
    if (Date.now() >= deadline) {
      if (update) {
        const now = await engine.call('inspect service', () => service.inspect());
        await engine.call('roll back service', () => service.update({ _query: { version: now.Version.Index, rollback: 'previous' }, _body: now.Spec } as never)).catch(() => {});
      }
      throw await swarmFailure(rt, spec, `not healthy within ${Math.round(spec.healthTimeoutMs / 1000)}s`, failed, secretValues);
    }
    await sleep(500);
  }
}

async function swarmFailure(rt: Runtime, spec: DeploySpec, message: string, failed: Task[], secretValues: string[]): Promise<DeployFailedError> {
  const lines: string[] = [];
  const cid = failed[0]?.Status?.ContainerStatus?.ContainerID;
  const detail = failed[0]?.Status?.Err ? ` (${failed[0].Status.Err})` : '';
  if (cid) {
    try {
      for await (const batch of containerLogBatches(rt, spec.room, cid, { tail: 20 })) for (const l of batch) lines.push(rt.mask.text(redactValues(l.text, secretValues)));
    } catch {
      // The task's container may live on another node, or be gone.
    }
  }
  return new DeployFailedError(`${message}${message.includes(detail) ? '' : detail}`, 0, lines.slice(-20));
}

export async function listSwarmServices(rt: Runtime, engine: Engine, room?: string, signal?: AbortSignal): Promise<ServiceSummary[]> {
  const services: SwarmServiceInfo[] = (await engine.call('list services', (d) =>
    d.listServices({ filters: { label: [room ? `${LABEL.room}=${room}` : LABEL.room, `${LABEL.kind}=service`] }, abortSignal: signal } as { filters: Record<string, string[]> }),
  )) as never;
  const tasks = (await engine.call('list tasks', (d) => d.listTasks({ filters: { 'desired-state': ['running'] } }))) as Task[];
  const state = new DeployState(rt.db());
  return services
    .map((s: SwarmServiceInfo): ServiceSummary => {
      const labels = s.Spec?.Labels ?? {};
      const r = labels[LABEL.room]!;
      const name = labels[SERVICE_LABEL.service]!;
      const running = tasks.filter((t) => t.ServiceID === s.ID && t.Status?.State === 'running').length;
      const desired = s.Spec?.Mode?.Replicated?.Replicas ?? 0;
      const us = (s as { UpdateStatus?: { State?: string } }).UpdateStatus?.State;
      const health = us === 'updating' || us === 'rollback_started' ? 'updating' : running >= desired ? 'healthy' : running ? 'degraded' : 'down';
      const row = state.service(r, name);
      return {
        room: r,
        name,
        mode: 'swarm',
        image: (s.Spec?.TaskTemplate as { ContainerSpec?: { Image?: string } })?.ContainerSpec?.Image?.split('@')[0] ?? '-',
        revision: row?.activeRevision ?? (Number(labels[SERVICE_LABEL.revision]) || null),
        running,
        desired,
        health,
        ports: servicePorts(s, tasks),
        ...(labels[SERVICE_LABEL.domain] ? { domain: labels[SERVICE_LABEL.domain] } : {}),
        updated: row?.updatedAt ?? s.UpdatedAt ?? '',
      };
    })
    .sort((a: ServiceSummary, b: ServiceSummary) => compareText(a.room, b.room) || compareText(a.name, b.name));
}

/** The service's tasks that have a container, as containers (logs read them where they are local). */
export async function swarmServiceContainers(engine: Engine, room: string, name: string): Promise<ServiceContainer[]> {
  const service = await findService(engine, room, name);
  if (!service) return [];
  const tasks = await tasksOf(engine, service.id);
  return tasks
    .filter((t) => t.DesiredState === 'running' && t.Status?.ContainerStatus?.ContainerID)
    .map((t) => ({
      id: t.Status!.ContainerStatus!.ContainerID!,
      name: `${name}.${t.Slot ?? 0}`,
      revision: Number(t.Spec?.ContainerSpec?.Labels?.[SERVICE_LABEL.revision] ?? 0),
      state: t.Status?.State ?? '',
      status: t.Status?.Err ?? t.Status?.State ?? '',
      ports: taskPorts(t),
    }))
    .sort((a, b) => compareText(a.name, b.name));
}

export async function removeSwarmService(engine: Engine, room: string, name: string, known: boolean): Promise<string[]> {
  const service = await findService(engine, room, name);
  if (!service) {
    if (!known) throw new NotFoundError(`service "${name}" not found in room "${room}"`);
    return [];
  }
  await engine.call(`remove service ${name}`, () => service.remove());
  return [swarmServiceName(room, name)];
}

/** Proxy routes for Swarm services with a domain: their published port on the routing mesh. */
export async function swarmRoutes(engine: Engine): Promise<Map<string, { room: string; service: string; port: number; byRevision: Map<number, { id: string; url: string }[]> }>> {
  const routes = new Map<string, { room: string; service: string; port: number; byRevision: Map<number, { id: string; url: string }[]> }>();
  if (!(await isSwarmManager(engine))) return routes;
  const services = await engine.call('list services', (d) => d.listServices({ filters: { label: [`${LABEL.kind}=service`, SERVICE_LABEL.domain] } }));
  for (const s of services) {
    const labels = s.Spec?.Labels ?? {};
    const port = Number(labels[SERVICE_LABEL.port]);
    const published = ((s.Endpoint?.Ports ?? []) as { TargetPort: number; PublishedPort?: number }[]).find((p) => p.TargetPort === port && p.PublishedPort);
    const revision = Number(labels[SERVICE_LABEL.revision] ?? 0);
    routes.set(labels[SERVICE_LABEL.domain]!, {
      room: labels[LABEL.room]!,
      service: labels[SERVICE_LABEL.service]!,
      port,
      byRevision: published ? new Map([[revision, [{ id: s.ID!, url: `http://${publishedHost(engine, undefined)}:${published.PublishedPort}` }]]]) : new Map(),
    });
  }
  return routes;
}

