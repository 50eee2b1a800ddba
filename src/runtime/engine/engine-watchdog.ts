// Whether the engine still answers: a /_ping every half second with a 1.5 s timeout, so a hang is seen within 2 s.
// A hung dockerd, or a link that drops packets, keeps connections open without an error, so streams and calls would
// otherwise wait forever.
import { type Engine, EngineUnreachableError, type Runtime } from '../core/index.js';

export interface EngineWatchdogOptions {
  /** Time between pings while the engine answers. */
  everyMs?: number;
  /** A ping without an answer this long means the engine is lost. */
  timeoutMs?: number;
  /** Time between pings once it is lost: from the first, doubling up to the second. */
  backoffMs?: [number, number];
  /** Told once when the engine stops answering (a failed ping, or lost() from elsewhere). */
  onLost?: (error: EngineUnreachableError) => void;
  /** Told once when it answers again after being lost. */
  onBack?: () => void;
}

export const WATCHDOG_DEFAULTS = { everyMs: 500, timeoutMs: 1500, backoffMs: [500, 5000] as [number, number] };
/**
 * Over ssh a request may need a new connection, i.e. a new `ssh … docker system dial-stdio` with its handshake
 * (seconds on a loaded machine): pinged less often and given longer; a cut connection is still seen at once.
 */
export const WATCHDOG_SSH = { everyMs: 2000, timeoutMs: 10_000 };

/** Pings the engine until stop(): every `everyMs` while it answers, with backoff while it does not. */
export class EngineWatchdog {
  private readonly everyMs: number;
  private readonly timeoutMs: number;
  private readonly backoffMs: [number, number];
  private readonly stopped = new AbortController();
  private timer?: NodeJS.Timeout;
  private backoff: number;
  private pinging = false;
  private lostError?: EngineUnreachableError;

  constructor(
    private readonly engine: Engine,
    private readonly options: EngineWatchdogOptions = {},
  ) {
    const defaults = engine.endpoint.options.protocol === 'ssh' ? WATCHDOG_SSH : WATCHDOG_DEFAULTS;
    this.everyMs = options.everyMs ?? defaults.everyMs;
    this.timeoutMs = options.timeoutMs ?? defaults.timeoutMs;
    this.backoffMs = options.backoffMs ?? WATCHDOG_DEFAULTS.backoffMs;
    this.backoff = this.backoffMs[0];
  }

  /** Why the engine is lost, or undefined while it answers. */
  get lostReason(): EngineUnreachableError | undefined {
    return this.lostError;
  }

  start(): this {
    this.next(0);
    return this;
  }

  stop(): void {
    this.stopped.abort();
    clearTimeout(this.timer);
  }

  /**
   * The engine was lost as seen elsewhere (a stream cut, a refused connection): reported like a failed ping, and
   * probing switches to the backoff that finds it back.
   */
  lost(error: EngineUnreachableError): void {
    if (this.stopped.signal.aborted) return;
    if (!this.lostError) {
      this.lostError = error;
      this.backoff = this.backoffMs[0];
      this.options.onLost?.(error);
    }
    if (!this.pinging) this.next(this.backoff);
  }

  private next(delay: number): void {
    clearTimeout(this.timer);
    if (this.stopped.signal.aborted) return;
    // Not unref'd: work waiting on a promise the engine will never settle (docker-modem leaves a wait cut with its
    // connection pending, with no handle behind it) must not let the process end quietly before the next ping.
    this.timer = setTimeout(() => void this.ping(), delay);
  }

  private async ping(): Promise<void> {
    this.pinging = true;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = AbortSignal.any([timeout, this.stopped.signal]);
    let failure: EngineUnreachableError | undefined;
    try {
      // dockerode's types omit ping's options; it passes abortSignal on like every other call's.
      await this.engine.call('ping', (d) => (d.ping as unknown as (opts: { abortSignal: AbortSignal }) => Promise<unknown>).call(d, { abortSignal: signal }));
    } catch (err) {
      if (this.stopped.signal.aborted) return;
      failure =
        err instanceof EngineUnreachableError
          ? err
          : new EngineUnreachableError(
              this.engine.endpoint.url,
              timeout.aborted ? `not answering (no reply to a ping in ${this.timeoutMs / 1000} s)` : (err as Error).message.split('\n')[0]!,
              { cause: err },
            );
    } finally {
      this.pinging = false;
    }
    if (this.stopped.signal.aborted) return;
    if (failure) {
      const first = !this.lostError;
      if (first) this.lost(failure);
      else this.backoff = Math.min(this.backoff * 2, this.backoffMs[1]);
      return this.next(this.backoff);
    }
    if (this.lostError) {
      this.lostError = undefined;
      this.backoff = this.backoffMs[0];
      this.options.onBack?.();
    }
    this.next(this.everyMs);
  }
}

/**
 * Runs long work (a follow, an attached run) with a signal that also aborts when the engine stops answering; the
 * work then ends at once with the EngineUnreachableError, whatever it was waiting for, and the engine's connections
 * are dropped (the command is ending: nothing may keep it waiting).
 */
export async function whileEngineAnswers<T>(
  rt: Runtime,
  signal: AbortSignal,
  work: (signal: AbortSignal) => Promise<T>,
  options: Omit<EngineWatchdogOptions, 'onLost' | 'onBack'> = {},
): Promise<T> {
  const engine = await rt.engine();
  const controller = new AbortController();
  const passOn = () => controller.abort(signal.reason);
  if (signal.aborted) passOn();
  else signal.addEventListener('abort', passOn, { once: true });
  let lost!: (error: EngineUnreachableError) => void;
  const lostPromise = new Promise<never>((_, reject) => (lost = reject));
  const watchdog = new EngineWatchdog(engine, {
    ...options,
    onLost: (error) => {
      lost(error);
      controller.abort(error);
      // Calls that take no signal (a container's start) would wait on the hung engine and hold the process.
      engine.close();
    },
  }).start();
  try {
    const result = await Promise.race([work(controller.signal), lostPromise]);
    // Work that ends quietly on abort (a log follow) must not hide why it was aborted.
    if (watchdog.lostReason) throw watchdog.lostReason;
    return result;
  } finally {
    watchdog.stop();
    signal.removeEventListener('abort', passOn);
  }
}
