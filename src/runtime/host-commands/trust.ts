// Trusted patterns: allow and deny rules over parsed commands, and the fail-closed evaluator that decides whether a
// host command may run without a person (allow), needs one (ask), or is refused (deny). Never matches text.
import { randomBytes } from 'node:crypto';
import { assertPerson, type PersonCheck, withSettingsLock, type TrustRule, BerthError, ConflictError, NotFoundError, UsageError, type Runtime, validateIdentity, validateRoomName } from '../core/index.js';
import { RUNS_OTHER_PROGRAMS, dangerousArgs } from './trust-flags.js';
import type { Construct, ParsedCommand } from './trust-parse.js';
import { quoteArg } from './quoting.js';


export interface TrustDecision {
  decision: 'allow' | 'ask' | 'deny';
  /** Starts with a stable category (`command substitution:`, `no allow rule:`, `deny rule:`, ...), then the detail. */
  reason: string;
  /** The deny rule that refused, or for allow the rule that matched (the first command's). */
  rule?: TrustRule;
  /** For allow: every simple command it judged, as literal argv (where they run is checked next: trust-place.ts). */
  commands?: string[][];
}

export interface TrustInput {
  /** Run as is, no shell. */
  argv?: string[];
  /** Run by bash: parsed, every simple command checked. */
  script?: string;
  /** Variables the request adds to the environment: any at all goes to a person (LD_PRELOAD, GIT_CONFIG_*, ...). */
  env?: Record<string, string>;
}

export interface TrustScope {
  agent?: string;
  room?: string;
}

/** Reason categories besides the syntax constructs of trust-parse.ts. */
export type ReasonCategory =
  | Construct
  | 'allowed'
  | 'deny rule'
  | 'no allow rule'
  | 'runs another program'
  | 'program given by path'
  | 'unusual command name'
  | 'dangerous flag'
  | 'env additions'
  | 'empty command'
  // where an allowed command would run (trust-place.ts)
  | 'working directory'
  | 'repository config';

/** Settings key holding the rules (config.ts `trustRules`). */
export const TRUST_SETTING = 'trustRules' as const;

const COMMAND_NAME = /^[A-Za-z0-9._+-]+$/;
/** C0/C1 controls, DEL, zero-width and bidirectional marks: text a person reviewing the command would not see. */
const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;

function reason(category: ReasonCategory, detail: string): string {
  return `${category}: ${detail}`;
}

/** A pattern or argv as a person would type it (single-quoted where needed). */
/** A pattern or parsed argv as bash would need it typed (quoteArg); `*` stays bare, an argument unknown until run is <?>. */
export function formatPattern(argv: readonly (string | null)[]): string {
  return argv.map((a) => (a === null ? '<?>' : a === '*' ? a : quoteArg(a))).join(' ');
}

function short(text: string): string {
  const t = text.replace(/\s+/g, ' ');
  return t.length > 80 ? `${t.slice(0, 77)}...` : t;
}

/** Whether the rule's pattern is a prefix of argv; `*` is exactly one argument of any value. */
export function matchesPattern(pattern: readonly string[], argv: readonly (string | null)[], opts: { deny?: boolean } = {}): boolean {
  if (!pattern.length || argv.length < pattern.length) return false;
  return pattern.every((p, i) => {
    const a = argv[i];
    if (p === '*') return true;
    if (a === null || a === undefined) return false;
    if (a === p) return true;
    // A deny rule on `rm` also refuses `/bin/rm`: over-matching a deny is the safe direction.
    return Boolean(opts.deny && i === 0 && a.includes('/') && a.slice(a.lastIndexOf('/') + 1) === p);
  });
}

function inScope(rule: TrustRule, scope: TrustScope): boolean {
  return (rule.agent === undefined || rule.agent === scope.agent) && (rule.room === undefined || rule.room === scope.room);
}

/**
 * Decides whether a host command runs without a person. An argv is judged synchronously; a script needs the bash
 * parser (loaded lazily), so its decision is a promise.
 */
