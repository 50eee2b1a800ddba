// Services on a Swarm manager: one Swarm service per berth service (replicas, start-first updates that roll back on
// failure, a real healthcheck from --liveness, labels on the service, the room network as an overlay).
import type { DeployCallbacks, DeployResult, ServiceContainer, ServiceSummary } from './deploy.js';
import type { DeploySpec } from './deploy-spec.js';
import type { Engine } from './engine.js';
import { BerthError } from './errors.js';
import type { Runtime } from './runtime.js';

/** True when the engine is a Swarm manager (a worker cannot create services; a plain engine has no swarm). */
export async function isSwarmManager(engine: Engine): Promise<boolean> {
  const info = (await engine.call('engine info', (d) => d.info())) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
  return info.Swarm?.LocalNodeState === 'active' && Boolean(info.Swarm.ControlAvailable);
}

export async function deploySwarm(_rt: Runtime, _engine: Engine, _spec: DeploySpec, _cb: DeployCallbacks, _rollbackOf?: number): Promise<DeployResult> {
  throw new BerthError('Swarm deploys are not implemented yet');
}

export async function listSwarmServices(_rt: Runtime, _engine: Engine, _room?: string, _signal?: AbortSignal): Promise<ServiceSummary[]> {
  return [];
}

export async function swarmServiceContainers(_engine: Engine, _room: string, _name: string): Promise<ServiceContainer[]> {
  return [];
}

export async function removeSwarmService(_engine: Engine, _room: string, _name: string, _known: boolean): Promise<string[]> {
  return [];
}

/** Proxy routes for Swarm services with a domain (their published port on the routing mesh). */
export async function swarmRoutes(_engine: Engine): Promise<Map<string, { room: string; service: string; port: number; byRevision: Map<number, { id: string; url: string }[]> }>> {
  return new Map();
}
