// The rollout on a plain engine: each revision is a set of containers. Start the new revision beside the old one,
// wait until it is healthy, give it the service's name (the switch), drain and remove the old revision. A rerun
// after berth was killed mid-deploy starts by putting the service back into a state it can start from.
import type Docker from 'dockerode';
import { LimitError, admitStart } from '../agents/index.js';
import { defaultPortHost, portBindings, logConfig, resolveLogLimits, containerLogBatches } from '../containers/index.js';
import { type Engine, BerthError, CancelledError, NotFoundError, LABEL, dockerContainerName, formatDelay, plural, roomNetworkName, type Runtime, sleep } from '../core/index.js';
import { specLogOptions, type DeploySpec } from './deploy-spec.js';
import { DeployState } from './deploy-state.js';
import { redactValues } from '../secrets/index.js';
import { removeServiceContainers } from './drain.js';
import { probe } from './probe.js';
import { type DeployPhaseName, type DeployCallbacks, type DeployResult, DeployFailedError, serviceContainerName, publishedHost, serviceLabels, resolveEnv, resolveMounts, serviceContainers } from './revision.js';

const FAILURE_LOG_LINES = 20;

export class EngineRollout {
  constructor(private readonly rt: Runtime) {}

  private get state(): DeployState {
    return new DeployState(this.rt.db());
  }

  /**
   * Puts the service back into a state the deploy can start from after berth was killed mid-deploy: the active
   * revision (the state store's, or the newest running one when the store lost it) keeps its containers, every
   * other container of the service is an orphan of an interrupted deploy and is removed.
   */
  private async reconcile(engine: Engine, spec: DeploySpec, cb: DeployCallbacks): Promise<{ active: number | null; maxSeen: number }> {
    const state = this.state;
    const containers = await serviceContainers(engine, spec.room, spec.name);
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
      cb.onEvent?.({ service: spec.name, phase: 'reconcile', message: `cleaning up after an interrupted deploy: removing ${plural(orphans.length, 'container')}${orphans.length ? ` (${orphans.map((o) => o.name).join(', ')})` : ''}` });
    }
    await Promise.all(orphans.map((o) => engine.call(`remove container ${o.name}`, (d) => d.getContainer(o.id).remove({ force: true, v: true })).catch((err) => {
      if (!(err instanceof NotFoundError)) throw err;
    })));
    // A drain that a killed deploy left is finished by the removal above.
    state.finishDrains(spec.room, spec.name);
    return { active, maxSeen };
  }


  async run(engine: Engine, spec: DeploySpec, cb: DeployCallbacks, rollbackOf?: number): Promise<DeployResult> {
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
      // On this machine a port binds where ports.defaultHost says, as for every container berth starts; on a remote
      // engine berth reaches it over the network (health checks, berth proxy), so it binds where the engine's default does.
      const local = publishedHost(engine, undefined) === '127.0.0.1';
      const { exposed, bindings } = portBindings(spec.ports, local ? await defaultPortHost(this.rt) : undefined);
      const network = roomNetworkName(spec.room);
      const labels = serviceLabels(spec, revision);
      const old = (await serviceContainers(engine, spec.room, spec.name)).filter((c) => c.revision !== revision && c.state === 'running');
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
    const old = (await serviceContainers(engine, spec.room, spec.name)).filter((c) => c.revision !== revision);
    if (old.length) {
      state.phase(spec.room, spec.name, revision, 'draining');
      emit('drain', `draining revision ${previous ?? old[0]!.revision} for ${formatDelay(spec.drainMs)}`);
      await sleep(spec.drainMs);
      emit('remove', `removing ${old.map((o) => o.name).join(', ')}`);
      await removeServiceContainers(engine, old);
    }
    state.phase(spec.room, spec.name, revision, 'done');
    state.prune(spec.room, spec.name, await this.keepRevisions());
    emit('done', `revision ${revision} deployed`);
    const now = await serviceContainers(engine, spec.room, spec.name);
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
          else lastProblem = `running for ${formatDelay(Math.max(0, up))} of ${formatDelay(spec.settleMs)}`;
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

}

function describeHealthWait(spec: DeploySpec): string {
  if (spec.liveness?.kind === 'cmd') return `waiting for liveness "${spec.liveness.command}" (up to ${Math.round(spec.healthTimeoutMs / 1000)}s)`;
  if (spec.liveness?.kind === 'http') return `waiting for GET ${spec.liveness.path} to answer (up to ${Math.round(spec.healthTimeoutMs / 1000)}s)`;
  return `waiting for ${formatDelay(spec.settleMs)} of running without a restart`;
}
