// What the approvals commands share: table columns, the request id argument, and the full request as key/value lines.
import { commandLine, formatArgv, visibleText, type ApprovalRequest } from '../../runtime/host-commands/index.js';
import { UsageError, formatAge } from '../../runtime/core/index.js';
import type { Column } from '../output.js';

export const approvalColumns: Column<ApprovalRequest>[] = [
  { header: 'ID', value: (r) => String(r.id) },
  { header: 'STATUS', value: (r) => r.status },
  { header: 'AGENT', value: (r) => r.agent },
  { header: 'COMMAND', value: (r) => commandLine(r), flex: true },
  { header: 'CWD', value: (r) => r.cwd, flex: true },
  { header: 'ENV', value: (r) => Object.keys(r.envAdded).join(',') || '-', wide: true },
  { header: 'CREATED', value: (r) => formatAge(r.createdAt) },
  { header: 'DECIDED BY', value: (r) => decidedBy(r) },
  { header: 'EXIT', value: (r) => exitText(r) },
  { header: 'ROOM', value: (r) => r.room ?? '-', wide: true },
];

export function decidedBy(r: ApprovalRequest): string {
  if (!r.decidedVia) return '-';
  if (r.decidedVia === 'rule') return `rule ${r.decidedBy}`;
  if (r.decidedVia === 'person') return r.decidedBy ?? '-';
  return r.decidedVia === 'expiry' ? 'deadline' : 'caller';
}

export function exitText(r: ApprovalRequest): string {
  if (r.exitCode !== null) return String(r.exitCode);
  if (r.endReason === 'caller-lost') return 'lost';
  if (r.endReason === 'not-run') return 'not run';
  return r.startedAt ? 'running' : '-';
}

export function parseRequestId(value: unknown): number {
  const text = String(value ?? '').trim();
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`invalid request id "${text}": use the number berth approvals list shows`);
  return Number(text);
}

/** Every field a person needs to decide, each on its own line; the command exactly as it will be spawned. */
export function requestPairs(r: ApprovalRequest): [string, string | string[]][] {
  const pairs: [string, string | string[]][] = [
    ['id', String(r.id)],
    ['status', r.status],
    ['agent', r.agent],
  ];
  if (r.requestedVia) pairs.push(['via', r.requestedVia]);
  if (r.room) pairs.push(['room', r.room]);
  if (r.kind === 'script') {
    pairs.push(['runs', `${formatArgv(r.command.slice(0, -1))} SCRIPT`]);
    pairs.push(['script', visibleText(r.script ?? '').split('\n').map((l) => `  | ${l}`)]);
  } else pairs.push(['command', formatArgv(r.command)]);
  if (r.kind === 'argv' && r.argv && r.argv[0] !== r.command[0]) pairs.push(['asked as', formatArgv(r.argv)]);
  pairs.push(['cwd', r.cwd]);
  const added = Object.entries(r.envAdded);
  pairs.push(['env added', added.length ? added.map(([k, v]) => formatArgv([`${k}=${v}`])).join(' ') : '(none)']);
  pairs.push(['environment', Object.entries(r.env).map(([k, v]) => formatArgv([`${k}=${v}`])).join(' ')]);
  pairs.push(['requested', `${r.createdAt} (${formatAge(r.createdAt)})`]);
  pairs.push(['expires', r.expiresAt]);
  pairs.push(['caller', `pid ${r.caller.pid} on ${r.caller.host}`]);
  if (r.decidedAt) pairs.push(['decided', `${r.decidedAt} by ${decidedBy(r)}`]);
  if (r.reason) pairs.push(['reason', r.reason]);
  if (r.startedAt) pairs.push(['started', r.startedAt]);
  if (r.endedAt) pairs.push(['ended', `${r.endedAt} (${r.endReason})`]);
  if (r.exitCode !== null) pairs.push(['exit code', String(r.exitCode)]);
  return pairs;
}
