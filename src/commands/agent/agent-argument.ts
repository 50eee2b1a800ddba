// The AGENT positional of the agent commands: checked as --agent is, and named as what was typed (an argument, not a flag).
import { UsageError, validateIdentity } from '../../runtime/core/index.js';

export function agentArgument(agent: string): string {
  try {
    return validateIdentity(agent, '--agent');
  } catch {
    throw new UsageError(`invalid agent name "${agent.slice(0, 40)}": use letters, digits and _ . @ -`);
  }
}
