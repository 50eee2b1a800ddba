// berth shell's library half: ask the trust evaluator, file the request, and run an approved one under node-pty
// exactly as it was shown (program, arguments, cwd, environment), with its output copied for the dashboard.
import fs from 'node:fs';
import path from 'node:path';
import { ApprovalQueue, MAX_OUTPUT_FILE_BYTES } from './approval-queue.js';
import { prepareRequest, type FileRequestInput } from './approval-requests.js';
import type { ApprovalRequest, TrustVerdict } from './approval-types.js';
import { BerthError, ConflictError, assertPerson, type Runtime } from '../core/index.js';
import { addTrustRule, suggestRule, evaluateCommand, loadTrustRules } from './trust.js';
import { HostTerminalSession, type SessionSize } from '../terminal/index.js';
import { checkPlace } from './trust-place.js';
import { formatArgv } from './quoting.js';

/**
 * The trust evaluator's verdict for a command run in `place` (the request's cwd and environment): an allow stands
 * only outside berth's own dirs and, for git, in a repository whose own config chooses no program (trust-place.ts);
 * it then carries the environment to run with (git's code-running settings forced off). Fails closed: anything but
 * a clear allow or deny goes to a person, and so does an evaluator that throws.
 */
export async function trustVerdict(
  rt: Runtime,
  input: { argv?: string[]; script?: string; env?: Record<string, string> },
  scope: { agent?: string; room?: string },
  place: { cwd: string; env: Record<string, string> },
): Promise<TrustVerdict & { env?: Record<string, string> }> {
  try {
    const verdict = await evaluateCommand(input, await loadTrustRules(rt), scope);
    if (verdict.decision === 'deny') return verdict as unknown as TrustVerdict;
    if (verdict.decision !== 'allow') return { decision: 'ask', reason: verdict.reason || 'a person decides' };
    const where = checkPlace(rt, verdict.commands ?? [], place.cwd, place.env);
    if (!where.ok) return { decision: 'ask', reason: where.reason };
    return { ...(verdict as unknown as TrustVerdict), env: where.env };
  } catch (err) {
    return { decision: 'ask', reason: `the trusted patterns could not be checked (${(err as Error)?.message ?? String(err)}): a person decides` };
  }
}

/** What a file was when a request was filed: a path that later names another file (or a changed one) is refused. */
interface FileIdentity {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

function identityOf(st: fs.BigIntStats): FileIdentity {
  return { dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs };
}

function sameFile(a: FileIdentity, b: FileIdentity, content: boolean): boolean {
  return a.dev === b.dev && a.ino === b.ino && (!content || (a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs));
}

/**
 * The directory and program a person is shown, held from filing to run: the directory by descriptor (the command is
 * started in that very directory, through /proc/self/fd/N, whatever the path names by then), the program by its
 * identity (device, inode, size, times), re-checked just before the spawn.
 */
export class HeldPlace {
  private constructor(
    private readonly fd: number,
    /** The held directory's real path: what the request shows. */
    readonly cwd: string,
    private readonly program: { path: string; identity: FileIdentity } | undefined,
  ) {}

