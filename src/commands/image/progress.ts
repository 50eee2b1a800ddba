// Pull/push progress for the CLI: one bar per layer redrawn in place on a terminal, one plain line per change of a
// layer's status when piped, nothing with --output json or -q.
import type { ProgressEvent } from '../../runtime/images/index.js';
import { formatBytes } from '../../runtime/core/index.js';
import type { CliContext } from '../context.js';

const BAR = 24;
const QUIET_STATES = /^(Preparing|Waiting|The push refers to repository)/;

export function progressBar(current: number | undefined, total: number | undefined): string {
  if (!current || !total || total <= 0) return '';
  const ratio = Math.min(1, current / total);
  const filled = Math.round(ratio * BAR);
  return `[${'='.repeat(Math.max(0, filled - 1))}${filled ? '>' : ''}${' '.repeat(BAR - filled)}] ${formatBytes(current)}/${formatBytes(total)}`;
}

export interface ProgressPrinter {
  onEvent: (event: ProgressEvent) => void;
  /** Draws the last state (a terminal) so nothing is left half-drawn. */
  finish: () => void;
}

/** The printer that suits where stderr goes. */
export function progressPrinter(ctx: CliContext): ProgressPrinter {
  if (ctx.out.json || ctx.out.options.quiet) return { onEvent: () => {}, finish: () => {} };
  const err = ctx.io.stderr;
  if (!err.isTTY) {
    // Piped: a line when a layer's status changes (not for every byte counted).
    const last = new Map<string, string>();
    return {
      onEvent: (e) => {
        // Queue states say nothing yet (and would stand before a refusal's one error line).
        if (!e.status || QUIET_STATES.test(e.status)) return;
        const key = e.id ?? '';
        if (e.id && last.get(key) === e.status) return;
        last.set(key, e.status);
        err.write(`${e.id ? `${e.id}: ` : ''}${e.status}\n`);
      },
      finish: () => {},
    };
  }
  const lines: { id?: string; text: string }[] = [];
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  // After finish, anything printed below the block would be overwritten by a redraw that moves up over it.
  let finished = false;
  const draw = () => {
    timer = undefined;
    let text = drawn ? `\x1b[${drawn}A` : '';
    for (const l of lines) text += `\x1b[2K${l.text}\n`;
    drawn = lines.length;
    err.write(text);
  };
  return {
    onEvent: (e) => {
      if (finished) return;
      const text = `${e.id ? `${e.id}: ` : ''}${e.status}${e.total ? ` ${progressBar(e.current, e.total)}` : e.progress ? ` ${e.progress}` : ''}`;
      const row = e.id ? lines.find((l) => l.id === e.id) : undefined;
      if (row) row.text = text;
      else lines.push({ id: e.id, text });
      timer ??= setTimeout(draw, 80);
    },
    finish: () => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      if (lines.length) draw();
    },
  };
}
