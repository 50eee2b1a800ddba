// Typed errors that carry their exit code; bin/berth is the only place that maps them to a process exit.

export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  conflict: 4,
  engineUnreachable: 5,
  denied: 6,
  timeout: 7,
  /** Refused before acting: the audit log cannot be written (a full disk), so nothing was done. */
  auditRefused: 8,
  /** The action was done but its audit line could not be written. */
  auditLost: 9,
  cancelled: 130,
} as const;

export type ExitCodeName = keyof typeof ExitCode;

export class BerthError extends Error {
  readonly exitCode: number;
  constructor(
    message: string,
    readonly kind: ExitCodeName = 'failure',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BerthError';
    this.exitCode = ExitCode[kind];
  }
}

export class UsageError extends BerthError {
  constructor(message: string) {
    super(message, 'usage');
  }
}

export class NotFoundError extends BerthError {
  constructor(message: string) {
    super(message, 'notFound');
  }
}

export class ConflictError extends BerthError {
  constructor(message: string) {
    super(message, 'conflict');
  }
}

export class EngineUnreachableError extends BerthError {
  constructor(
    readonly endpoint: string,
    /** The cause alone (no endpoint), for reports that name the endpoint themselves. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot reach the Docker engine at ${endpoint}: ${detail}`, 'engineUnreachable', options);
  }
}

/** A registry that could not be reached (refused, no such host, timed out): a failure (exit 1); 502 over the API. */
export class RegistryUnreachableError extends BerthError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'failure', options);
  }
}

export class CancelledError extends BerthError {
  constructor(message = 'cancelled') {
    super(message, 'cancelled');
  }
}

/** The exit code for any thrown value: typed errors carry theirs, anything else is a plain failure. */
export function exitCodeOf(err: unknown): number {
  return err instanceof BerthError ? err.exitCode : ExitCode.failure;
}

/** Docker's HTTP errors carry a statusCode; turn the common ones into typed errors with one clear line. */
export function fromEngineError(err: unknown, what: string): unknown {
  if (err instanceof BerthError) return err;
  const e = err as { statusCode?: number; json?: { message?: string }; reason?: string; message?: string };
  const detail = (e?.json?.message ?? e?.reason ?? e?.message ?? String(err)).trim();
  switch (e?.statusCode) {
    case 404:
      return new NotFoundError(`${what}: ${detail}`);
    // 403: refused in the current state (a network with endpoints, a predefined network).
    case 403:
    case 409:
      return new ConflictError(`${what}: ${detail}`);
    case 400:
      return new UsageError(`${what}: ${detail}`);
    default:
      return err;
  }
}

/** A finished command's non-zero exit status, carried to the process exit code (docker run does the same). */
export class CommandExitError extends BerthError {
  constructor(readonly status: number, what = 'command') {
    super(`${what} exited with code ${status}`, 'failure');
    (this as { exitCode: number }).exitCode = status;
  }
}
