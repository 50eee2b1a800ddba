// Pure formatting shared by the CLI tables and the dashboard: bytes, durations, ages, ports, percentages, and the
// one escaping of text a container, image or agent controls before it reaches a terminal (terminalText).

/** A published port as the CLI and dashboard show it. */
export interface PortMapping {
  hostIp?: string;
  hostPort?: number;
  containerPort: number;
  protocol: string;
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value}B` : `${value.toFixed(value < 10 ? 1 : 0)}${units[unit]}`;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  return `${Math.floor(h / 24)}d`;
}

/** A duration as its flag would take it: "250ms", "3s", "1.5s", "2m", "1h". */
export function formatDelay(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000 && ms % 100 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** "3m ago" style age of an ISO time relative to now. */
export function formatAge(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const t = Date.parse(iso);
  if (!Number.isFinite(t) || t <= 0) return '-';
  return `${formatDuration(Math.max(0, now - t))} ago`;
}

export function formatPercent(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  return `${value.toFixed(1)}%`;
}

export function formatPorts(ports: PortMapping[]): string {
  const published = ports.filter((p) => p.hostPort);
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const p of published) {
    // The address shows who can reach the port: 127.0.0.1 this machine only, 0.0.0.0 / :: every network.
    const host = p.hostIp ? (p.hostIp.includes(':') ? `[${p.hostIp}]:` : `${p.hostIp}:`) : '';
    const text = `${host}${p.hostPort}->${p.containerPort}/${p.protocol}`;
    if (!seen.has(text)) parts.push(text); // Docker lists IPv4 and IPv6 bindings separately
    seen.add(text);
  }
  return parts.join(', ');
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/**
 * Escapes (terminalText) and truncates to width with an ellipsis: measured after escaping, so what is measured is
 * what is drawn. Width counts UTF-16 units, which is right for the ASCII berth prints.
 */
export function truncate(raw: string, width: number): string {
  if (width <= 0) return '';
  const text = terminalText(raw);
  if (text.length <= width) return text;
  return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
}

// ---------------------------------------------------------------------------------------------------------------
// Text a container, an image or an agent controls, made safe to draw on a person's terminal.

/**
 * Every character that could steer a terminal instead of being shown: C0 controls (ESC starts every escape
 * sequence: OSC titles and clipboard writes, CSI cursor and erase commands, DCS/APC/PM/SOS strings), DEL, the C1
 * controls U+0080–U+009F (single-character CSI, OSC, DCS…), and the bidirectional marks, embeddings, overrides and
 * isolates that reorder what is drawn (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069), plus the line and
 * paragraph separators U+2028/9.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex
const UNSAFE_ALL = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
/** A colour/attribute sequence (SGR, CSI … m) and nothing else: parameters are digits, `;` and `:` only. */
// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;:]{0,64}m/y;
const NAMED: Record<string, string> = { '\x1b': '\\e', '\x07': '\\a', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\v': '\\v', '\f': '\\f', '\r': '\\r' };

/** How one unsafe character is shown: `\e` `\a` `\b` `\t` `\n` `\v` `\f` `\r`, `\xNN` (other C0, DEL, C1), `\uNNNN`. */
export function escapeControl(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const cp = ch.charCodeAt(0);
  return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
}

export interface TerminalTextOptions {
  /** Keep colour sequences (SGR, `ESC [ … m`): views that show colour (log lines). Every other sequence is escaped. */
  sgr?: boolean;
  /** Keep line feeds (multi-line text printed as lines); else they are shown as `\n`. */
  newlines?: boolean;
}

/**
 * Text a container, image or agent controls, as a terminal should show it: every control character escaped
 * visibly (see escapeControl), so an escape sequence appears as text (`\e]0;title\a`) and never reaches the
 * terminal as one; with `sgr`, colour sequences are kept. The result's length is its width for ASCII text, so
 * measure after this, never before. Idempotent: escaping escaped text changes nothing.
 */
export function terminalText(text: string, options: TerminalTextOptions = {}): string {
  if (!UNSAFE.test(text)) return text;
  if (!options.sgr) return text.replace(UNSAFE_ALL, (ch) => (ch === '\n' && options.newlines ? ch : escapeControl(ch)));
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (!UNSAFE.test(ch)) continue;
    out += text.slice(from, i);
    SGR.lastIndex = i;
    const sgr = ch === '\x1b' ? SGR.exec(text) : null;
    if (sgr) {
      out += sgr[0];
      i += sgr[0].length - 1;
    } else out += ch === '\n' && options.newlines ? ch : escapeControl(ch);
    from = i + 1;
  }
  return out + text.slice(from);
}

/** How many columns text that went through terminalText takes: its length without the colour sequences kept. */
export function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.includes('\x1b') ? text.replace(/\x1b\[[0-9;:]*m/g, '').length : text.length;
}

/** The first `width` visible characters of terminalText output, never cutting a colour sequence in half. */
export function cutVisible(text: string, width: number): string {
  if (!text.includes('\x1b')) return text.length > width ? text.slice(0, Math.max(0, width)) : text;
  let shown = 0;
  let i = 0;
  while (i < text.length) {
    if (text[i] === '\x1b') {
      SGR.lastIndex = i;
      const sgr = SGR.exec(text);
      if (sgr) {
        i += sgr[0].length;
        continue;
      }
    }
    if (shown === width) break;
    shown++;
    i++;
  }
  return text.slice(0, i);
}

/** A count and its noun, singular for exactly one: `plural(1, 'file')` is "1 file", `plural(3, 'entry', 'entries')` "3 entries". */
/**
 * Orders text by UTF-16 code units (as `ls` does under LC_ALL=C): one order for every listing and page cursor, and
 * no ICU collator, which String#localeCompare builds on first use (~8 ms of a command's start).
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
