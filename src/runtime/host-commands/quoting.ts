// Showing a host command: quoting as bash would need it typed, so every argument boundary and every invisible
// character is visible (approvals, trusted patterns, berth shell).

/** Characters shown escaped: controls, format/bidi marks, unusual spaces, and anything outside ASCII. */
const NEEDS_ESCAPE = /[^\x20-\x7e]/u;
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

function escapeChar(ch: string): string {
  const named: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r', '\x1b': '\\e', "'": "\\'", '\\': '\\\\' };
  if (named[ch]) return named[ch]!;
  const cp = ch.codePointAt(0)!;
  if (cp >= 0x20 && cp < 0x7f) return ch;
  // bash's $'…' takes \xHH (a byte: ASCII only, or U+0080–U+00FF would not be UTF-8), \uHHHH and \UHHHHHHHH (not \u{…}).
  if (cp < 0x80) return `\\x${cp.toString(16).padStart(2, '0')}`;
  return cp <= 0xffff ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\U${cp.toString(16).padStart(8, '0')}`;
}

/** One argument as bash would need it typed: bare, 'single-quoted', or $'ANSI-C' when it holds anything unprintable. */
export function quoteArg(arg: string): string {
  if (arg && SAFE_WORD.test(arg)) return arg;
  if (!NEEDS_ESCAPE.test(arg)) return `'${arg.replace(/'/g, `'\\''`)}'`;
  return `$'${[...arg].map(escapeChar).join('')}'`;
}

export function formatArgv(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}

/** Script text shown as is, line by line, except characters that could hide or rewrite what is seen. */
export function visibleText(text: string): string {
  return [...text].map((ch) => (ch === '\n' ? '\n' : NEEDS_ESCAPE.test(ch) ? `\\u{${ch.codePointAt(0)!.toString(16)}}` : ch)).join('');
}
