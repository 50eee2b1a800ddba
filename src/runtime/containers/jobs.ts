// Temporary containers (berth.kind=job): run one command, stream its stdout and stderr apart, return its exit code,
// and always remove the container — on exit, failure, timeout or cancellation; a job left by a berth that was killed
// is removed by the next run in its room once it has finished (orphan-jobs.ts).
import { Writable, type Duplex, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import { auditDetails, createFromSpec, toRunSpec, type CreateCallbacks, type RunOptions } from './container-create.js';
import { BerthError, CancelledError, EngineUnreachableError, formatDelay, type Runtime } from '../core/index.js';
import type { OutputStream } from './exec.js';
import { removeOrphanJobs } from './orphan-jobs.js';

export interface JobOptions extends RunOptions {
  /** Kill and remove the job this many milliseconds after it started (exit code 7). */
  timeoutMs?: number;
  /** Fed to the command's stdin, which then closes (EOF). Without it the command gets no stdin. */
  stdin?: string | Uint8Array | Readable;
}

export interface JobCallbacks extends CreateCallbacks {
  onOutput?: (stream: OutputStream, chunk: Buffer) => void;
  /** Called once the container exists (id and name), e.g. to print it on --debug. */
  onStarted?: (job: { id: string; name: string }) => void;
}

export interface JobResult {
  id: string;
  name: string;
  exitCode: number;
}

export class TimeoutError extends BerthError {
  constructor(message: string) {
    super(message, 'timeout');
  }
}

/**
 * Runs a temporary container to completion. Output is attached before start so nothing is lost; the result comes
 * only after the output stream has ended. Abort (Ctrl+C) → CancelledError, timeout → TimeoutError, both after the
 * container has been removed.
 */
export async function runJob(rt: Runtime, room: string, opts: JobOptions, cb: JobCallbacks = {}): Promise<JobResult> {
  if (opts.timeoutMs !== undefined && !(opts.timeoutMs > 0)) throw new BerthError(`invalid --timeout "${opts.timeoutMs}"`, 'usage');
  const [runSpec] = await Promise.all([toRunSpec(rt, room, opts, 'job'), removeOrphanJobs(rt, room, cb.signal)]);
  const spec = { ...runSpec, openStdin: opts.stdin !== undefined };
  if (cb.signal?.aborted) throw new CancelledError();
  const engine = await rt.engine();
  return rt.audit.record(
    { actor: rt.actor, action: 'job.run', target: `${room}/${spec.name}`, details: { ...auditDetails(spec), timeoutMs: opts.timeoutMs } },
    async () => {
      let container: Docker.Container | undefined;
      let outputDone: Promise<void> = Promise.resolve();
      let attached: Duplex | undefined;
      const stop = new AbortController();
      let reason: 'timeout' | 'cancelled' | 'engine-lost' | undefined;
      const onAbort = () => {
        reason ??= cb.signal?.reason instanceof EngineUnreachableError ? 'engine-lost' : 'cancelled';
        stop.abort();
      };
      cb.signal?.addEventListener('abort', onAbort, { once: true });
      let timer: NodeJS.Timeout | undefined;
      try {
        const created = await createFromSpec(rt, spec, {
          signal: stop.signal,
          onPull: cb.onPull,
          // A queued start waits at most as long as the job may run.
          admissionTimeoutMs: cb.admissionTimeoutMs ?? opts.timeoutMs,
          onQueued: cb.onQueued,
          beforeStart: async (c) => {
            container = c;
            const stream = (await engine.call(`attach to job ${spec.name}`, () =>
              c.attach(
                opts.stdin !== undefined
                  ? { stream: true, stdin: true, stdout: true, stderr: true, hijack: true }
                  : { stream: true, stdout: true, stderr: true },
              ),
            )) as NodeJS.ReadableStream;
            attached = stream as unknown as Duplex;
            outputDone = new Promise<void>((resolve) => {
              stream.on('end', resolve);
              stream.on('close', resolve);
              stream.on('error', () => resolve());
              stop.signal.addEventListener('abort', () => resolve(), { once: true });
            });
            engine.docker.modem.demuxStream(stream, sink('stdout', cb.onOutput), sink('stderr', cb.onOutput));
          },
        });
        // The timeout limits the command, not the pull or create before it (Ctrl+C covers those).
        if (opts.timeoutMs !== undefined) timer = setTimeout(() => ((reason ??= 'timeout'), stop.abort()), opts.timeoutMs);
        cb.onStarted?.({ id: created.id, name: created.name });
        if (opts.stdin !== undefined && attached) feedStdin(attached, opts.stdin);
        if (stop.signal.aborted) throw stopError(reason, opts.timeoutMs, cb.signal);
        const waited = engine.call(`wait for job ${spec.name}`, () =>
          container!.wait({ condition: 'not-running', abortSignal: stop.signal } as object),
        ) as Promise<{ StatusCode: number }>;
        const status = await waited.catch((err) => {
          if (stop.signal.aborted) throw stopError(reason, opts.timeoutMs, cb.signal);
          throw err;
        });
        await outputDone;
        return { id: created.id, name: created.name, exitCode: status.StatusCode };
      } catch (err) {
        throw stop.signal.aborted ? stopError(reason, opts.timeoutMs, cb.signal) : err;
      } finally {
        clearTimeout(timer);
        cb.signal?.removeEventListener('abort', onAbort);
        // The container goes whatever happened; force also kills a job still running (timeout, Ctrl+C). An engine
        // that stopped answering cannot remove it: waiting would hang until it answers again.
        if (container && reason !== 'engine-lost') await container.remove({ force: true, v: true }).catch(() => {});
        // The removal ends the output stream; without it (the engine lost) its open connection would hold the process.
        attached?.destroy();
      }
    },
  );
}

function stopError(reason: 'timeout' | 'cancelled' | 'engine-lost' | undefined, timeoutMs?: number, signal?: AbortSignal): BerthError {
  if (reason === 'engine-lost' && signal?.reason instanceof BerthError) return signal.reason;
  return reason === 'timeout' ? new TimeoutError(`timed out after ${formatDelay(timeoutMs ?? 0)}: the job was killed and removed`) : new CancelledError('cancelled: the job was killed and removed');
}


/** Writes the input, then half-closes the hijacked connection so Docker closes the command's stdin (EOF). */
function feedStdin(stream: Duplex, input: string | Uint8Array | Readable): void {
  if (typeof input === 'string' || input instanceof Uint8Array) {
    stream.end(input);
    return;
  }
  input.on('error', () => stream.end());
  input.pipe(stream, { end: true });
}

function sink(stream: OutputStream, onOutput: JobCallbacks['onOutput']): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      onOutput?.(stream, chunk);
      done();
    },
  });
}

