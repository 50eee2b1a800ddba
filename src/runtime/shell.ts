// berth shell's library half: ask the trust evaluator, file the request, and run an approved one under node-pty
// exactly as it was shown (program, arguments, cwd, environment), with its output copied for the dashboard.
import fs from 'node:fs';
import path from 'node:path';
import { ApprovalQueue, MAX_OUTPUT_FILE_BYTES, assertPerson, formatArgv, prepareRequest, type ApprovalRequest, type FileRequestInput, type TrustVerdict } from './approvals.js';
import { BerthError, ConflictError } from './errors.js';
import { addTrustRule, suggestRule } from './trust.js';
import type { Runtime } from './runtime.js';
import { HostTerminalSession, type SessionSize } from './terminal-session.js';

/**
 * The trust evaluator's verdict for a command. Fails closed: anything but a clear allow or deny goes to a person,
 * and so does an evaluator that throws.
 */
export async function trustVerdict(rt: Runtime, input: { argv?: string[]; script?: string; env?: Record<string, string> }, scope: { agent?: string; room?: string }): Promise<TrustVerdict> {
  try {
    const { evaluateCommand, loadTrustRules } = await import('./trust.js');
    const verdict = await evaluateCommand(input, await loadTrustRules(rt), scope);
    if (verdict.decision === 'allow' || verdict.decision === 'deny') return verdict as unknown as TrustVerdict;
    return { decision: 'ask', reason: verdict.reason || 'a person decides' };
  } catch (err) {
    return { decision: 'ask', reason: `the trusted patterns could not be checked (${(err as Error)?.message ?? String(err)}): a person decides` };
  }
}

/** Validates, asks the trust rules, and files the request (pending, or already decided by a rule). */
export async function fileShellRequest(rt: Runtime, input: FileRequestInput): Promise<ApprovalRequest> {
  const prepared = prepareRequest({ masker: rt.mask, ...input });
  const env = Object.keys(prepared.envAdded).length ? { env: prepared.envAdded } : {};
  const verdict = await trustVerdict(rt, prepared.kind === 'script' ? { script: prepared.script!, ...env } : { argv: prepared.argv!, ...env }, {
    agent: prepared.agent,
    ...(prepared.room ? { room: prepared.room } : {}),
  });
  return new ApprovalQueue(rt).file(prepared, verdict);
}

/** Output files are kept for the dashboard a week after they were last written, then removed by the next run. */
export const OUTPUT_RETENTION_MS = 7 * 24 * 3600 * 1000;

function pruneOutputFiles(dir: string, now = Date.now()): void {
  try {
    for (const name of fs.readdirSync(dir)) {
      if (!name.endsWith('.out')) continue;
      const file = path.join(dir, name);
      if (now - fs.statSync(file).mtimeMs > OUTPUT_RETENTION_MS) fs.rmSync(file, { force: true });
    }
  } catch {
    // pruning is housekeeping: never a reason not to run
  }
}

export interface ApprovedRun {
  session: HostTerminalSession;
  /** The exit code, once recorded in the queue and the audit log. */
  done: Promise<number>;
}

/**
 * Starts an approved request under node-pty: marks it started (only its caller, only once), spawns exactly its
 * command, copies output (capped) to the request's output file, and records the exit code when it ends.
 */
export async function startApprovedRun(rt: Runtime, req: ApprovalRequest, size: SessionSize = {}): Promise<ApprovedRun> {
  const queue = new ApprovalQueue(rt);
  queue.markStarted(req.id);
  const file = queue.outputFile(req.id);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  pruneOutputFiles(path.dirname(file));
  const fd = fs.openSync(file, 'a', 0o600);
  let written = 0;
  let session: HostTerminalSession;
  try {
    session = await HostTerminalSession.create({ command: req.command, cwd: req.cwd, env: req.env, ...size });
  } catch (err) {
    fs.closeSync(fd);
    queue.markEnded(req.id, 127, 'exited');
    throw err;
  }
  session.onData((chunk) => {
    if (written >= MAX_OUTPUT_FILE_BYTES) return;
    const part = chunk.subarray(0, MAX_OUTPUT_FILE_BYTES - written);
    written += part.length;
    try {
      fs.writeSync(fd, part);
      if (written >= MAX_OUTPUT_FILE_BYTES) fs.writeSync(fd, '\r\n[berth: output file capped here; the caller saw the rest]\r\n');
    } catch {
      // a full disk stops the copy, never the command
    }
  });
  const done = session.wait().then(
    (code) => {
      fs.closeSync(fd);
      queue.markEnded(req.id, code, 'exited');
      return code;
    },
    (err) => {
      fs.closeSync(fd);
      queue.markEnded(req.id, null, 'caller-lost');
      throw err;
    },
  );
  done.catch(() => {});
  return { session, done };
}

export type PatternSuggestion = { ok: true; pattern: string; argv: string[] } | { ok: false; reason: string };

/** The allow pattern approve-and-trust would save for a request, shown to the person before anything is saved. */
export function suggestPattern(req: ApprovalRequest): PatternSuggestion {
  if (req.kind !== 'argv' || !req.argv) return { ok: false, reason: 'approve-and-trust works for a command, not a script: a approves this one once' };
  if (Object.keys(req.envAdded).length) return { ok: false, reason: 'the request adds environment variables, which no pattern can see: a approves it once' };
  const argv = suggestRule(req.argv);
  if (!argv) return { ok: false, reason: `no safe pattern fits ${formatArgv(req.argv.slice(0, 1))} (a path, a shell or a wrapper): a approves it once` };
  return { ok: true, pattern: formatArgv(argv), argv };
}

/**
 * A person approves the request and saves the suggested allow pattern for its agent (and room). Decided first: a
 * request someone else decided meanwhile saves nothing. Returns what was trusted, for the status line.
 */
export async function approveAndTrust(rt: Runtime, req: ApprovalRequest, suggestion: PatternSuggestion & { ok: true }, opts: { stdinIsTTY: boolean }): Promise<string> {
  assertPerson(rt.env, opts.stdinIsTTY);
  new ApprovalQueue(rt).decide(req.id, 'approved', { actor: rt.actor, reason: `approved and trusted ${suggestion.pattern}` });
  try {
    const rule = await addTrustRule(rt, { pattern: suggestion.argv, action: 'allow', agent: req.agent, ...(req.room ? { room: req.room } : {}) });
    return `${suggestion.pattern} for agent ${req.agent} (rule ${rule.id})`;
  } catch (err) {
    if (err instanceof ConflictError) return `${suggestion.pattern} for agent ${req.agent} (the rule existed already)`;
    throw new BerthError(`request ${req.id} approved, but the pattern was not saved: ${(err as Error).message}`);
  }
}
