// The Approvals view's drawing: the queue (pending first), the selected request in full — its command highlighted
// argument by argument, exactly as it will be spawned — and the approved command's live output.
import React from 'react';
import { Box } from 'ink';
import { Text } from './Text.js';
import type { ApprovalsSnapshot, OutputSnapshot } from '../app/approvals-store.js';
import { commandLine, quoteArg, visibleText, type ApprovalRequest } from '../runtime/host-commands/index.js';
import { formatAge, formatDuration, truncate } from '../runtime/core/index.js';

export function statusColor(r: ApprovalRequest): string {
  switch (r.status) {
    case 'pending':
      return 'yellow';
    case 'approved':
      return r.exitCode === null || r.exitCode === 0 ? 'green' : 'red';
    case 'denied':
      return 'red';
    default:
      return 'gray';
  }
}

export function stateText(r: ApprovalRequest): string {
  if (r.status !== 'approved') return r.status;
  if (r.exitCode !== null) return `exit ${r.exitCode}`;
  if (r.endReason === 'caller-lost') return 'lost';
  if (r.endReason === 'not-run') return 'not run';
  return r.startedAt ? 'running' : 'approved';
}

export interface ApprovalListProps {
  snapshot: ApprovalsSnapshot;
  cursor: number;
  width: number;
  height: number;
  now: number;
}

/** Border, title and header take four rows. */
export function listRows(height: number): number {
  return Math.max(1, height - 4);
}

export function ApprovalList({ snapshot, cursor, width, height, now }: ApprovalListProps) {
  const { requests } = snapshot;
  const visible = listRows(height);
  const start = Math.min(Math.max(0, cursor - visible + 1), Math.max(0, requests.length - visible));
  const inner = Math.max(20, width - 4);
  const showAgent = inner >= 50;
  const showAge = inner >= 40;
  const w = { id: 4, state: 9, agent: 10, age: 8 };
  const cmd = Math.max(6, inner - w.id - w.state - (showAgent ? w.agent + 1 : 0) - (showAge ? w.age + 1 : 0) - 2);
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={snapshot.pending ? 'yellow' : 'cyan'} paddingX={1}>
      <Text bold wrap="truncate">
        Approvals{' '}
        <Text color={snapshot.pending ? 'yellow' : undefined} dimColor={!snapshot.pending}>
          ({snapshot.pending} pending)
        </Text>
      </Text>
      <Text dimColor wrap="truncate">
        {'#'.padEnd(w.id)} {'STATE'.padEnd(w.state)} {showAgent ? `${'AGENT'.padEnd(w.agent)} ` : ''}
        {'COMMAND'.padEnd(cmd)}
        {showAge ? ` ${'AGE'}` : ''}
      </Text>
      {snapshot.error ? (
        <Text color="red" wrap="truncate">
          {snapshot.error}
        </Text>
      ) : null}
      {requests.length === 0 ? (
        <Text dimColor wrap="truncate">
          no requests: agents ask with berth shell --agent NAME -- CMD
        </Text>
      ) : null}
      {requests.slice(start, start + visible).map((r, i) => (
        <Text key={r.id} inverse={start + i === cursor} wrap="truncate">
          {String(r.id).padEnd(w.id)} <Text color={statusColor(r)}>{truncate(stateText(r), w.state).padEnd(w.state)}</Text>{' '}
          {showAgent ? `${truncate(r.agent, w.agent).padEnd(w.agent)} ` : ''}
          {truncate(commandLine(r), cmd).padEnd(cmd)}
          {showAge ? ` ${formatAge(r.createdAt, now).replace(' ago', '')}` : ''}
        </Text>
      ))}
    </Box>
  );
}

/** The command as it will be spawned: the program bold, each argument its own colour, so boundaries are visible. */
export function HighlightedCommand({ req }: { req: ApprovalRequest }) {
  if (req.kind === 'script') {
    const lines = visibleText(req.script ?? '').split('\n');
    return (
      <Box flexDirection="column">
        <Text wrap="wrap">
          <Text bold color="cyan">
            {quoteArg(req.command[0]!)}
          </Text>{' '}
          <Text color="magenta">{req.command.slice(1, -1).map(quoteArg).join(' ')}</Text> <Text dimColor>with this script:</Text>
        </Text>
        {lines.map((line, i) => (
          <Text key={i} wrap="wrap" color="yellowBright">
            <Text dimColor>{String(i + 1).padStart(3)} │ </Text>
            {line}
          </Text>
        ))}
      </Box>
    );
  }
  const [program, ...args] = req.command;
  return (
    <Text wrap="wrap">
      <Text bold color="cyan">
        {quoteArg(program!)}
      </Text>
      {args.map((a, i) => (
        <Text key={i} color={i % 2 === 0 ? 'yellowBright' : 'greenBright'} bold>
          {' '}
          {quoteArg(a)}
        </Text>
      ))}
    </Text>
  );
}

