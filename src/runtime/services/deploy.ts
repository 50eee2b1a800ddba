// Services (berth.kind=service): deploy creates or updates one without downtime (start the new revision, wait until
// it is healthy, switch, drain, remove the old), rollback, remove, list, inspect and logs. On a plain engine each
// revision is a set of containers; on a Swarm manager a Swarm service (deploy-swarm.ts).
import type Docker from 'dockerode';
import { LimitError, admitStart } from '../agents/index.js';
import { ensureImage, ensureRoomOnce, portBindings, logConfig, resolveLogLimits, containerLogBatches } from '../containers/index.js';
import { type Engine, BerthError, CancelledError, ConflictError, NotFoundError, UsageError, LABEL, dockerContainerName, roomNetworkName, type Runtime, validateContainerName, validateRoomName, sleep } from '../core/index.js';
import { deployAuditDetails, serviceNameFromTag, specChanges, specLogOptions, toDeploySpec, validateImageRef, type DeployOptions, type DeploySpec } from './deploy-spec.js';
import { DeployState, type RevisionRow } from './deploy-state.js';
import { SecretStore, redactValues } from '../secrets/index.js';
import { SERVICE_LABEL, type DeployPhaseName, type DeployCallbacks, type DeployResult, DeployFailedError, type ServiceContainer, type ServiceSummary, type RevisionSummary, type ServiceDetail, serviceContainerName, publishedHost, toServiceContainer, serviceLabels, resolveEnv, resolveMounts } from './revision.js';
import { useSwarm, deploySwarm, listSwarmServices, swarmServiceContainers, removeSwarmService } from './deploy-swarm.js';
import { engineJsonLines } from '../engine/index.js';
import { RoomService } from '../rooms/index.js';

const FAILURE_LOG_LINES = 20;

export class DeployService {
  constructor(private readonly rt: Runtime) {}

  private get state(): DeployState {
    return new DeployState(this.rt.db());
  }

  /** Creates the service, or rolls it to a new revision when it exists. */
  async deploy(room: string, opts: DeployOptions, cb: DeployCallbacks = {}): Promise<DeployResult> {
    validateRoomName(room);
    const name = opts.name !== undefined ? opts.name : serviceNameFromTag(validateImageRef(opts.tag));
    const spec = await toDeploySpec(this.rt, room, opts, this.activeSpec(room, name));
    if (opts.path !== undefined) {
      // Lazy for start-up: building (context, tar, dockerignore) loads only for `deploy PATH`.
      const { buildForDeploy } = await import('./deploy-build.js');
      await buildForDeploy(this.rt, spec, opts.path, cb);
    }
    return this.apply(spec, cb);
  }

  /** The spec of the service's active revision, when it has one. */
  private activeSpec(room: string, name: string): DeploySpec | undefined {
    const state = this.state;
    const active = state.activeRevision(room, name);
    return active !== null ? state.revision(room, name, active)?.spec : undefined;
  }

  /** Deploys an earlier revision's spec again (the one before the active revision, or `to`). */
  async rollback(room: string, name: string, opts: { to?: number } = {}, cb: DeployCallbacks = {}): Promise<DeployResult> {
    validateRoomName(room);
    validateContainerName(name, 'service name');
    const state = this.state;
    const service = state.service(room, name);
    if (!service) throw new NotFoundError(`service "${name}" not found in room "${room}"`);
    const revisions = state.revisions(room, name);
    let target: RevisionRow | undefined;
    if (opts.to !== undefined) {
      target = revisions.find((r) => r.revision === opts.to);
      if (!target) throw new NotFoundError(`service "${name}" has no revision ${opts.to} (kept: ${revisions.map((r) => r.revision).join(', ') || 'none'})`);
      if (target.revision === service.activeRevision) throw new ConflictError(`revision ${opts.to} of service "${name}" is already active`);
    } else {
      const active = service.activeRevision ?? Infinity;
      target = revisions.find((r) => r.revision < active && r.status === 'superseded');
      if (!target) throw new ConflictError(`service "${name}" has no earlier revision to roll back to`);
    }
    return this.apply(target.spec, cb, target.revision);
  }