  /** Holds `cwd` (a real path) and the program; refused when the directory moved between resolving and opening. */
  static hold(cwd: string, program: string | undefined): HeldPlace {
    const fd = fs.openSync(cwd, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    try {
      const real = fs.readlinkSync(`/proc/self/fd/${fd}`);
      if (real !== cwd) throw new ConflictError(`--cwd ${cwd} changed while the request was filed (it is now ${real}): nothing was filed`);
      const held = program ? { path: program, identity: identityOf(fs.statSync(program, { bigint: true })) } : undefined;
      return new HeldPlace(fd, cwd, held);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  /** Throws (exit 4) when the directory's path or the program no longer names what was shown. */
  check(id: number): void {
    const dir = identityOf(fs.fstatSync(this.fd, { bigint: true }));
    const now = fs.statSync(this.cwd, { bigint: true, throwIfNoEntry: false });
    if (!now || !sameFile(dir, identityOf(now), false)) {
      throw new ConflictError(`request ${id}: its directory ${this.cwd} was moved or replaced after it was filed: refused, nothing ran`);
    }
    if (this.program) {
      const prog = fs.statSync(this.program.path, { bigint: true, throwIfNoEntry: false });
      if (!prog || !sameFile(this.program.identity, identityOf(prog), true)) {
        throw new ConflictError(`request ${id}: its program ${this.program.path} was replaced or changed after it was filed: refused, nothing ran`);
      }
    }
  }

  /**
   * The held directory as a path that the spawned child's chdir resolves to the descriptor's directory: node-pty's
   * child calls chdir right after fork, with this process's descriptors inherited (they close only at exec).
   */
  get spawnCwd(): string {
    return `/proc/self/fd/${this.fd}`;
  }

  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // closed already
    }
  }
}

/** Places held by this process for the requests it filed, by request id: only a request's caller runs it. */
const heldPlaces = new Map<number, HeldPlace>();

/** Validates, asks the trust rules, and files the request (pending, or already decided by a rule). */
export async function fileShellRequest(rt: Runtime, input: FileRequestInput): Promise<ApprovalRequest> {
  const prepared = prepareRequest({ masker: rt.mask, ...(rt.requester ? { requestedVia: rt.requester } : {}), ...input });
  const place = HeldPlace.hold(prepared.cwd, prepared.kind === 'argv' ? prepared.command[0] : undefined);
  const env = Object.keys(prepared.envAdded).length ? { env: prepared.envAdded } : {};
  const verdict = await trustVerdict(
    rt,
    prepared.kind === 'script' ? { script: prepared.script!, ...env } : { argv: prepared.argv!, ...env },
    { agent: prepared.agent, ...(prepared.room ? { room: prepared.room } : {}) },
    { cwd: prepared.cwd, env: prepared.env },
  );
  // Auto-approved: it runs with the environment the checks chose, which is what the request stores and shows.
  if (verdict.decision === 'allow' && verdict.env) prepared.env = verdict.env;
  const { env: _runEnv, ...decision } = verdict;
  try {
    const req = new ApprovalQueue(rt).file(prepared, decision);
    heldPlaces.set(req.id, place);
    return req;
  } catch (err) {
    place.close();
    throw err;
  }
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
  const place = heldPlaces.get(req.id);
  if (!place) throw new ConflictError(`request ${req.id} was filed by another process: only its caller runs it`);
  heldPlaces.delete(req.id);
  try {
    place.check(req.id);
  } catch (err) {
    place.close();
    queue.markEnded(req.id, null, 'not-run');
    throw err;
  }
  queue.markStarted(req.id);
  const file = queue.outputFile(req.id);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  pruneOutputFiles(path.dirname(file));
  const fd = fs.openSync(file, 'a', 0o600);
  let written = 0;
  let session: HostTerminalSession;
  try {
    // PWD names the directory as shown; the shell keeps it because it is the same directory as the one it starts in.
    session = await HostTerminalSession.create({ command: req.command, cwd: place.spawnCwd, env: { ...req.env, PWD: req.cwd }, ...size });
  } catch (err) {
    place.close();
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
  // The child is in the directory now (chdir happens before exec): the descriptor has done its work.
  place.close();
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

/** The process groups of a pty's command: its own (it leads a session) and the terminal's foreground group. */
function processGroups(pid: number): number[] {
  const groups = [pid];
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const tpgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[5]);
    if (Number.isInteger(tpgid) && tpgid > 1 && tpgid !== pid) groups.push(tpgid);
  } catch {
    // no procfs, or already gone: its own group is what is left to signal
  }
  return groups;
}

function signalGroups(groups: readonly number[], signal: NodeJS.Signals | 0): boolean {
  let alive = false;
  for (const g of groups) {
    try {
      process.kill(-g, signal);
      alive = true;
    } catch {
      // ESRCH: that group is empty
    }
  }
  return alive;
}

/**
 * Ends an approved command and its process groups (SIGTERM or SIGHUP to `berth shell`): the signal first, SIGKILL
 * to whatever is left after `graceMs`. A pty's Ctrl+C is not enough (a pager or a trap ignores it). Resolves once
 * the groups are empty and the end is recorded, or after the grace periods. A process that left the groups
 * (setsid, a daemon) is out of reach.
 */
export async function endApprovedRun(run: ApprovedRun, signal: NodeJS.Signals = 'SIGTERM', graceMs = 2000): Promise<void> {
  const groups = processGroups(run.session.pid);
  const settled = run.done.then(() => {}, () => {});
  const until = async (ms: number, check: () => boolean) => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline && !check()) await new Promise((r) => setTimeout(r, 25));
  };
  if (signalGroups(groups, signal)) await until(graceMs, () => !signalGroups(groups, 0));
  if (signalGroups(groups, 0)) signalGroups(groups, 'SIGKILL');
  await Promise.race([settled, new Promise((r) => setTimeout(r, 1000).unref())]);
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
  assertPerson(rt, opts.stdinIsTTY, 'deciding an approval', { action: 'approval.approve', target: `approval/${req.id}` });
  new ApprovalQueue(rt).decide(req.id, 'approved', { actor: rt.actor, reason: `approved and trusted ${suggestion.pattern}` });
  try {
    const rule = await addTrustRule(rt, { pattern: suggestion.argv, action: 'allow', agent: req.agent, ...(req.room ? { room: req.room } : {}) }, opts);
    return `${suggestion.pattern} for agent ${req.agent} (rule ${rule.id})`;
  } catch (err) {
    if (err instanceof ConflictError) return `${suggestion.pattern} for agent ${req.agent} (the rule existed already)`;
    throw new BerthError(`request ${req.id} approved, but the pattern was not saved: ${(err as Error).message}`);
  }
}
