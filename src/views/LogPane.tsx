// The logs tab: a window of the focused container's capped log (following the newest line unless scrolled back),
// stderr marked, search matches highlighted, timestamps on demand; the lines' own colours kept, nothing else.
import React from 'react';
import { Box } from 'ink';
import { Text } from './Text.js';
import type { LogSnapshot, LogStore } from '../app/log-store.js';
import { cutVisible } from '../runtime/core/index.js';
import type { LogLine } from '../runtime/containers/index.js';

export interface LogPaneProps {
  store: LogStore;
  snapshot: LogSnapshot;
  /** null follows the newest line; else the sequence number of the bottom line. */
  anchor: number | null;
  search: string;
  timestamps: boolean;
  height: number;
  width: number;
}

/** Sequence numbers of the lines shown, oldest first. */
export function logWindow(snapshot: LogSnapshot, anchor: number | null, height: number): { from: number; to: number } {
  const bottom = anchor === null ? snapshot.end - 1 : Math.min(Math.max(anchor, snapshot.first), snapshot.end - 1);
  const from = Math.max(snapshot.first, bottom - height + 1);
  // Near the oldest line, fill the pane downwards rather than leave it half empty.
  return { from, to: Math.min(snapshot.end, from + height) };
}

function Highlighted({ text, term }: { text: string; term: string }) {
  if (!term) return <Text sgr>{text}</Text>;
  const lower = text.toLowerCase();
  const needle = term.toLowerCase();
  const parts: React.ReactNode[] = [];
  let at = 0;
  let hit: number;
  while ((hit = lower.indexOf(needle, at)) >= 0) {
    if (hit > at) parts.push(<Text key={`t${at}`} sgr>{text.slice(at, hit)}</Text>);
    parts.push(
      <Text key={hit} sgr backgroundColor="yellow" color="black">
        {text.slice(hit, hit + needle.length)}
      </Text>,
    );
    at = hit + needle.length;
  }
  if (at < text.length) parts.push(<Text key={`t${at}`} sgr>{text.slice(at)}</Text>);
  return <>{parts}</>;
}

function LogRow({ line, term, timestamps, current, width }: { line: LogLine; term: string; timestamps: boolean; current: boolean; width: number }) {
  const err = line.stream === 'stderr';
  // Cut long lines before rendering: Ink would otherwise measure the whole string. The store escaped the text,
  // keeping its colours: the cut counts what is drawn and never splits a colour sequence.
  const text = cutVisible(line.text, width);
  return (
    <Text wrap="truncate">
      <Text color={err ? 'red' : 'gray'}>{current ? '›' : err ? '┃' : '│'}</Text>
      {timestamps && line.time ? <Text dimColor>{` ${line.time}`}</Text> : null}{' '}
      <Text color={err ? 'red' : undefined}>
        <Highlighted text={text} term={term} />
      </Text>
    </Text>
  );
}

export function LogPane({ store, snapshot, anchor, search, timestamps, height, width }: LogPaneProps) {
  const rows = Math.max(1, height - 1);
  const { from, to } = logWindow(snapshot, anchor, rows);
  const lines: React.ReactNode[] = [];
  for (let seq = from; seq < to; seq++) {
    const line = store.at(seq);
    if (line) lines.push(<LogRow key={seq} line={line} term={search} timestamps={timestamps} current={anchor === seq && !!search} width={width} />);
  }
  const position = anchor === null ? 'following' : `line ${anchor - snapshot.first + 1} of ${snapshot.end - snapshot.first}`;
  const notes = [
    position,
    snapshot.dropped ? `${snapshot.dropped} older lines dropped` : '',
    search ? `search: ${search}` : '',
    snapshot.interrupted ? 'paused: the engine is not answering (resumes when it is back)' : snapshot.ended ? 'log ended (container stopped)' : '',
    snapshot.error && !snapshot.interrupted ? `error: ${snapshot.error}` : '',
  ].filter(Boolean);
  return (
    <Box flexDirection="column" height={height}>
      {snapshot.end === snapshot.first ? <Text dimColor>{snapshot.ended ? 'no log lines' : 'waiting for log lines…'}</Text> : null}
      <Box flexDirection="column" flexGrow={1}>
        {lines}
      </Box>
      <Text dimColor wrap="truncate">
        {notes.join(' · ')}
      </Text>
    </Box>
  );
}