  private async apply(spec: DeploySpec, cb: DeployCallbacks, rollbackOf?: number): Promise<DeployResult> {
    const engine = await this.rt.engine();
    const swarm = await useSwarm(this.rt, engine);
    if (!swarm) {
      const fixed = spec.ports.find((p) => p.hostPort);
      if (fixed) {
        throw new UsageError(
          `--port ${fixed.hostPort}:${fixed.containerPort}: a fixed host port cannot be held by the old and the new container during an update; publish --port ${fixed.containerPort} and route with --domain through berth proxy`,
        );
      }
    }
    // Everything that can be refused is checked before anything changes.
    const secrets = new SecretStore(this.rt);
    for (const id of Object.values(spec.envSecrets)) if (!secrets.has(id)) throw new NotFoundError(`secret "${id}" not found: set it with berth secret set ${id}`);
    await this.assertNameFree(engine, spec);
    await this.assertDomainFree(engine, spec);
    const target = `${spec.room}/${spec.name}`;
    return this.rt.audit.record(
      { actor: this.rt.actor, action: rollbackOf !== undefined ? 'service.rollback' : 'service.deploy', target, details: { ...deployAuditDetails(spec), ...(rollbackOf !== undefined ? { rollbackOf } : {}) } },
      async () => {
        cb.onEvent?.({ service: spec.name, phase: 'pull', message: `image ${spec.image}` });
        await ensureImage(engine, spec.image, { signal: cb.signal, onPull: cb.onPull }, this.rt.env, { rt: this.rt, room: spec.room });
        if (cb.signal?.aborted) throw new CancelledError();
        await ensureRoomOnce(this.rt, spec.room);
        const release = this.state.lock(spec.room, spec.name);
        try {
          const before = this.activeSpec(spec.room, spec.name);
          const result = swarm ? await deploySwarm(this.rt, engine, spec, cb, rollbackOf) : await this.applyEngine(engine, spec, cb, rollbackOf);
          return { ...result, changes: before ? specChanges(before, spec) : [] };
        } finally {
          release();
        }
      },
    );
  }

  /** A plain container (not a service) already named like the service would take its DNS name. */
  private async assertNameFree(engine: Engine, spec: DeploySpec): Promise<void> {
    const taken = await engine.call('list containers', (d) =>
      d.listContainers({ all: true, filters: { label: [`${LABEL.room}=${spec.room}`, `${LABEL.name}=${spec.name}`] } }),
    );
    if (taken.some((c) => c.Labels?.[LABEL.kind] !== 'service')) {
      throw new ConflictError(`container name "${spec.name}" is already taken in room "${spec.room}" by a container that is not a service`);
    }
  }

  /**
   * A domain belongs to one service across all rooms: another service whose active revision claims it (the state
   * store), or whose containers carry it (the engine, for a store that lost it), holds it.
   */
  private async assertDomainFree(engine: Engine, spec: DeploySpec): Promise<void> {
    if (!spec.domain) return;
    const mine = (room: string, name: string) => room === spec.room && name === spec.name;
    let holder = this.state.activeDomains().find((d) => d.domain === spec.domain && !mine(d.room, d.name));
    if (!holder) {
      const infos = await engine.call('list containers', (d) =>
        d.listContainers({ all: true, filters: { label: [`${LABEL.kind}=service`, `${SERVICE_LABEL.domain}=${spec.domain}`] } }),
      );
      const other = infos.find((i) => !mine(i.Labels?.[LABEL.room] ?? '', i.Labels?.[SERVICE_LABEL.service] ?? ''));
      if (other) holder = { room: other.Labels[LABEL.room]!, name: other.Labels[SERVICE_LABEL.service]!, domain: spec.domain, port: 0, createdAt: '' };
    }
    if (holder) {
      throw new ConflictError(
        `domain ${spec.domain} is held by service ${holder.name} in room ${holder.room}: pick another --domain, or remove it there first (berth -r ${holder.room} service remove ${holder.name})`,
      );
    }
  }

