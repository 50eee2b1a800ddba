// Services (berth.kind=service): deploy creates or updates one without downtime, rollback, remove, list, inspect.
// What can be refused is checked here, before anything changes; the rollout itself is rollout.ts on a plain engine
// (each revision a set of containers) and deploy-swarm.ts on a Swarm manager; the read model is service-read.ts.
import { ensureImage, ensureRoomOnce } from '../containers/index.js';
import { type Engine, CancelledError, ConflictError, NotFoundError, UsageError, LABEL, type Runtime, validateContainerName, validateRoomName } from '../core/index.js';
import { deployAuditDetails, serviceNameFromTag, specChanges, toDeploySpec, validateImageRef, type DeployOptions, type DeploySpec } from './deploy-spec.js';
import { DeployState, type RevisionRow } from './deploy-state.js';
import { SecretStore } from '../secrets/index.js';
import { SERVICE_LABEL, type DeployCallbacks, type DeployResult, type ServiceContainer, type ServiceSummary, type RevisionSummary, type ServiceDetail, serviceContainers } from './revision.js';
import { useSwarm, deploySwarm, removeSwarmService } from './deploy-swarm.js';
import { removeServiceContainers } from './drain.js';
import { EngineRollout } from './rollout.js';
import { inspectService, listServices, serviceHistory } from './service-read.js';

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
          const result = swarm ? await deploySwarm(this.rt, engine, spec, cb, rollbackOf) : await new EngineRollout(this.rt).run(engine, spec, cb, rollbackOf);
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
  containers(engine: Engine, room: string, name: string): Promise<ServiceContainer[]> {
    return serviceContainers(engine, room, name);
  }

  /** Services of a room (or every room), from the engine's containers joined with the state store. */
  list(room?: string, signal?: AbortSignal): Promise<ServiceSummary[]> {
    return listServices(this.rt, room, signal);
  }

  inspect(room: string, name: string, signal?: AbortSignal): Promise<ServiceDetail> {
    return inspectService(this.rt, room, name, signal);
  }

  history(room: string, name: string): RevisionSummary[] {
    return serviceHistory(this.rt, room, name);
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
          await removeServiceContainers(engine, containers);
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
