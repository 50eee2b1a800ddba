// Container resource samples (CPU %, memory, network and block I/O, pids), one-shot or streamed, computed the way
// `docker stats` computes them.
import { ContainerService } from './containers.js';
import type { ContainerSummary } from './summary.js';
import type { Runtime } from '../core/index.js';
import { type StatsSample, sampleStatsById, watchStatsById } from '../engine/index.js';

/** The containers stats reports on: the named ones (any state), else the room's running containers. */
async function targets(rt: Runtime, room: string, refs: string[], signal?: AbortSignal): Promise<ContainerSummary[]> {
  const service = new ContainerService(rt);
  if (refs.length) return Promise.all(refs.map((ref) => service.resolve(room, ref, signal)));
  return (await service.list(room, { all: false, signal })).filter((c) => c.state === 'running');
}

/** One sample for each named container (default: every running container of the room), sampled in parallel. */
export async function containerStats(rt: Runtime, room: string, refs: string[] = [], opts: { signal?: AbortSignal } = {}): Promise<StatsSample[]> {
  const list = await targets(rt, room, refs, opts.signal);
  const engine = await rt.engine();
  return Promise.all(list.map((c) => sampleStatsById(engine, c.id, c.name, opts.signal)));
}

/**
 * Streams samples of several containers merged into one iterable (each yields about once a second); ends when
 * every container's stream has ended (they all stopped) or the signal aborts.
 */
export async function* watchContainerStats(
  rt: Runtime,
  room: string,
  refs: string[],
  opts: { signal: AbortSignal },
): AsyncGenerator<StatsSample> {
  const list = await targets(rt, room, refs, opts.signal);
  const engine = await rt.engine();
  const queue: StatsSample[] = [];
  let failure: unknown;
  let wake: (() => void) | undefined;
  let running = list.length;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  for (const c of list) {
    void (async () => {
      try {
        for await (const sample of watchStatsById(engine, c.id, c.name, opts.signal)) {
          queue.push(sample);
          notify();
        }
      } catch (err) {
        failure ??= err;
      } finally {
        running--;
        notify();
      }
    })();
  }
  opts.signal.addEventListener('abort', notify, { once: true });
  try {
    while (!opts.signal.aborted) {
      while (queue.length) yield queue.shift()!;
      if (failure) throw failure;
      if (running === 0) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    opts.signal.removeEventListener('abort', notify);
  }
}
