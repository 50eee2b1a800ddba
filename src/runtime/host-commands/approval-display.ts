// Showing a request: its one-line command, who decided it and how (the quoting itself is quoting.ts).
import type { ApprovalRequest, TrustRuleLike } from './approval-types.js';
import { formatArgv } from './quoting.js';

/** The one-line summary tables use: the command as spawned (a script request shows its shell and the script). */
export function commandLine(req: Pick<ApprovalRequest, 'kind' | 'command' | 'script'>): string {
  return formatArgv(req.command);
}

/** The name a trusted pattern is shown and recorded by. */
export function ruleName(rule: TrustRuleLike | null): string {
  if (!rule) return 'trust rule';
  const pattern = rule.pattern ?? rule.argv ?? rule.prefix ?? rule.id;
  if (Array.isArray(pattern)) return formatArgv(pattern.map(String));
  return pattern !== undefined ? String(pattern) : JSON.stringify(rule);
}

/** "approved by alice", "denied by rule git log", "expired", "cancelled (the caller (pid 9) is gone)". */
export function describeDecision(req: ApprovalRequest): string {
  switch (req.decidedVia) {
    case 'person':
      return `${req.status} by ${req.decidedBy}${req.reason ? ` (${req.reason})` : ''}`;
    case 'rule':
      return `${req.status} by trusted pattern ${req.decidedBy}${req.reason ? ` (${req.reason})` : ''}`;
    case 'expiry':
      return `${req.status}: nobody decided before ${req.expiresAt}`;
    case 'caller':
      return `${req.status}${req.reason ? ` (${req.reason})` : ''}`;
    default:
      return req.status;
  }
}