export interface ApprovalDetailProps {
  req: ApprovalRequest | undefined;
  output: OutputSnapshot;
  width: number;
  height: number;
  now: number;
  /** Whether decisions are possible here (not when BERTH_AGENT is set): the hint line says so. */
  canDecide: boolean;
}

export function ApprovalDetail({ req, output, width, height, now, canDecide }: ApprovalDetailProps) {
  const label = (text: string) => <Text dimColor>{text.padEnd(9)}</Text>;
  if (!req) {
    return (
      <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor="gray" paddingX={1}>
        <Text dimColor wrap="truncate">
          no request selected
        </Text>
      </Box>
    );
  }
  const added = Object.entries(req.envAdded);
  const expiresIn = Date.parse(req.expiresAt) - now;
  // Title, command (at least a line), cwd, agent, env, decided, hint: what is left shows output.
  const commandRows = req.kind === 'script' ? (req.script ?? '').split('\n').length + 1 : Math.ceil(commandLine(req).length / Math.max(10, width - 4));
  const outputRows = Math.max(1, height - 2 - 7 - commandRows - (req.status !== 'pending' ? 1 : 0) - 1);
  const lines = output.id === req.id ? output.lines.slice(-outputRows) : [];
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={req.status === 'pending' ? 'yellow' : 'cyan'} paddingX={1} overflow="hidden">
      <Text bold wrap="truncate">
        Request {req.id} <Text color={statusColor(req)}>{stateText(req)}</Text>
        {req.status === 'pending' ? <Text dimColor> expires in {formatDuration(Math.max(0, expiresIn))}</Text> : null}
      </Text>
      <HighlightedCommand req={req} />
      {req.kind === 'argv' && req.argv && req.argv[0] !== req.command[0] ? (
        <Text wrap="truncate">
          {label('asked as')}
          {commandLine({ kind: 'argv', command: req.argv, script: null })}
        </Text>
      ) : null}
      <Text wrap="truncate">
        {label('cwd')}
        {req.cwd}
      </Text>
      <Text wrap="truncate">
        {label('agent')}
        <Text color="cyan">{req.agent}</Text>
        {req.room ? ` · room ${req.room}` : ''}
        {req.requestedVia ? ` · via ${req.requestedVia}` : ''}
        <Text dimColor> · asked {formatAge(req.createdAt, now)} · pid {req.caller.pid}</Text>
      </Text>
      <Text wrap="truncate">
        {label('env')}
        {added.length ? <Text color="magenta">{added.map(([k, v]) => quoteArg(`${k}=${v}`)).join(' ')}</Text> : <Text dimColor>no additions (fixed PATH, HOME, USER, TERM, LANG)</Text>}
      </Text>
      {req.status !== 'pending' ? (
        <Text wrap="truncate">
          {label('decided')}
          <Text color={statusColor(req)}>{req.status}</Text>
          {req.decidedVia === 'rule' ? ` by trusted pattern ${req.decidedBy}` : req.decidedVia === 'person' ? ` by ${req.decidedBy}` : ''}
          {req.reason ? <Text dimColor> ({req.reason})</Text> : null}
        </Text>
      ) : (
        <Text color="yellow" wrap="truncate">
          {canDecide ? 'a approve · d deny · t approve and trust' : 'deciding is a person\'s act: BERTH_AGENT is set here'}
        </Text>
      )}
      {req.startedAt ? (
        <Box flexDirection="column">
          <Text dimColor wrap="truncate">
            ── output{output.dropped ? ` (${output.dropped} earlier lines dropped)` : ''}
            {req.endedAt ? ` · ended ${req.exitCode !== null ? `with exit code ${req.exitCode}` : `(${req.endReason})`}` : ' · live'} ──
          </Text>
          {lines.map((line, i) => (
            <Text key={i} wrap="truncate">
              {line || ' '}
            </Text>
          ))}
        </Box>
      ) : null}
    </Box>
  );
}
