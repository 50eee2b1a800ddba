// The agents: identities, per-agent limits and workspaces, and admission of container starts under those limits.
export { LimitError } from './admission.js';
export {
  type AgentSummary,
  type LimitsChange,
  admitExisting,
  admitStart,
  applyAgentPolicy,
  ensureWorkspace,
  getAgentLimits,
  listAgents,
  setAgentLimits,
  workspaceDir,
} from './agents.js';
