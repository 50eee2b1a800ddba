// The host-commands: host shell commands through the approval queue: requests, trusted patterns, bash parsing, place checks and the approved run.
export { type ApprovalRequest, type ApprovalStatus, APPROVAL_STATUSES } from './approval-types.js';
export { ANNOUNCE_GRACE_MS, ApprovalQueue } from './approval-queue.js';
export { type FileRequestInput, prepareRequest } from './approval-requests.js';
export { commandLine, describeDecision } from './approval-display.js';
export { callerState, currentCaller } from './caller-liveness.js';
export { NO_PAGER_ENV, SAFE_PATH, baseEnvironment, resolveCwd } from './request-environment.js';
export { formatArgv, quoteArg, visibleText } from './quoting.js';
export { approveAndTrust, endApprovedRun, fileShellRequest, startApprovedRun, suggestPattern } from './shell.js';
export { GIT_CONFIG_OVERRIDES, decideHere, gitOverrideEnv } from './trust-place.js';
export {
  type TrustDecision,
  TrustDecisionError,
  addTrustRule,
  evaluateCommand,
  formatPattern,
  loadTrustRules,
  removeTrustRule,
  suggestRule,
  suggestRules,
} from './trust.js';
