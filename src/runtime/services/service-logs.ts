// Following a service's logs: every container of the service (any revision, a Swarm task, a restart) merged into
// one stream of batches, each line naming its container.
import { BerthError, ConflictError, NotFoundError, type Engine, LABEL, type Runtime, sleep, validateRoomName } from '../core/index.js';
import { containerLogBatches } from '../containers/index.js';
import { engineJsonLines } from '../engine/index.js';
import { finishInterruptedDrains } from './drain.js';
import { useSwarm, swarmServiceContainers } from './deploy-swarm.js';
import { SERVICE_LABEL, type ServiceContainer, serviceContainers } from './revision.js';

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
  if (!swarm) await finishInterruptedDrains(rt, engine, room);
  const list = () => (swarm ? swarmServiceContainers(engine, room, name) : serviceContainers(engine, room, name));
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
