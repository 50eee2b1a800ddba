// What the trust commands share: the words after `--` exactly as typed, and the rule table.
import type { Argv } from 'yargs';
import { formatPattern } from '../../runtime/host-commands/index.js';
import { type TrustRule } from '../../runtime/core/index.js';
import type { Column } from '../output.js';

/**
 * The words after `--`, as typed: yargs would turn `0x1` or `1e3` into numbers, and a rule or a check must see
 * the exact argv that would run.
 */
export function exactWords<T>(y: Argv<T>): Argv<T> {
  return y.parserConfiguration({ 'parse-positional-numbers': false });
}

export function trailingWords(argv: { _: (string | number)[]; words?: (string | number)[] }, depth: number): string[] {
  return [...(argv.words ?? []), ...argv._.slice(depth)].map(String);
}

export const ruleColumns: Column<TrustRule>[] = [
  { header: 'ID', value: (r) => r.id },
  { header: 'ACTION', value: (r) => r.action },
  { header: 'PATTERN', value: (r) => formatPattern(r.pattern), flex: true },
  { header: 'AGENT', value: (r) => r.agent ?? '*' },
  { header: 'ROOM', value: (r) => r.room ?? '*' },
  { header: 'CREATED', value: (r) => r.createdAt, wide: true },
  { header: 'BY', value: (r) => r.createdBy, wide: true },
];
