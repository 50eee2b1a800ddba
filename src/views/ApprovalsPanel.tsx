// The Approvals view's drawing: the queue (pending first), the selected request in full — its command highlighted
// argument by argument, exactly as it will be spawned — and the approved command's live output.
import React from 'react';
import { Box, Text } from 'ink';
import type { ApprovalsSnapshot, OutputSnapshot } from '../app/approvals-store.js';
import { commandLine, quoteArg, visibleText, type ApprovalRequest } from '../runtime/approvals.js';
import { formatAge, formatDuration, truncate } from '../runtime/format.js';

export interface ApprovalsPanelProps {
  snapshot: ApprovalsSnapshot;
  output: OutputSnapshot;
  cursor: number;
  width: number;
  height: number;
  now: number;
  /** A suggested trust pattern being confirmed (approve-and-trust), shown before it is saved. */
  suggestion?: string;
}

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

function stateText(r: ApprovalRequest): string {
  if (r.status !== 'approved') return r.status;
  if (r.exitCode !== null) return `exit ${r.exitCode}`;
  if (r.endReason === 'caller-lost') return 'lost';
  if (r.endReason === 'not-run') return 'not run';
  return r.startedAt ? 'running' : 'approved';
}

/** The command as it will be spawned: the program bold, each argument its own colour, so boundaries are visible. */
export function HighlightedCommand({ req, width }: { req: ApprovalRequest; width: number }) {
  if (req.kind === 'script') {
    const lines = visibleText(req.script ?? '').split('\n');
    return (
      <Box flexDirection="column">
        <Text wrap="wrap">
          <Text bold color="cyan">{quoteArg(req.command[0]!)}</Text> <Text color="magenta">-c</Text> <Text dimColor>script:</Text>
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
    <Box width={width}>
      <Text wrap="wrap">
        <Text bold color="cyan">{quoteArg(program!)}</Text>
        {args.map((a, i) => (
          <Text key={i} color={i % 2 === 0 ? 'yellowBright' : 'greenBright'}>
            {' '}
            {quoteArg(a)}
          </Text>
        ))}
      </Text>
    </Box>
  );
}

function Detail({ req, width, now }: { req: ApprovalRequest; width: number; now: number }) {
  const added = Object.entries(req.envAdded);
  const label = (text: string) => <Text dimColor>{text.padEnd(9)}</Text>;
  const expiresIn = Date.parse(req.expiresAt) - now;
  return (
    <Box flexDirection="column">
      <HighlightedCommand req={req} width={width} />
      {req.kind === 'argv' && req.argv && req.argv[0] !== req.command[0] ? (
        <Text wrap="truncate">
          {label('asked as')}
          {truncate(commandLine({ kind: 'argv', command: req.argv, script: null }), width - 10)}
        </Text>
      ) : null}
      <Text wrap="truncate">
        {label('cwd')}
        {req.cwd}
      </Text>
      <Text wrap="truncate">
        {label('agent')}
        <Text color="cyan">{req.agent}</Text>
        {req.room ? <Text dimColor> room </Text> : null}
        {req.room ?? ''}
        <Text dimColor> requested </Text>
        {formatAge(req.createdAt, now)}
        {req.status === 'pending' ? (
          <>
            <Text dimColor> expires in </Text>
            {formatDuration(Math.max(0, expiresIn))}
          </>
        ) : null}
      </Text>
      <Text wrap="wrap">
        {label('env')}
        {added.length ? <Text color="magenta">{added.map(([k, v]) => quoteArg(`${k}=${v}`)).join(' ')}</Text> : <Text dimColor>no additions (PATH={req.env.PATH})</Text>}
      </Text>
      {req.status !== 'pending' ? (
        <Text wrap="truncate">
          {label('decided')}
          <Text color={statusColor(req)}>{req.status}</Text>
          {req.decidedVia === 'rule' ? ` by trusted pattern ${req.decidedBy}` : req.decidedVia === 'person' ? ` by ${req.decidedBy}` : ''}
          {req.reason ? <Text dimColor> ({req.reason})</Text> : null}
        </Text>
      ) : null}
    </Box>
  );
}

export function ApprovalsPanel({ snapshot, output, cursor, width, height, now, suggestion }: ApprovalsPanelProps) {
  const { requests } = snapshot;
  const selected = requests[cursor];
  const inner = Math.max(30, width - 4);
  const listRows = Math.max(1, Math.min(requests.length || 1, Math.floor((height - 4) / 3)));
  const start = Math.min(Math.max(0, cursor - listRows + 1), Math.max(0, requests.length - listRows));
  const w = { id: 5, state: 10, agent: 12, age: 9 };
  const cmdWidth = Math.max(8, inner - w.id - w.state - w.agent - w.age - 4);
  const row = (cells: string[]) =>
    [cells[0]!.padEnd(w.id), truncate(cells[1]!, w.state).padEnd(w.state), truncate(cells[2]!, w.agent).padEnd(w.agent), truncate(cells[3]!, cmdWidth).padEnd(cmdWidth), cells[4]!].join(' ');
  const outputRows = Math.max(0, height - 2 - 1 - listRows - 9);
  const shownOutput = output.id !== undefined && output.id === selected?.id ? output.lines.slice(-Math.max(1, outputRows)) : [];
  return (
    <Box flexDirection="column" height={height} borderStyle="round" borderColor={snapshot.pending ? 'yellow' : 'cyan'} paddingX={1}>
      <Text bold wrap="truncate">
        Approvals{' '}
        <Text color={snapshot.pending ? 'yellow' : undefined} dimColor={!snapshot.pending}>
          ({snapshot.pending} pending)
        </Text>
        <Text dimColor> host commands agents asked to run · a approve · d deny · t approve and trust</Text>
      </Text>
      {snapshot.error ? <Text color="red">{snapshot.error}</Text> : null}
      <Text dimColor wrap="truncate">
        {row(['#', 'STATE', 'AGENT', 'COMMAND', 'AGE'])}
      </Text>
      {requests.length === 0 ? <Text dimColor>no requests: agents ask with berth shell --agent NAME -- CMD</Text> : null}
      {requests.slice(start, start + listRows).map((r, i) => (
        <Text key={r.id} inverse={start + i === cursor} wrap="truncate">
          {String(r.id).padEnd(w.id)} <Text color={statusColor(r)}>{stateText(r).padEnd(w.state)}</Text> {truncate(r.agent, w.agent).padEnd(w.agent)}{' '}
          {truncate(commandLine(r), cmdWidth).padEnd(cmdWidth)} {formatAge(r.createdAt, now)}
        </Text>
      ))}
      {selected ? (
        <Box flexDirection="column" marginTop={1}>
          <Text bold>
            Request {selected.id}{' '}
            <Text color={statusColor(selected)}>{stateText(selected)}</Text>
          </Text>
          <Detail req={selected} width={inner} now={now} />
          {suggestion !== undefined ? (
            <Text color="yellow" wrap="wrap">
              approve and trust: saves the allow pattern <Text bold>{suggestion}</Text> for agent {selected.agent} · y save and approve · n cancel
            </Text>
          ) : null}
          {selected.startedAt ? (
            <Box flexDirection="column" marginTop={1}>
              <Text dimColor wrap="truncate">
                output{output.dropped ? ` (${output.dropped} earlier lines dropped)` : ''}
                {selected.endedAt ? ` · ended ${selected.exitCode !== null ? `with exit code ${selected.exitCode}` : `(${selected.endReason})`}` : ' · live'}
              </Text>
              {shownOutput.map((line, i) => (
                <Text key={i} wrap="truncate">
                  {line || ' '}
                </Text>
              ))}
            </Box>
          ) : null}
        </Box>
      ) : null}
    </Box>
  );
}
