// Draining on a plain engine: the old revision's containers stopped and removed after the switch, and a drain that a
// killed deploy left unfinished (its old revision still running, its history entry still draining) finished by the
// next command that reads or changes the service.
import { ConflictError, type Engine, NotFoundError, type Runtime } from '../core/index.js';
import { DeployState } from './deploy-state.js';
import { type ServiceContainer, serviceContainers } from './revision.js';

/** Stops (when running) and removes a service's containers; one that is gone already is fine. */
export async function removeServiceContainers(engine: Engine, containers: ServiceContainer[]): Promise<void> {
  await Promise.all(
    containers.map(async (c) => {
      if (c.state === 'running') await engine.call(`stop container ${c.name}`, (d) => d.getContainer(c.id).stop({ t: 10 })).catch(() => {});
      await engine.call(`remove container ${c.name}`, (d) => d.getContainer(c.id).remove({ force: true, v: true })).catch((err) => {
        if (!(err instanceof NotFoundError)) throw err;
      });
    }),
  );
}

/**
 * Finishes the drains that deploys killed after their switch left behind, in one room (or every room): under the
 * service's deploy lock, every container not of the active revision is removed and the history entries are marked
 * done. A service whose lock a live deploy holds is draining now and is left to it. Returns the containers removed.
 */
export async function finishInterruptedDrains(rt: Runtime, engine: Engine, room?: string): Promise<string[]> {
  const state = new DeployState(rt.db());
  const removed: string[] = [];
  for (const { room: r, name } of state.unfinishedDrains(room)) {
    let release: () => void;
    try {
      release = state.lock(r, name);
    } catch (err) {
      if (err instanceof ConflictError) continue;
      throw err;
    }
    try {
      const active = state.activeRevision(r, name);
      // Checked again under the lock: the deploy that held it may have finished the drain itself.
      if (active === null || !state.unfinishedDrains(r).some((s) => s.name === name)) continue;
      const old = (await serviceContainers(engine, r, name)).filter((c) => c.revision !== active);
      await removeServiceContainers(engine, old);
      state.finishDrains(r, name);
      rt.audit.append({
        actor: rt.actor,
        action: 'service.drain',
        target: `${r}/${name}`,
        result: 'ok',
        details: { revision: active, removed: old.map((c) => c.name), reason: 'a deploy stopped while the old revision drained' },
      });
      removed.push(...old.map((c) => c.name));
    } finally {
      release();
    }
  }
  return removed;
}