  /** The service's containers as the engine sees them, any state. */
  async containers(engine: Engine, room: string, name: string): Promise<ServiceContainer[]> {
    const infos = await engine.call('list containers', (d) =>
      d.listContainers({ all: true, filters: { label: [`${LABEL.room}=${room}`, `${LABEL.kind}=service`, `${SERVICE_LABEL.service}=${name}`] } }),
    );
    return infos.map(toServiceContainer).sort((a, b) => a.revision - b.revision || a.name.localeCompare(b.name));
  }

  /**
   * Puts the service back into a state the deploy can start from after berth was killed mid-deploy: the active
   * revision (the state store's, or the newest running one when the store lost it) keeps its containers, every
   * other container of the service is an orphan of an interrupted deploy and is removed.
   */
  private async reconcile(engine: Engine, spec: DeploySpec, cb: DeployCallbacks): Promise<{ active: number | null; maxSeen: number }> {
    const state = this.state;
    const containers = await this.containers(engine, spec.room, spec.name);
    let active = state.activeRevision(spec.room, spec.name);
    const maxSeen = Math.max(0, ...containers.map((c) => c.revision));
    // Adopt only when the store knows nothing of the service (it was reset): a row without an active revision
    // means its first deploy never reached the switch, so its containers are orphans like any other.
    if (active === null && !state.service(spec.room, spec.name) && containers.length) {
      const running = containers.filter((c) => c.state === 'running').map((c) => c.revision);
      if (running.length) {
        active = Math.max(...running);
        state.adopt(spec.room, spec.name, 'engine', active);
      }
    }
    const interrupted = state.markInterrupted(spec.room, spec.name, active);
    const orphans = containers.filter((c) => c.revision !== active);
    if (orphans.length || interrupted) {
      cb.onEvent?.({ service: spec.name, phase: 'reconcile', message: `cleaning up after an interrupted deploy: removing ${orphans.length} container(s)${orphans.length ? ` (${orphans.map((o) => o.name).join(', ')})` : ''}` });
    }
    await Promise.all(orphans.map((o) => engine.call(`remove container ${o.name}`, (d) => d.getContainer(o.id).remove({ force: true, v: true })).catch((err) => {
      if (!(err instanceof NotFoundError)) throw err;
    })));
    return { active, maxSeen };
  }