export function evaluateCommand(input: TrustInput, rules: readonly TrustRule[], scope: TrustScope): Promise<TrustDecision> | TrustDecision {
  const scoped = rules.filter((r) => inScope(r, scope));
  if (input.script !== undefined && input.argv !== undefined) {
    return { decision: 'ask', reason: reason('unsupported syntax', 'a request has either an argv or a script, not both') };
  }
  if (input.script !== undefined) return evaluateScript(input.script, input.env, scoped);
  const argv = input.argv ?? [];
  return decide([{ argv, text: formatPattern(argv), nested: false }], [], input.env, scoped);
}

async function evaluateScript(script: string, env: TrustInput['env'], rules: readonly TrustRule[]): Promise<TrustDecision> {
  if (!script.trim()) return { decision: 'ask', reason: reason('empty command', 'nothing to run') };
  // Lazy for start-up: trust list/add/remove and the approval queue never parse bash.
  const { parseScript } = await import('./trust-parse.js');
  const parsed = await parseScript(script);
  return decide(parsed.commands, parsed.violations, env, rules);
}

function decide(
  commands: readonly ParsedCommand[],
  violations: readonly { construct: Construct; text: string }[],
  env: TrustInput['env'],
  rules: readonly TrustRule[],
): TrustDecision {
  const deny = rules.filter((r) => r.action === 'deny');
  const allow = rules.filter((r) => r.action === 'allow');
  // Deny first, over every command found, even inside substitutions or after a parse error: a deny always wins.
  for (const c of commands) {
    const rule = deny.find((r) => matchesPattern(r.pattern, c.argv, { deny: true }));
    if (rule) return { decision: 'deny', reason: reason('deny rule', `\`${formatPattern(rule.pattern)}\` (${rule.id}) refuses \`${short(c.text)}\``), rule };
  }
  if (violations.length) {
    const v = violations[0]!;
    return { decision: 'ask', reason: reason(v.construct, `\`${v.text}\``) };
  }
  if (env && Object.keys(env).length) {
    return { decision: 'ask', reason: reason('env additions', `the request sets ${Object.keys(env).sort().join(', ')}`) };
  }
  if (!commands.length) return { decision: 'ask', reason: reason('empty command', 'nothing to run') };
  let first: TrustRule | undefined;
  const matched: string[] = [];
  for (const c of commands) {
    const verdict = judge(c.argv as string[], allow);
    if ('reason' in verdict) return { decision: 'ask', reason: verdict.reason };
    first ??= verdict.rule;
    matched.push(`\`${short(formatPattern(c.argv))}\` by \`${formatPattern(verdict.rule.pattern)}\` (${verdict.rule.id})`);
  }
  return {
    decision: 'allow',
    reason: reason('allowed', `every command matches an allow rule: ${matched.join('; ')}`),
    rule: first,
    commands: commands.map((c) => [...(c.argv as string[])]),
  };
}

/** One fully literal simple command against the allow rules. */
function judge(argv: readonly string[], allow: readonly TrustRule[]): { rule: TrustRule } | { reason: string } {
  const program = argv[0];
  if (argv.some((a) => a === null)) return { reason: reason('unsupported syntax', 'a word is not plain text') };
  if (!program) return { reason: reason('empty command', 'no program named') };
  const text = short(formatPattern(argv));
  if (program.includes('/')) return { reason: reason('program given by path', `\`${program}\` is run by path, not looked up by name`) };
  if (!COMMAND_NAME.test(program)) {
    return { reason: reason('unusual command name', `\`${JSON.stringify(program).slice(1, -1)}\` has characters outside A-Z a-z 0-9 . _ + - (Unicode look-alike, control or blank)`) };
  }
  const hidden = argv.findIndex((a) => HIDDEN.test(a));
  if (hidden >= 0) return { reason: reason('control character', `argument ${hidden} of \`${program}\` holds a control, zero-width or bidirectional character`) };
  const candidates = allow.filter((r) => matchesPattern(r.pattern, argv));
  if (RUNS_OTHER_PROGRAMS.has(program) && !candidates.some((r) => r.pattern[0] === program)) {
    return { reason: reason('runs another program', `\`${program}\` runs other programs or code (\`${text}\`); only a rule naming ${program} itself can allow it`) };
  }
  if (!candidates.length) return { reason: reason('no allow rule', `nothing allows \`${text}\``) };
  let danger: string | undefined;
  for (const rule of candidates) {
    if (RUNS_OTHER_PROGRAMS.has(program) && rule.pattern[0] !== program) continue;
    const named = new Set(rule.pattern.map((p, i) => (p === '*' ? -1 : i)).filter((i) => i >= 0));
    const bad = dangerousArgs(argv, { named });
    if (!bad) return { rule };
    danger ??= bad;
  }
  return { reason: reason('dangerous flag', danger ?? `\`${text}\``) };
}

