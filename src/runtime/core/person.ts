// The person check: acts only a person may do (deciding approvals, allow rules, agent limits) refuse agents and pipes.
import { BerthError } from './errors.js';

/** What a person-only act needs to know about its caller: whether stdin is a terminal. */
export interface PersonCheck {
  stdinIsTTY: boolean;
}

/**
 * A person's act (deciding an approval, adding an allow rule, removing a rule, setting an agent's limits): refused
 * when the environment names an agent or stdin is not a terminal. (A process that fakes a terminal gets past the
 * second check; the audit log still names who acted.)
 */
export function assertPerson(env: NodeJS.ProcessEnv, stdinIsTTY: boolean, act = 'deciding an approval'): void {
  if (env.BERTH_AGENT) throw new BerthError(`${act} is a person's act: refused for agent ${env.BERTH_AGENT} (BERTH_AGENT is set)`, 'denied');
  if (!stdinIsTTY) throw new BerthError(`${act} is a person's act: refused because stdin is not a terminal`, 'denied');
}
