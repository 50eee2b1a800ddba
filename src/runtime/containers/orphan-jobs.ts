// Jobs (`berth run`) whose berth was killed: the container runs on to its end and then stays, since only the berth
// that ran it removes it. Each job carries its berth's identity (LABEL.holder); the next `berth run` or
// `container list` in the room removes the room's finished jobs whose berth is gone.
import type Docker from 'dockerode';
import { LABEL, roomLabelFilter, tagHolderGone, type Runtime } from '../core/index.js';

const FINISHED = ['created', 'exited', 'dead'];

/** Of a room's listed containers (all states), the finished jobs whose berth is certainly gone. */
export function orphanJobs(infos: readonly Docker.ContainerInfo[]): string[] {
  return infos
    .filter((j) => j.Labels?.[LABEL.kind] === 'job' && FINISHED.includes(j.State) && tagHolderGone(j.Labels[LABEL.holder] ?? ''))
    .map((j) => j.Id);
}

/** Removes these containers (orphan jobs), each on its own; a failure leaves that one for the next listing. */
export async function removeJobs(rt: Runtime, ids: readonly string[]): Promise<void> {
  if (!ids.length) return;
  const engine = await rt.engine();
  await Promise.all(ids.map((id) => engine.docker.getContainer(id).remove({ force: true, v: true }).catch(() => undefined)));
}

/** Removes the room's finished jobs whose berth is certainly gone; returns their ids. Never fails its caller. */
export async function removeOrphanJobs(rt: Runtime, room: string, signal?: AbortSignal): Promise<string[]> {
  try {
    const jobs = await rt.listContainers('list finished jobs', {
      all: true,
      filters: { label: [...roomLabelFilter(room), `${LABEL.kind}=job`, LABEL.holder], status: FINISHED },
      signal,
    });
    const orphans = orphanJobs(jobs);
    await removeJobs(rt, orphans);
    return orphans;
  } catch {
    return []; // the listing or command that asked says what is wrong with the engine
  }
}