/** Programs whose first argument names a subcommand (`git log`, `docker ps`): a suggestion keeps it. */
const SUBCOMMAND_PROGRAMS = new Set(['git', 'docker', 'podman', 'npm', 'pnpm', 'yarn', 'cargo', 'go', 'kubectl', 'helm', 'gh', 'pip', 'pip3', 'systemctl', 'journalctl', 'berth', 'apt', 'brew']);

/**
 * The rule to offer when a person approves a command and wants to trust it: the program, plus its subcommand for
 * programs that have them (`git log`). Undefined when no safe rule fits (a path, a shell or wrapper, odd names).
 */
export function suggestRule(argv: readonly string[]): string[] | undefined {
  const [program, next] = argv;
  if (!program || program.includes('/') || !COMMAND_NAME.test(program) || RUNS_OTHER_PROGRAMS.has(program)) return undefined;
  if (SUBCOMMAND_PROGRAMS.has(program) && next && /^[a-z][a-z0-9-]*$/.test(next)) return [program, next];
  return [program];
}

/**
 * The rules to offer for a whole request: one per distinct simple command (a script's `git log | grep x` offers
 * `git log` and `grep`); commands no safe rule fits are left out.
 */
export async function suggestRules(input: TrustInput): Promise<string[][]> {
  let commands: (string | null)[][];
  if (input.script !== undefined) {
    // Lazy for start-up, as above.
    const { parseScript } = await import('./trust-parse.js');
    commands = (await parseScript(input.script)).commands.filter((c) => !c.nested).map((c) => c.argv);
  } else commands = [input.argv ?? []];
  const out = new Map<string, string[]>();
  for (const argv of commands) {
    if (argv[0] === null) continue;
    // A word that is not plain text (an expansion) never becomes part of a suggestion.
    const rule = suggestRule(argv.map((a) => a ?? ''));
    if (rule) out.set(rule.join('\0'), rule);
  }
  return [...out.values()];
}

function isRule(value: unknown): value is TrustRule {
  const r = value as TrustRule;
  return (
    !!r &&
    typeof r.id === 'string' &&
    Array.isArray(r.pattern) &&
    r.pattern.length > 0 &&
    r.pattern.every((p) => typeof p === 'string') &&
    (r.action === 'allow' || r.action === 'deny') &&
    (r.agent === undefined || typeof r.agent === 'string') &&
    (r.room === undefined || typeof r.room === 'string')
  );
}

/** The rules from config; malformed entries are dropped (so they never allow anything). */
export async function loadTrustRules(rt: Runtime): Promise<TrustRule[]> {
  const stored = (await rt.setting(TRUST_SETTING)) as unknown;
  return Array.isArray(stored) ? stored.filter(isRule) : [];
}

export interface AddRuleOptions {
  pattern: string[];
  action?: 'allow' | 'deny';
  agent?: string;
  room?: string;
}

/** Checks a pattern before it is stored: one clear line for what is wrong. */
export function validatePattern(pattern: readonly string[], action: 'allow' | 'deny'): string[] {
  if (!pattern.length) throw new UsageError(action === 'deny' ? 'name the command to refuse after --, e.g. berth trust add --deny -- rm' : 'name the command to trust after --, e.g. berth trust add -- git log');
  pattern.forEach((p, i) => {
    if (p === '') throw new UsageError(`pattern word ${i + 1} is empty`);
    if (HIDDEN.test(p) || /[\n\r]/.test(p)) throw new UsageError(`pattern word ${i + 1} holds a control or invisible character`);
  });
  const program = pattern[0]!;
  if (program === '*') {
    if (action === 'allow') throw new UsageError('an allow rule must name its program: `*` as the first word would trust every command');
  } else if (action === 'allow' && (program.includes('/') || !COMMAND_NAME.test(program))) {
    throw new UsageError(`invalid program "${program}": name it as typed (letters, digits, . _ + -), not by path`);
  }
  return [...pattern];
}

