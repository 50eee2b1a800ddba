// The person check: acts only a person may do (deciding approvals, allow rules, agent limits) refuse agents and pipes.
import { BerthError } from './errors.js';

/** What a person-only act needs to know about its caller: whether stdin is a terminal. */
export interface PersonCheck {
  stdinIsTTY: boolean;
}

/** Who asks, and where a refused attempt is recorded (the runtime has both). */
export interface PersonCaller {
  env: NodeJS.ProcessEnv;
  actor: string;
  audit: { append(entry: { actor: string; action: string; target: string; result: 'ok' | 'error'; error?: string; details?: Record<string, unknown> }): unknown };
}

/**
 * A person's act (deciding an approval, adding an allow rule, removing a rule, setting an agent's limits, showing
 * secrets): refused when the environment names an agent or stdin is not a terminal. A refused attempt is audited
 * (who, what, why): it is what an audit log exists for. (A process that fakes a terminal gets past the second check;
 * the audit log still names who acted.)
 */
export function assertPerson(rt: PersonCaller, stdinIsTTY: boolean, act = 'deciding an approval', what: { action?: string; target?: string } = {}): void {
  const why = rt.env.BERTH_AGENT
    ? `refused for agent ${rt.env.BERTH_AGENT} (BERTH_AGENT is set)`
    : !stdinIsTTY
      ? 'refused because stdin is not a terminal'
      : undefined;
  if (!why) return;
  const message = `${act} is a person's act: ${why}`;
  try {
    rt.audit.append({ actor: rt.actor, action: what.action ?? 'person-act', target: what.target ?? act, result: 'error', error: message, details: { refused: act } });
  } catch {
    // the refusal stands whether or not it could be recorded
  }
  throw new BerthError(message, 'denied');
}
