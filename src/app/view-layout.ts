// The contract between the dashboard and its views (what a view declares, what it may ask of the dashboard), the
// screen's fixed rows and the tables' columns; kept apart from the registry so that views import it without
// importing each other.
import type React from 'react';
import { terminalText, truncate, type Runtime } from '../runtime/core/index.js';
import type { StatusMessage } from './actions.js';
import type { DashboardStore } from './dashboard-store.js';
import type { Command, KeyContext } from './keymap.js';
import type { SessionManager } from './sessions.js';

/** Where a list's cursor goes for a move command (clamped to the list), or undefined for any other command. */
export function listMove(command: Command, at: number, count: number, page = 1): number | undefined {
  const to = { up: at - 1, down: at + 1, 'page-up': at - page, 'page-down': at + page, top: 0, bottom: count - 1 }[command as string];
  return to === undefined ? undefined : Math.min(Math.max(0, to), Math.max(0, count - 1));
}

/** One column of a view's table; `C` is whatever the cells need besides the row (stats, the time). */
export interface TableColumn<R, C = undefined> {
  header: string;
  /** Lower is more important: columns are kept in this order while they fit, the rest are dropped. */
  priority: number;
  /** Narrower than this, the column is dropped rather than cut. */
  min: number;
  max: number;
  right?: boolean;
  /** Fixed-width columns do not measure their content. */
  fixed?: number;
  cell: (row: R, ctx: C) => { text: string; color?: string };
}

export interface FittedColumn<R, C = undefined> {
  col: TableColumn<R, C>;
  width: number;
}

/**
 * The columns that fit `width`, in their declared order: picked by priority at their content width (up to max) while
 * they fit; the first that does not fit gets what is left when that is at least its min, and every column after it
 * in priority is dropped. So a narrow screen loses whole low-priority columns instead of cutting every one.
 */
export function fitColumns<R, C>(columns: readonly TableColumn<R, C>[], rows: readonly R[], width: number, ctx: C): FittedColumn<R, C>[] {
  const ideal = columns.map((col) => {
    if (col.fixed) return col.fixed;
    let w = col.header.length;
    for (const row of rows) w = Math.max(w, terminalText(col.cell(row, ctx).text).length); // as drawn
    return Math.min(col.max, w);
  });
  const widths = new Map<TableColumn<R, C>, number>();
  let used = 0;
  for (const i of columns.map((_, i) => i).sort((a, b) => columns[a]!.priority - columns[b]!.priority)) {
    const col = columns[i]!;
    const gap = widths.size ? 1 : 0;
    const left = width - used - gap;
    if (ideal[i]! <= left) {
      widths.set(col, ideal[i]!);
      used += ideal[i]! + gap;
    } else {
      if (left >= col.min) widths.set(col, left);
      break;
    }
  }
  return columns.filter((c) => widths.has(c)).map((c) => ({ col: c, width: widths.get(c)! }));
}

/** A cell's text escaped (truncate does), cut to its column's width and padded to it. */
export function padCell(text: string, width: number, right?: boolean): string {
  const t = truncate(text, width);
  return right ? t.padStart(width) : t.padEnd(width);
}

/** One row's cells padded to the fitted widths, one space between them (none after the last). */
export function tableCells<R, C>(columns: readonly FittedColumn<R, C>[], row: R, ctx: C): { key: string; text: string; color?: string }[] {
  return columns.map(({ col, width }, i) => {
    const cell = col.cell(row, ctx);
    return { key: col.header, text: padCell(cell.text, width, col.right) + (i < columns.length - 1 ? ' ' : ''), color: cell.color };
  });
}

/** The header line for the fitted columns. */
export function tableHeader<R, C>(columns: readonly FittedColumn<R, C>[]): string {
  return columns.map(({ col, width }) => padCell(col.header, width, col.right)).join(' ');
}

/** Header (title, tabs, badges), status line and footer take three rows; the body has the rest. */
export function bodyHeight(rows: number): number {
  return Math.max(5, rows - 3);
}

/** A yes/no question that takes the keys until answered (y / n or escape). */
export interface ConfirmRequest {
  title: string;
  lines: string[];
  onYes: () => void;
  onNo?: () => void;
}

/** A one-line text input on the status line; printable keys are typed into it while it is open. */
export interface PromptRequest {
  label: string;
  initial?: string;
  /** Called on every change (a live filter). */
  onChange?: (text: string) => void;
  onSubmit: (text: string) => void;
  onCancel?: () => void;
  /** Tab completion: the text after tab, or undefined to leave it. */
  complete?: (text: string) => string | undefined;
  /** A hint drawn after the text (e.g. what enter would open). */
  hint?: (text: string) => string;
}

/** What a view can ask of the dashboard: the shared runtime and stores, the status line, modals, navigation. */
export interface ViewApi {
  readonly rt: Runtime;
  readonly store: DashboardStore;
  readonly sessions?: SessionManager;
  status(status: StatusMessage | undefined): void;
  confirm(request: ConfirmRequest): void;
  prompt(request: PromptRequest): void;
  /** Whether a prompt with this label is open (views show an editing caret). */
  prompting(label?: string): boolean;
  /** Opens a view by id (pushes it on the history). */
  open(id: string): void;
  /** The terminal size. */
  size(): { columns: number; rows: number };
  /** State a view keeps across visits (its cursor, filter, tab): survives switching away and coming back. */
  keep<T>(key: string, initial: () => T): { get(): T; set(value: T): void };
}

export interface ViewProps<D> {
  data: D;
  api: ViewApi;
  width: number;
  height: number;
}

export interface DashboardView<D = any> {
  id: string;
  title: string;
  /** Other names the `:` palette accepts (k9s style: svc, img, …). */
  aliases?: string[];
  /** Key contexts in effect while the view is active, highest priority first ('global' always follows). */
  contexts(data: D): KeyContext[];
  /** The hook that feeds the view; called only while the view is mounted (remounted on each visit). */
  useData(api: ViewApi, size: { width: number; height: number }): D;
  Component: React.ComponentType<ViewProps<D>>;
  /**
   * Runs a command bound in one of the view's contexts; `context` is the one the key matched. Returns false when the
   * view did not take it ('back' with nothing to undo), so the dashboard goes back in its history instead.
   */
  run(command: Command, data: D, api: ViewApi, context: KeyContext): boolean | void;
  /**
   * Why a key does nothing where the keys are now, when the view knows better than "nothing here" (a container key
   * pressed in the room list: "select a container first"); `key` is its label as the footer shows it.
   */
  explain?(name: string, key: string, data: D): string | undefined;
  /** A badge in the header, visible from every view (a pending count); called on every render of the App. */
  useBadge?(api: ViewApi): string | undefined;
}

