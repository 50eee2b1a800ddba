// The one output module every command prints through: table (sized to the terminal), wide, json, or ids only.
import { truncate } from '../runtime/format.js';

export type OutputFormat = 'table' | 'wide' | 'json';

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Shown only with --output wide. */
  wide?: boolean;
  /** Shrinks first when the table is wider than the terminal. */
  flex?: boolean;
}

export interface Sink {
  write(text: string): void;
}

export interface OutputOptions {
  format: OutputFormat;
  quiet: boolean;
  columns?: number;
}

export class Output {
  constructor(
    private readonly stdout: Sink,
    private readonly stderr: Sink,
    readonly options: OutputOptions,
  ) {}

  get json(): boolean {
    return this.options.format === 'json';
  }

  line(text = ''): void {
    this.stdout.write(`${text}\n`);
  }

  /** Progress and notes: stderr, so stdout stays parseable. */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  /** A listing: ids with -q, {"items": [...]} with json, else a table. */
  list<T>(rows: T[], columns: Column<T>[], opts: { id: (row: T) => string; extra?: Record<string, unknown> }): void {
    if (this.options.quiet) {
      for (const row of rows) this.line(opts.id(row));
      return;
    }
    if (this.json) {
      this.line(JSON.stringify({ items: rows, ...opts.extra }, null, 2));
      return;
    }
    this.stdout.write(renderTable(rows, columns, this.options.format === 'wide', this.options.columns));
  }

  /** One object: json as is, else aligned "key: value" lines from the pairs given. */
  item<T>(value: T, pairs: (v: T) => [string, string][], id?: (v: T) => string): void {
    if (this.options.quiet && id) return this.line(id(value));
    if (this.json) return this.line(JSON.stringify(value, null, 2));
    const rows = pairs(value);
    const width = Math.max(0, ...rows.map(([k]) => k.length));
    for (const [k, v] of rows) this.line(`${`${k}:`.padEnd(width + 2)}${v}`);
  }

  /** What a mutation did: a sentence on a terminal, the result object with json, the id with -q. */
  done<T>(message: string, value: T, id?: string): void {
    if (this.options.quiet) return id ? this.line(id) : undefined;
    if (this.json) return this.line(JSON.stringify(value, null, 2));
    this.line(message);
  }
}

export function renderTable<T>(rows: T[], columns: Column<T>[], wide: boolean, termWidth?: number): string {
  const cols = columns.filter((c) => wide || !c.wide);
  const cells = rows.map((row) => cols.map((c) => c.value(row).replace(/\s+/g, ' ')));
  const widths = cols.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const gap = 3;
  if (termWidth && !wide) {
    let total = widths.reduce((a, b) => a + b, 0) + gap * (cols.length - 1);
    // Shrink flex columns, widest first, until the table fits or they reach their header width.
    while (total > termWidth) {
      let widest = -1;
      cols.forEach((c, i) => {
        if (c.flex && widths[i]! > Math.max(c.header.length, 8) && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
      });
      if (widest < 0) break;
      widths[widest]!--;
      total--;
    }
  }
  const format = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? truncate(v, widths[i]!) : truncate(v, widths[i]!).padEnd(widths[i]!)))
      .join(' '.repeat(gap))
      .trimEnd();
  return [format(cols.map((c) => c.header)), ...cells.map(format)].map((l) => `${l}\n`).join('');
}