/**
 * Streams a started container's output from its beginning until it exits, then returns its exit code (what
 * `container run` without --detach does). Aborting stops following; the container keeps running.
 */
export async function followUntilExit(
  rt: Runtime,
  id: string,
  cb: { signal?: AbortSignal; onOutput?: JobCallbacks['onOutput'] } = {},
): Promise<number> {
  const engine = await rt.engine();
  const container = engine.docker.getContainer(id);
  const stream = (await engine.call(`follow container ${id.slice(0, 12)}`, () =>
    container.logs({ follow: true, stdout: true, stderr: true, abortSignal: cb.signal } as object),
  )) as unknown as NodeJS.ReadableStream;
  const ended = new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
  });
  engine.docker.modem.demuxStream(stream, sink('stdout', cb.onOutput), sink('stderr', cb.onOutput));
  const waiting = engine.call(`wait for container ${id.slice(0, 12)}`, () =>
    container.wait({ condition: 'not-running', abortSignal: cb.signal } as object),
  ) as Promise<{ StatusCode: number }>;
  waiting.catch(() => {}); // settled below, or replaced by inspect's answer
  await ended;
  // The output ends when the container exits, or when the connection to the engine is lost; then the wait's
  // response is cut too, and docker-modem leaves such a promise pending forever. Inspect tells which it was (and
  // fails with the engine's typed error when it is gone).
  const info = await engine.call(`inspect container ${id.slice(0, 12)}`, () => container.inspect({ abortSignal: cb.signal } as object));
  if (!info.State.Running) return info.State.ExitCode;
  return (await waiting).StatusCode;
}
