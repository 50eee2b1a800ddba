// What an approval request is: the command as prepared (program, cwd, environment, caller) and, once filed, its
// place in the queue (status, who decided and how, how its run ended).
import type { CallerIdentity } from './caller-liveness.js';

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled';
export const APPROVAL_STATUSES: readonly ApprovalStatus[] = ['pending', 'approved', 'denied', 'expired', 'cancelled'];
/** How a request left pending: a person, a trusted pattern, its deadline, or its caller going away. */
export type DecidedVia = 'person' | 'rule' | 'expiry' | 'caller';
/** How an approved request's run ended: the command exited, the caller died while it ran, or before it started. */
export type EndReason = 'exited' | 'caller-lost' | 'not-run';

export interface TrustRuleLike {
  [key: string]: unknown;
}

/** The trust evaluator's answer (trust.ts); 'ask' sends the request to a person. */
export interface TrustVerdict {
  decision: 'allow' | 'ask' | 'deny';
  reason: string;
  rule?: TrustRuleLike;
}

/** A request validated and resolved (program, cwd, environment), before it is stored. */
export interface PreparedRequest {
  agent: string;
  room: string | null;
  kind: 'argv' | 'script';
  /** The argv as the agent gave it (argv requests). */
  argv: string[] | null;
  /** The script text (script requests), run by `bash --norc --noprofile -c` (the last element of command). */
  script: string | null;
  /** Exactly what is spawned: the program's absolute path and its arguments. */
  command: string[];
  cwd: string;
  /** The command's whole environment: the fixed base plus the additions. */
  env: Record<string, string>;
  /** What the request adds to (or overrides in) the base environment. */
  envAdded: Record<string, string>;
  timeoutMs: number;
  /** Who asked: a holder identity (pid, process start time, host, boot id). */
  caller: CallerIdentity;
  /** Through berth serve: the token (name and id) or API user that filed it; null on the command line. */
  requestedVia: string | null;
}

/** A filed request: what was prepared (less its timeout, which became expiresAt) and its place in the queue. */
export interface ApprovalRequest extends Omit<PreparedRequest, 'timeoutMs'> {
  id: number;
  status: ApprovalStatus;
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
  decidedVia: DecidedVia | null;
  reason: string | null;
  rule: TrustRuleLike | null;
  startedAt: string | null;
  endedAt: string | null;
  exitCode: number | null;
  endReason: EndReason | null;
}
