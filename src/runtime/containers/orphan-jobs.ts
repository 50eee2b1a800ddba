// Jobs (`berth run`) whose berth was killed: the container runs on to its end and then stays, since only the berth
// that ran it removes it. Each job carries its berth's identity (LABEL.holder); the next `berth run` or
// `container list` in the room removes the room's finished jobs whose berth is gone.
import { LABEL, roomLabelFilter, tagHolderGone, type Runtime } from '../core/index.js';

/** Removes the room's finished jobs whose berth is certainly gone; returns their ids. Never fails its caller. */
export async function removeOrphanJobs(rt: Runtime, room: string, signal?: AbortSignal): Promise<string[]> {
  try {
    const jobs = await rt.listContainers('list finished jobs', {
      all: true,
      filters: { label: [...roomLabelFilter(room), `${LABEL.kind}=job`, LABEL.holder], status: ['created', 'exited', 'dead'] },
      signal,
    });
    const orphans = jobs.filter((j) => tagHolderGone(j.Labels?.[LABEL.holder] ?? ''));
    if (orphans.length) {
      const engine = await rt.engine();
      await Promise.all(orphans.map((j) => engine.docker.getContainer(j.Id).remove({ force: true, v: true }).catch(() => undefined)));
    }
    return orphans.map((j) => j.Id);
  } catch {
    return []; // the listing or command that asked says what is wrong with the engine
  }
}
