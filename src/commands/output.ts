// The one output module every command prints through: table (sized to the terminal), wide, json, or ids only.
// Text goes out escaped (terminalText): what a container, image or agent named or printed is shown, never obeyed.
import { terminalText, truncate } from '../runtime/core/index.js';

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

  /** One line of text, escaped: a line feed or carriage return in it is shown as \n or \r, never obeyed. */
  line(text = ''): void {
    this.stdout.write(`${terminalText(text)}\n`);
  }

  /** A value as one line of JSON (control characters, C1 and bidi marks as \u escapes). */
  jsonLine(value: unknown, indent?: number): void {
    this.stdout.write(`${jsonText(value, indent)}\n`);
  }

  /** Progress and notes: stderr, so stdout stays parseable. */
  note(text: string): void {
    this.stderr.write(`${terminalText(text)}\n`);
  }

  /** The terminal bell, the one control character berth prints on purpose. */
  bell(): void {
    this.stdout.write('\x07');
  }

  /** A listing: ids with -q, {"items": [...]} with json, else a table. */
  list<T>(rows: T[], columns: Column<T>[], opts: { id: (row: T) => string; extra?: Record<string, unknown> }): void {
    if (this.options.quiet) {
      for (const row of rows) this.line(opts.id(row));
      return;
    }
    if (this.json) {
      this.jsonLine({ items: rows, ...opts.extra }, 2);
      return;
    }
    this.stdout.write(renderTable(rows, columns, this.options.format === 'wide', this.options.columns));
  }

  /**
   * One object: json as is, else aligned "key: value" lines from the pairs given. A value is one line (a line feed
   * in it is shown as \n, so no value can draw a line of its own); a list of strings is a block of lines under its key.
   */
  item<T>(value: T, pairs: (v: T) => [string, string | string[]][], id?: (v: T) => string): void {
    if (this.options.quiet && id) return this.line(id(value));
    if (this.json) return this.jsonLine(value, 2);
    const rows = pairs(value);
    const width = Math.max(0, ...rows.map(([k]) => terminalText(k).length));
    for (const [k, v] of rows) {
      const key = `${terminalText(k)}:`.padEnd(width + 2);
      if (typeof v === 'string') this.stdout.write(`${key}${terminalText(v)}\n`);
      else this.stdout.write(`${key.trimEnd()}\n${v.map((l) => `${terminalText(l)}\n`).join('')}`);
    }
  }

  /** What a mutation did: a sentence on a terminal, the result object with json, the id with -q. */
  done<T>(message: string, value: T, id?: string): void {
    if (this.options.quiet) return id ? this.line(id) : undefined;
    if (this.json) return this.jsonLine(value, 2);
    this.line(message);
  }
}

const PLAIN_CELL = /^[!-~]*(?: [!-~]+)*$/;

export function renderTable<T>(rows: T[], columns: Column<T>[], wide: boolean, termWidth?: number): string {
  const cols = columns.filter((c) => wide || !c.wide);
  // A cell is one line: line feeds and tabs are spaces, every other control character is shown escaped. Words of
  // printable ASCII between single spaces (most cells) are that already.
  const cells = rows.map((row) =>
    cols.map((c) => {
      const v = c.value(row);
      return PLAIN_CELL.test(v) ? v : terminalText(v.replace(/[\t\n]/g, ' ')).replace(/\s+/g, ' ');
    }),
  );
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

// eslint-disable-next-line no-control-regex
const JSON_UNSAFE = /[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/**
 * JSON.stringify, with the characters it leaves raw that a terminal would obey or reorder (DEL, C1 controls, bidi
 * marks, line separators) written as \u escapes: the same JSON value, safe to print.
 */
export function jsonText(value: unknown, indent?: number): string {
  return String(JSON.stringify(value, null, indent)).replace(JSON_UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
