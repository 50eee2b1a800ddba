// Preparing a request: the agent's input checked (identity, argv or script, timeout, no secrets) and resolved into
// exactly what would run, without storing anything.
import path from 'node:path';
import { UsageError, validateIdentity } from '../core/index.js';
import type { PreparedRequest } from './approval-types.js';
import { currentCaller, type CallerIdentity } from './caller-liveness.js';
import { baseEnvironment, resolveCwd, resolveProgram, shellProgram, validateEnvAdditions } from './request-environment.js';

export interface FileRequestInput {
  agent: string;
  /** Through berth serve: who filed it (Runtime.requester). */
  requestedVia?: string;
  room?: string;
  argv?: string[];
  script?: string;
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs: number;
  /** The caller's environment (only TERM and LANG are read from it). */
  callerEnv?: NodeJS.ProcessEnv;
  /** Who the caller is; default this process. */
  caller?: CallerIdentity;
  /** The runtime's masker (rt.mask): anything it would mask is refused, since requests are stored and shown. */
  masker?: { text(text: string): string; value(value: string): string };
}

/** Validates and resolves a request (program, cwd, environment) without storing anything. */
export function prepareRequest(input: FileRequestInput): PreparedRequest {
  const agent = validateIdentity(input.agent, '--agent');
  if (Boolean(input.argv?.length) === (input.script !== undefined)) {
    throw new UsageError(input.script !== undefined ? 'give either a command after -- or --script, not both' : 'give a command after --, e.g. berth shell --agent a -- git status');
  }
  if (input.script !== undefined && !input.script.trim()) throw new UsageError('--script is empty');
  for (const a of input.argv ?? []) if (a.includes('\0')) throw new UsageError('an argument contains a NUL byte');
  if (input.script?.includes('\0')) throw new UsageError('--script contains a NUL byte');
  if (!Number.isFinite(input.timeoutMs) || input.timeoutMs <= 0) throw new UsageError('--timeout must be more than 0');
  const envAdded = validateEnvAdditions(input.env ?? {});
  if (input.masker) refuseSecrets(input, input.masker);
  const cwd = resolveCwd(input.cwd);
  const env = { ...baseEnvironment(input.callerEnv ?? process.env), ...envAdded };
  const shell = input.script !== undefined ? shellProgram(env.PATH!) : '';
  // bash reads no startup files (and the fixed environment has no BASH_ENV or ENV unless the request adds them).
  const command = input.script !== undefined
    ? [shell, ...(path.basename(shell) === 'bash' ? ['--norc', '--noprofile'] : []), '-c', input.script]
    : [resolveProgram(input.argv![0]!, cwd, env.PATH ?? ''), ...input.argv!.slice(1)];
  return {
    agent,
    room: input.room ?? null,
    kind: input.script !== undefined ? 'script' : 'argv',
    argv: input.argv ?? null,
    script: input.script ?? null,
    command,
    cwd,
    env,
    envAdded,
    timeoutMs: input.timeoutMs,
    caller: input.caller ?? currentCaller(),
    requestedVia: input.requestedVia ?? null,
  };
}

const SECRET_REFUSAL = 'approval requests are stored and shown to a person, so secrets cannot be passed this way (read it from a file or a berth secret in the command instead)';

/** Refuses arguments, script text or env values that look like a secret (by name, shape, or a stored secret's value). */
function refuseSecrets(input: FileRequestInput, masker: NonNullable<FileRequestInput['masker']>): void {
  for (const [key, value] of Object.entries(input.env ?? {})) {
    if (masker.value(value) !== value) throw new UsageError(`--env ${key}: the value looks like a secret; ${SECRET_REFUSAL}`);
  }
  (input.argv ?? []).forEach((arg, i) => {
    if (masker.text(arg) !== arg) throw new UsageError(`argument ${i + 1} of the command looks like a secret; ${SECRET_REFUSAL}`);
  });
  if (input.script !== undefined && masker.text(input.script) !== input.script) throw new UsageError(`the script holds something that looks like a secret; ${SECRET_REFUSAL}`);
}
