// Container actions the dashboard offers, run on one container or a selection through ContainerService, each
// summed up as one status line (what was done, or which ones failed and why).
import { ContainerService, type ContainerSummary, isLive } from '../runtime/containers/index.js';
import type { Runtime } from '../runtime/core/index.js';

export type ContainerAction = 'start' | 'stop' | 'restart' | 'pause' | 'delete';

export interface StatusMessage {
  text: string;
  tone: 'info' | 'ok' | 'error';
}

const progressive: Record<ContainerAction, string> = {
  start: 'starting',
  stop: 'stopping',
  restart: 'restarting',
  pause: 'pausing/unpausing',
  delete: 'deleting',
};

function names(targets: readonly ContainerSummary[]): string {
  const shown = targets.slice(0, 3).map((t) => t.name);
  return targets.length > 3 ? `${shown.join(', ')} and ${targets.length - 3} more` : shown.join(', ');
}

export function progressMessage(action: ContainerAction, targets: readonly ContainerSummary[]): StatusMessage {
  return { text: `${progressive[action]} ${names(targets)}…`, tone: 'info' };
}

/** The work's outcome, or `lost` as soon as the signal aborts; no listener is left behind either way. */
function boundedBy<T>(work: Promise<T>, signal: AbortSignal | undefined, lost: () => Error): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.reject(lost());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(lost());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Runs one action on each target concurrently; never throws: failures are reported in the message. `connection`
 * (DashboardStore.connection()) bounds the wait: when the engine stops answering the action is reported failed at
 * once rather than left waiting on it.
 */
export async function runContainerAction(
  rt: Runtime,
  action: ContainerAction,
  targets: readonly ContainerSummary[],
  connection?: AbortSignal,
): Promise<StatusMessage> {
  const service = new ContainerService(rt);
  const done: string[] = [];
  const act = async (c: ContainerSummary): Promise<string> => {
    const room = c.room;
    switch (action) {
      case 'start':
        await service.start(room, c.id);
        return 'started';
      case 'stop':
        await service.stop(room, c.id);
        return 'stopped';
      case 'restart':
        await service.restart(room, c.id);
        return 'restarted';
      case 'pause':
        // One key toggles: a paused container is unpaused, anything else is paused.
        if (c.state === 'paused') {
          await service.unpause(room, c.id);
          return 'unpaused';
        }
        await service.pause(room, c.id);
        return 'paused';
      case 'delete':
        // The confirmation modal said running ones are removed by force.
        await service.delete(room, c.id, { force: isLive(c.state) });
        return 'deleted';
      default: {
        const never: never = action;
        return never;
      }
    }
  };
  // The request may already be with the engine: the outcome is unknown, not a failure.
  const unanswered = () => new Error(`no answer before the engine stopped answering (the ${action} may still happen when it is back)`);
  const results = await Promise.allSettled(targets.map((c) => boundedBy(act(c), connection, unanswered)));
  const failures: string[] = [];
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') done.push(`${r.value} ${targets[i]!.name}`);
    else failures.push(`${targets[i]!.name}: ${rt.mask.text(((r.reason as Error)?.message ?? String(r.reason)).split('\n')[0]!)}`);
  });
  if (!failures.length) {
    const verbs = new Set(done.map((d) => d.split(' ')[0]));
    const text = verbs.size === 1 && targets.length > 1 ? `${[...verbs][0]} ${targets.length}: ${names(targets)}` : done.join(', ');
    return { text, tone: 'ok' };
  }
  const prefix = targets.length > 1 ? `${action}: ${failures.length} of ${targets.length} failed — ` : `${action} failed — `;
  return { text: prefix + failures.join('; ') + (done.length ? ` (${done.join(', ')})` : ''), tone: 'error' };
}