  private async applyEngine(engine: Engine, spec: DeploySpec, cb: DeployCallbacks, rollbackOf?: number): Promise<DeployResult> {
    const state = this.state;
    const { active: previous, maxSeen } = await this.reconcile(engine, spec, cb);
    const revision = state.begin(spec, 'engine', this.rt.actor, rollbackOf, maxSeen);
    const emit = (phase: DeployPhaseName, message: string) => cb.onEvent?.({ service: spec.name, phase, message, revision });
    const created: { id: string; name: string }[] = [];
    let secretValues: string[] = [];
    const removeNew = async () => {
      await Promise.all(created.map((c) => engine.call(`remove container ${c.name}`, (d) => d.getContainer(c.id).remove({ force: true, v: true })).catch(() => {})));
    };
    try {
      const resolved = await resolveEnv(this.rt, spec, revision);
      secretValues = resolved.secretValues;
      const mounts = await resolveMounts(this.rt, spec, cb.signal);
      const logLimits = await resolveLogLimits(this.rt, specLogOptions(spec));
      const { exposed, bindings } = portBindings(spec.ports.map((p) => ({ ...p, hostIp: p.hostIp ?? (publishedHost(engine, undefined) === '127.0.0.1' ? '127.0.0.1' : undefined) })));
      const network = roomNetworkName(spec.room);
      const labels = serviceLabels(spec, revision);
      const old = (await this.containers(engine, spec.room, spec.name)).filter((c) => c.revision !== revision && c.state === 'running');
      for (let i = 0; i < spec.replicas; i++) {
        if (cb.signal?.aborted) throw new CancelledError();
        const cname = serviceContainerName(spec.name, revision, i, spec.replicas);
        const body: Docker.ContainerCreateOptions = {
          name: dockerContainerName(spec.room, cname),
          Image: spec.image,
          Env: Object.entries(resolved.env).map(([k, v]) => `${k}=${v}`),
          Labels: { ...labels, [LABEL.name]: cname },
          ExposedPorts: exposed,
          ...(spec.liveness?.kind === 'cmd'
            ? {
                Healthcheck: {
                  Test: ['CMD-SHELL', spec.liveness.command],
                  Interval: spec.livenessIntervalMs * 1e6,
                  Timeout: Math.max(spec.livenessIntervalMs, 5000) * 1e6,
                  Retries: 3,
                },
              }
            : {}),
          HostConfig: {
            // An init as PID 1 forwards SIGTERM, so the old revision stops at once instead of after the stop timeout.
            Init: true,
            NetworkMode: network,
            PortBindings: bindings,
            RestartPolicy: { Name: spec.restart.name, ...(spec.restart.maximumRetryCount !== undefined ? { MaximumRetryCount: spec.restart.maximumRetryCount } : {}) },
            LogConfig: logConfig(logLimits),
            ...(mounts.length ? { Mounts: mounts } : {}),
            ...(spec.resources.nanoCpus ? { NanoCpus: spec.resources.nanoCpus } : {}),
            ...(spec.resources.memory ? { Memory: spec.resources.memory, MemorySwap: spec.resources.memory * 2 } : {}),
          },
          // Only its own name until it is healthy: the service's name (its DNS alias in the room) comes at the switch.
          NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [cname] } } },
        };
        // Under the identity's limits like any container it starts; the old revision's containers are what these
        // replace, so an update of a service fits where the service itself did.
        const admission = await admitStart(this.rt, { room: spec.room, name: cname, agent: spec.identity, resources: spec.resources }, {
          signal: cb.signal,
          replacing: old.map((o) => dockerContainerName(spec.room, o.name)),
          onQueued: (why) => emit('create', why),
        });
        try {
          emit('create', `starting ${cname} (${spec.image})`);
          const container = await engine.call(`create container ${cname}`, (d) => d.createContainer(body));
          created.push({ id: container.id, name: cname });
          await engine.call(`start container ${cname}`, () => container.start());
        } finally {
          admission.release();
        }
      }
      state.phase(spec.room, spec.name, revision, 'health');
      emit('health', describeHealthWait(spec));
      await this.waitHealthy(engine, spec, created, cb.signal);
      emit('switch', `giving ${created.map((c) => c.name).join(', ')} the name ${spec.name} in the room network`);
      await this.takeServiceName(engine, spec, created, cb.signal);
    } catch (err) {
      if (err instanceof LimitError && !created.length) {
        // Refused by the identity's limits before anything was made: one line, nothing in the history either.
        state.discard(spec.room, spec.name, revision);
        throw err;
      }
      const aborted = cb.signal?.aborted || err instanceof CancelledError;
      const logs = created.length ? await this.lastLines(spec.room, created[created.length - 1]!.id, secretValues) : [];
      await removeNew();
      const reason = aborted ? 'cancelled' : (err as Error)?.message ?? String(err);
      state.fail(spec.room, spec.name, revision, redactValues(reason, secretValues));
      const keeps = previous !== null ? `; revision ${previous} keeps serving` : '';
      emit('failed', `${reason}${keeps}`);
      if (aborted) throw new CancelledError(`deploy of ${spec.name} cancelled; revision ${revision} removed${keeps}`);
      if (err instanceof DeployFailedError) throw err;
      throw new DeployFailedError(`deploy of ${spec.name} revision ${revision} failed: ${redactValues(reason.split('\n')[0]!, secretValues)}${keeps}`, revision, logs);
    }

    // The switch: one committed write; the proxy reads the active revision on every request.
    state.activate(spec.room, spec.name, revision);
    emit('switch', `revision ${revision} is serving`);
    const old = (await this.containers(engine, spec.room, spec.name)).filter((c) => c.revision !== revision);
    if (old.length) {
      state.phase(spec.room, spec.name, revision, 'draining');
      emit('drain', `draining revision ${previous ?? old[0]!.revision} for ${spec.drainMs}ms`);
      await sleep(spec.drainMs);
      emit('remove', `removing ${old.map((o) => o.name).join(', ')}`);
      await Promise.all(
        old.map(async (o) => {
          await engine.call(`stop container ${o.name}`, (d) => d.getContainer(o.id).stop({ t: 10 })).catch(() => {});
          await engine.call(`remove container ${o.name}`, (d) => d.getContainer(o.id).remove({ force: true, v: true })).catch((err) => {
            if (!(err instanceof NotFoundError)) throw err;
          });
        }),
      );
    }
    state.phase(spec.room, spec.name, revision, 'done');
    state.prune(spec.room, spec.name, await this.keepRevisions());
    emit('done', `revision ${revision} deployed`);
    const now = await this.containers(engine, spec.room, spec.name);
    return {
      room: spec.room,
      name: spec.name,
      mode: 'engine',
      revision,
      previous,
      image: spec.image,
      ...(rollbackOf !== undefined ? { rollbackOf } : {}),
      containers: created,
      removed: old.map((o) => o.name),
      ...(spec.domain ? { domain: spec.domain } : {}),
      ports: now.filter((c) => c.revision === revision).flatMap((c) => c.ports),
    };
  }

  private async keepRevisions(): Promise<number> {
    return (await this.rt.setting('deploy')).keepRevisions;
  }

  /**
   * Waits until every new container is healthy: its liveness command passes (Docker health), its http liveness
   * answers 2xx/3xx on the published port, or (without liveness) it keeps running for the settle time. A container
   * that exits or restarts fails the deploy at once; one that never gets there fails it at the health timeout.
   */
  private async waitHealthy(engine: Engine, spec: DeploySpec, created: { id: string; name: string }[], signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + spec.healthTimeoutMs;
    const healthy = new Set<string>();
    let lastProblem = '';
    while (healthy.size < created.length) {
      if (signal?.aborted) throw new CancelledError();
      for (const c of created) {
        if (healthy.has(c.id)) continue;
        const info = await engine.call(`inspect container ${c.name}`, (d) => d.getContainer(c.id).inspect());
        const st = info.State;
        if (!st.Running || st.Restarting || (info.RestartCount ?? 0) > 0) {
          // Restarting (the restart policy is at work) still carries the exit code of the run that ended.
          const what = !st.Running || st.Restarting ? `exited with code ${st.ExitCode}` : 'restarted after exiting';
          throw new BerthError(`${c.name} ${what}${st.OOMKilled ? ' (out of memory)' : ''}${st.Error ? `: ${st.Error}` : ''}`);
        }
        if (spec.liveness?.kind === 'cmd') {
          const h = (st as { Health?: { Status?: string; Log?: { ExitCode: number; Output: string }[] } }).Health;
          if (h?.Status === 'healthy') healthy.add(c.id);
          else if (h?.Status === 'unhealthy') {
            const last = h.Log?.at(-1);
            throw new BerthError(`${c.name} is unhealthy: liveness "${spec.liveness.command}" exited ${last?.ExitCode ?? '?'}${last?.Output?.trim() ? `: ${last.Output.trim().split('\n')[0]}` : ''}`);
          } else lastProblem = `liveness "${spec.liveness.command}" has not passed yet`;
        } else if (spec.liveness?.kind === 'http') {
          const binding = info.NetworkSettings?.Ports?.[`${spec.liveness.port}/tcp`]?.[0];
          if (!binding?.HostPort) throw new BerthError(`${c.name} publishes no host port for ${spec.liveness.port}/tcp`);
          const url = `http://${publishedHost(engine, binding.HostIp)}:${binding.HostPort}${spec.liveness.path}`;
          const result = await probe(url);
          if (result.ok) healthy.add(c.id);
          else lastProblem = `GET ${spec.liveness.path} ${result.detail}`;
        } else {
          const up = Date.now() - Date.parse(st.StartedAt);
          if (up >= spec.settleMs) healthy.add(c.id);
          else lastProblem = `running for ${Math.max(0, up)}ms of ${spec.settleMs}ms`;
        }
      }
      if (healthy.size === created.length) break;
      if (Date.now() >= deadline) {
        throw new BerthError(`not healthy within ${Math.round(spec.healthTimeoutMs / 1000)}s (${lastProblem})`, 'timeout');
      }
      await sleep(Math.min(250, Math.max(0, deadline - Date.now())), signal);
    }
  }

  /**
   * The switch for the room's DNS: the healthy new containers get the service's name as a network alias (the old
   * ones keep it until they are removed after the drain, so the name never resolves to nothing). Engines have no
   * call that changes an endpoint's aliases, so each container is disconnected and connected again with them; the
   * engine then publishes its ports anew (another host port), so this waits until they are published and, with an
   * http liveness, answer again, before the proxy is switched to them.
   */
  private async takeServiceName(engine: Engine, spec: DeploySpec, created: { id: string; name: string }[], signal?: AbortSignal): Promise<void> {
    const network = roomNetworkName(spec.room);
    for (const c of created) {
      if (signal?.aborted) throw new CancelledError();
      await engine.call(`disconnect ${c.name} from ${network}`, (d) => d.getNetwork(network).disconnect({ Container: c.id, Force: true }));
      await engine.call(`connect ${c.name} to ${network}`, (d) => d.getNetwork(network).connect({ Container: c.id, EndpointConfig: { Aliases: [spec.name, c.name] } }));
    }
    const deadline = Date.now() + Math.max(10_000, spec.healthTimeoutMs);
    const pending = new Set(created.map((c) => c.id));
    let problem = '';
    while (pending.size) {
      if (signal?.aborted) throw new CancelledError();
      for (const c of created.filter((x) => pending.has(x.id))) {
        const info = await engine.call(`inspect container ${c.name}`, (d) => d.getContainer(c.id).inspect());
        const ports = info.NetworkSettings?.Ports ?? {};
        const unpublished = spec.ports.filter((p) => !ports[`${p.containerPort}/${p.protocol}`]?.[0]?.HostPort);
        if (unpublished.length) {
          problem = `${c.name} has not published ${unpublished.map((p) => `${p.containerPort}/${p.protocol}`).join(', ')} again`;
          continue;
        }
        if (spec.liveness?.kind === 'http') {
          const binding = ports[`${spec.liveness.port}/tcp`]![0]!;
          const result = await probe(`http://${publishedHost(engine, binding.HostIp)}:${binding.HostPort}${spec.liveness.path}`);
          if (!result.ok) {
            problem = `${c.name}: GET ${spec.liveness.path} ${result.detail} after it took the name ${spec.name}`;
            continue;
          }
        }
        pending.delete(c.id);
      }
      if (!pending.size) break;
      if (Date.now() >= deadline) throw new BerthError(problem, 'timeout');
      await sleep(100, signal);
    }
  }

  private async lastLines(room: string, id: string, secretValues: string[]): Promise<string[]> {
    const lines: string[] = [];
    try {
      for await (const batch of containerLogBatches(this.rt, room, id, { tail: FAILURE_LOG_LINES })) {
        for (const l of batch) lines.push(this.rt.mask.text(redactValues(l.text, secretValues)));
      }
    } catch {
      // The container may already be gone (on-failure restarts exhausted and removed elsewhere).
    }
    return lines.slice(-FAILURE_LOG_LINES);
  }

  /** Services of a room (or every room), from the engine's containers joined with the state store. */
  async list(room?: string, signal?: AbortSignal): Promise<ServiceSummary[]> {
    if (room !== undefined) validateRoomName(room);
    const engine = await this.rt.engine();
    if (await useSwarm(this.rt, engine)) return listSwarmServices(this.rt, engine, room, signal);
    const infos = await engine.call('list containers', (d) =>
      d.listContainers({ all: true, filters: { label: [room ? `${LABEL.room}=${room}` : LABEL.room, `${LABEL.kind}=service`] }, abortSignal: signal } as object),
    );
    const state = this.state;
    const groups = new Map<string, Docker.ContainerInfo[]>();
    for (const info of infos) {
      const key = `${info.Labels?.[LABEL.room]}/${info.Labels?.[SERVICE_LABEL.service]}`;
      if (!info.Labels?.[SERVICE_LABEL.service]) continue;
      (groups.get(key) ?? groups.set(key, []).get(key)!).push(info);
    }
    for (const row of state.services(room)) if (!groups.has(`${row.room}/${row.name}`)) groups.set(`${row.room}/${row.name}`, []);
    // A mistyped room is "not found", as for container and image lists, not an empty list.
    if (room !== undefined && !groups.size) await new RoomService(this.rt).assertExists(room, signal);
    return [...groups.entries()]
      .map(([key, list]) => {
        const [r, name] = key.split('/') as [string, string];
        return this.summarize(r, name, list.map(toServiceContainer), state);
      })
      .sort((a, b) => a.room.localeCompare(b.room) || a.name.localeCompare(b.name));
  }

  private summarize(room: string, name: string, containers: ServiceContainer[], state: DeployState): ServiceSummary {
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

  async inspect(room: string, name: string, signal?: AbortSignal): Promise<ServiceDetail> {
    validateRoomName(room);
    const engine = await this.rt.engine();
    const swarm = await useSwarm(this.rt, engine);
    const summary = (await this.list(room, signal)).find((s) => s.name === name);
    if (!summary) throw new NotFoundError(`service "${name}" not found in room "${room}"`);
    const state = this.state;
    const history = state.revisions(room, name);
    const spec = (summary.revision !== null ? history.find((h) => h.revision === summary.revision) : history[0])?.spec;
    const containers = swarm ? await swarmServiceContainers(engine, room, name) : await this.containers(engine, room, name);
    return {
      ...summary,
      identity: spec?.identity ?? '-',
      env: [
        ...this.rt.mask.env(Object.entries(spec?.env ?? {}).map(([k, v]) => `${k}=${v}`)),
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

  history(room: string, name: string): RevisionSummary[] {
    return this.state.revisions(room, name).map(revisionSummary);
  }

  /** Removes every container (or the Swarm service) and the state store's history of the service. */
  async remove(room: string, name: string): Promise<{ room: string; name: string; removed: string[] }> {
    validateRoomName(room);
    const engine = await this.rt.engine();
    const swarm = await useSwarm(this.rt, engine);
    const state = this.state;
    const containers = swarm ? [] : await this.containers(engine, room, name);
    const known = state.service(room, name);
    if (!swarm && !containers.length && !known) throw new NotFoundError(`service "${name}" not found in room "${room}"`);
    return this.rt.audit.record({ actor: this.rt.actor, action: 'service.remove', target: `${room}/${name}` }, async () => {
      const release = state.lock(room, name);
      try {
        let removed: string[];
        if (swarm) removed = await removeSwarmService(engine, room, name, Boolean(known));
        else {
          await Promise.all(
            containers.map(async (c) => {
              if (c.state === 'running') await engine.call(`stop container ${c.name}`, (d) => d.getContainer(c.id).stop({ t: 10 })).catch(() => {});
              await engine.call(`remove container ${c.name}`, (d) => d.getContainer(c.id).remove({ force: true, v: true })).catch((err) => {
                if (!(err instanceof NotFoundError)) throw err;
              });
            }),
          );
          removed = containers.map((c) => c.name);
        }
        state.remove(room, name);
        return { room, name, removed };
      } finally {
        release();
      }
    });
  }
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

function describeHealthWait(spec: DeploySpec): string {
  if (spec.liveness?.kind === 'cmd') return `waiting for liveness "${spec.liveness.command}" (up to ${Math.round(spec.healthTimeoutMs / 1000)}s)`;
  if (spec.liveness?.kind === 'http') return `waiting for GET ${spec.liveness.path} to answer (up to ${Math.round(spec.healthTimeoutMs / 1000)}s)`;
  return `waiting for ${spec.settleMs}ms of running without a restart`;
}

/** One GET; ok on 2xx/3xx. */
async function probe(url: string): Promise<{ ok: boolean; detail: string }> {
  const http = await import('node:http');
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000, agent: false }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve({ ok: code >= 200 && code < 400, detail: `answered ${code}` });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => resolve({ ok: false, detail: `failed: ${(err as NodeJS.ErrnoException).code ?? err.message}` }));
  });
}

