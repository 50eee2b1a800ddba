// The host-commands: host shell commands through the approval queue: requests, trusted patterns, bash parsing, place checks and the approved run.
export {
  APPROVAL_STATUSES,
  ApprovalQueue,
  type ApprovalRequest,
  type ApprovalStatus,
  type FileRequestInput,
  NO_PAGER_ENV,
  SAFE_PATH,
  baseEnvironment,
  callerState,
  commandLine,
  currentCaller,
  describeDecision,
  prepareRequest,
  resolveCwd,
} from './approvals.js';
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
