// What the container commands share: the table columns, `-- CMD...` arguments, and pull progress on a terminal.
import { StringDecoder } from 'node:string_decoder';
import type { PullProgress, ContainerSummary } from '../../runtime/containers/index.js';
import { formatAge, formatPorts, shortId } from '../../runtime/core/index.js';
import type { CliContext } from '../context.js';
import type { Column } from '../output.js';

export const containerColumns: Column<ContainerSummary>[] = [
  { header: 'NAME', value: (c) => c.name },
  { header: 'ID', value: (c) => shortId(c.id), wide: true },
  { header: 'AGENT', value: (c) => (c.role ? `${c.agent} (${c.role})` : c.agent || '-') },
  { header: 'IMAGE', value: (c) => c.image, flex: true },
  { header: 'STATE', value: (c) => c.state },
  { header: 'STATUS', value: (c) => c.status, flex: true },
  { header: 'PORTS', value: (c) => formatPorts(c.ports) || '-', flex: true },
  { header: 'CREATED', value: (c) => formatAge(c.created) },
  { header: 'KIND', value: (c) => c.kind, wide: true },
  { header: 'TAGS', value: (c) => c.tags.join(',') || '-', wide: true },
  { header: 'ROOM', value: (c) => c.room, wide: true },
];

/**
 * The command after `--` (or trailing words): yargs leaves words after `--` in argv._ behind the command path, so
 * `depth` is how many command words precede them (2 for `container run`).
 */
export function trailingCommand(argv: { _: (string | number)[]; command?: (string | number)[] }, depth: number): string[] {
  return [...(argv.command ?? []), ...argv._.slice(depth)].map(String);
}

/** Pull progress: one updating line per layer on a terminal, nothing when piped or with --output json. */
export function pullProgress(ctx: CliContext): ((e: PullProgress) => void) | undefined {
  if (!ctx.io.stderr.isTTY || ctx.out.json || ctx.out.options.quiet) return undefined;
  return (e) => ctx.io.stderr.write(`\r\x1b[K${e.id ? `${e.id}: ` : ''}${e.status}${e.progress ? ` ${e.progress}` : ''}${e.id ? '' : '\n'}`);
}

export async function roomOf(ctx: CliContext, flag: string | undefined): Promise<string> {
  return ctx.rt.room(flag);
}

export function collect(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** Writes a stream's chunks to stdout or stderr, decoding UTF-8 per stream so a character split across chunks survives. */
export function outputWriter(ctx: CliContext): (stream: 'stdout' | 'stderr', chunk: Buffer) => void {
  const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  return (stream, chunk) => {
    const text = decoders[stream].write(chunk);
    if (text) (stream === 'stdout' ? ctx.io.stdout : ctx.io.stderr).write(text);
  };
}