export interface ServiceLogLine {
  container: string;
  stream: 'stdout' | 'stderr';
  text: string;
  time?: string;
}

/**
 * The logs of a service's containers merged as batches (one per engine chunk), each line naming its container. With
 * follow it keeps going until the signal aborts: a container that starts later (a deploy's new revision, a Swarm
 * task, a restart) joins the same stream with everything it has logged, so one `logs -f` spans updates.
 */
export async function* serviceLogBatches(
  rt: Runtime,
  room: string,
  name: string,
  opts: { follow?: boolean; tail?: number | 'all'; since?: string; timestamps?: boolean; signal?: AbortSignal } = {},
): AsyncGenerator<ServiceLogLine[]> {
  validateRoomName(room);
  const engine = await rt.engine();
  const swarm = await useSwarm(rt, engine);
  const list = () => (swarm ? swarmServiceContainers(engine, room, name) : new DeployService(rt).containers(engine, room, name));
  // Events from before the first listing are replayed, so a container started in between is not missed.
  const since = Math.floor(Date.now() / 1000);
  const containers = await list();
  if (!containers.length) throw new NotFoundError(`service "${name}" has no containers in room "${room}"`);
  // One reader per container feeding one queue, so a quiet container never holds up a busy one.
  const queue: (ServiceLogLine[] | Error | null)[] = [];
  let wake: (() => void) | undefined;
  const push = (item: ServiceLogLine[] | Error | null) => {
    queue.push(item);
    wake?.();
  };
  let open = 0;
  /** Per container: being read now, and the last line seen (where a restarted container's reader resumes). */
  const readers = new Map<string, { reading: boolean; last?: { time: string; seen: number } }>();
  const read = (c: ServiceContainer, first: boolean) => {
    const known = readers.get(c.id);
    if (known?.reading) return;
    const reader = known ?? { reading: true };
    reader.reading = true;
    readers.set(c.id, reader);
    open++;
    // A container found later is read from its start; one read before (restarted) from its last line on.
    const from = first ? opts : reader.last ? { ...opts, after: reader.last } : { ...opts, tail: 'all' as const };
    void (async () => {
      try {
        for await (const batch of containerLogBatches(rt, room, c.id, from)) {
          const last = batch.at(-1)?.time;
          if (last) reader.last = { time: last, seen: batch.filter((l) => l.time === last).length + (reader.last?.time === last ? reader.last.seen : 0) };
          push(batch.map((l) => ({ container: c.name, ...l })));
        }
      } catch (err) {
        // A deploy removing the old revision ends its reader: gone (404) or being removed (409), not a failure.
        if (!(err instanceof NotFoundError || err instanceof ConflictError)) push(err as Error);
      } finally {
        reader.reading = false;
        push(null);
      }
    })();
  };
  for (const c of containers) read(c, true);
  if (opts.follow) {
    open++;
    void (async () => {
      try {
        await followNewContainers(engine, room, name, since, opts.signal, async () => {
          for (const c of await list()) if (c.state === 'running' || !readers.has(c.id)) read(c, false);
        });
      } catch (err) {
        push(err as Error);
      } finally {
        push(null);
      }
    })();
  }
  while (open > 0) {
    if (!queue.length) await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
    const item = queue.shift();
    if (item === undefined) continue;
    if (item === null) open--;
    else if (item instanceof Error) {
      if (!(item instanceof NotFoundError)) throw item;
    } else yield item;
  }
}

/**
 * Calls onStart whenever a container of the service starts, until the signal aborts (without one: for as long as
 * the caller reads). The events stream is opened again after an engine hiccup, from the last event seen.
 */
async function followNewContainers(engine: Engine, room: string, name: string, since: number, signal: AbortSignal | undefined, onStart: () => Promise<void>): Promise<void> {
  const stop = signal ?? new AbortController().signal;
  let from = since;
  const filters = { type: ['container'], event: ['start'], label: [`${LABEL.room}=${room}`, `${SERVICE_LABEL.service}=${name}`] };
  while (!stop.aborted) {
    try {
      const events = engineJsonLines<{ time: number }>(engine, 'events', (d) => d.getEvents({ since: from, filters, abortSignal: stop } as object) as Promise<NodeJS.ReadableStream>, stop);
      for await (const event of events) {
        from = Math.max(from, event.time);
        await onStart();
      }
    } catch (err) {
      if (stop.aborted) return;
      if (!(err instanceof BerthError)) throw err;
    }
    await sleep(1000, stop);
  }
}