/**
 * Adds a rule. Widening trust is a person's act: an allow rule needs `person` (stdin a terminal) and no BERTH_AGENT;
 * a deny rule only narrows trust, so anyone, an agent too, may add one.
 */
export async function addTrustRule(rt: Runtime, opts: AddRuleOptions, person?: PersonCheck): Promise<TrustRule> {
  const action = opts.action ?? 'allow';
  const pattern = validatePattern(opts.pattern, action);
  const agent = opts.agent !== undefined ? validateIdentity(opts.agent, '--agent') : undefined;
  const room = opts.room !== undefined ? validateRoomName(opts.room) : undefined;
  if (action === 'allow') assertPerson(rt, Boolean(person?.stdinIsTTY), 'adding an allow rule', { action: 'trust.add', target: pattern.join(' ') });
  return withSettingsLock(rt, async (settings) => {
    const rules = (settings.get(TRUST_SETTING) ?? []).filter(isRule);
    const same = rules.find((r) => r.action === action && r.agent === agent && r.room === room && r.pattern.join('\0') === pattern.join('\0'));
    if (same) throw new ConflictError(`the ${action} rule \`${formatPattern(pattern)}\` already exists (${same.id})`);
    const rule: TrustRule = {
      id: newId(rules),
      pattern,
      action,
      ...(agent ? { agent } : {}),
      ...(room ? { room } : {}),
      createdAt: new Date().toISOString(),
      createdBy: rt.actor,
    };
    return rt.audit.record(
      { actor: rt.actor, action: 'trust.add', target: rule.id, details: { pattern, rule: action, agent, room } },
      async () => {
        settings.set(TRUST_SETTING, [...rules, rule]);
        return rule;
      },
    );
  });
}

function newId(rules: readonly TrustRule[]): string {
  for (;;) {
    const id = `t${randomBytes(3).toString('hex')}`;
    if (!rules.some((r) => r.id === id)) return id;
  }
}

/** Removes rules by id, or the rule with exactly this pattern (and scope): a person's act (a deny rule too). */
export async function removeTrustRule(
  rt: Runtime,
  target: { id?: string; pattern?: string[]; action?: 'allow' | 'deny'; agent?: string; room?: string },
  person: PersonCheck,
): Promise<TrustRule> {
  const pattern = target.pattern;
  if (target.id === undefined && !pattern?.length) throw new UsageError('name the rule to remove: its id, or its pattern after --');
  assertPerson(rt, person.stdinIsTTY, 'removing a trust rule', { action: 'trust.remove' });
  return withSettingsLock(rt, async (settings) => {
    const rules = (settings.get(TRUST_SETTING) ?? []).filter(isRule);
    let found: TrustRule[];
    if (target.id !== undefined || !pattern) {
      found = rules.filter((r) => r.id === target.id);
      if (!found.length) throw new NotFoundError(`no trust rule with id "${target.id}" (berth trust list shows them)`);
    } else {
      const key = pattern.join('\0');
      found = rules.filter(
        (r) =>
          r.pattern.join('\0') === key &&
          (target.action === undefined || r.action === target.action) &&
          r.agent === target.agent &&
          r.room === target.room,
      );
      if (!found.length) throw new NotFoundError(`no trust rule \`${formatPattern(pattern)}\`${target.agent ? ` for agent ${target.agent}` : ''}${target.room ? ` in room ${target.room}` : ''}`);
      if (found.length > 1) throw new ConflictError(`\`${formatPattern(pattern)}\` is both an allow and a deny rule: remove one by id`);
    }
    const rule = found[0]!;
    return rt.audit.record(
      { actor: rt.actor, action: 'trust.remove', target: rule.id, details: { pattern: rule.pattern, rule: rule.action, agent: rule.agent, room: rule.room } },
      async () => {
        settings.set(TRUST_SETTING, rules.filter((r) => r.id !== rule.id));
        return rule;
      },
    );
  });
}

/** Thrown by callers that turn a decision into an exit code (trust check): 1 for ask, 6 for deny. */
export class TrustDecisionError extends BerthError {
  constructor(readonly result: TrustDecision) {
    super(result.decision === 'deny' ? 'refused by a deny rule' : 'not auto-approved: a person decides', result.decision === 'deny' ? 'denied' : 'failure');
  }
}
