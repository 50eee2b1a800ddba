// Turns a bash script into its simple commands with a real bash parser (web-tree-sitter + tree-sitter-bash), and
// names the first construct that stops it from being auto-approved. The parser loads on first use only.
import { createRequire } from 'node:module';
import v8 from 'node:v8';
import type { Node as SyntaxNode, Parser as TSParser } from 'web-tree-sitter';

/** Why a script cannot be matched word for word: each kind has one stable label that reasons start with. */
export type Construct =
  | 'parse error'
  | 'command substitution'
  | 'process substitution'
  | 'parameter expansion'
  | 'arithmetic expansion'
  | 'brace expansion'
  | 'tilde expansion'
  | 'unquoted glob'
  | 'redirection'
  | 'heredoc'
  | 'env assignment'
  | 'background &'
  | 'subshell'
  | 'group'
  | 'compound command'
  | 'comment'
  | 'ANSI-C quoting'
  | 'locale quoting'
  | 'backslash escape'
  | 'escaped command name'
  | 'line continuation'
  | 'control character'
  | 'unsupported syntax';

export interface Violation {
  construct: Construct;
  /** The source text of the offending node, cut short. */
  text: string;
}

/** One simple command: its words as bash would pass them, or null for a word that is not a plain literal. */
export interface ParsedCommand {
  argv: (string | null)[];
  text: string;
  /** Inside a substitution, subshell or other construct that already sends the script to a person. */
  nested: boolean;
}

export interface ParsedScript {
  commands: ParsedCommand[];
  /** Every construct found, in source order; empty means every command is plain words joined by ; && || |. */
  violations: Violation[];
}

let parserPromise: Promise<TSParser> | undefined;

/** web-tree-sitter's runtime and tree-sitter-bash's grammar, both wasm, loaded from node_modules once per process. */
export function bashParser(): Promise<TSParser> {
  parserPromise ??= (async () => {
    const require = createRequire(import.meta.url);
    // The grammar is 1.3 MB of wasm: V8's optimising tier would spend ~1 s of CPU on background threads compiling
    // it, for parsing a one-line script. The baseline compiler alone parses in microseconds and costs ~0.1 s.
    v8.setFlagsFromString('--liftoff-only');
    const { Parser, Language } = await import('web-tree-sitter');
    const runtimeWasm = require.resolve('web-tree-sitter/tree-sitter.wasm');
    await Parser.init({ locateFile: () => runtimeWasm });
    const bash = await Language.load(require.resolve('tree-sitter-bash/tree-sitter-bash.wasm'));
    const parser = new Parser();
    parser.setLanguage(bash);
    return parser;
  })();
  parserPromise.catch(() => (parserPromise = undefined));
  return parserPromise;
}

const OPERATORS = new Set([';', '&&', '||', '|', '|&', '\n']);
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./^-]+$/;
/** Characters a bare word may carry beyond the safe set: non-ASCII is judged later on the argv. */
const NON_ASCII = /[^\x00-\x7f]/;

function snippet(node: SyntaxNode): string {
  const text = node.text.replace(/\s+/g, ' ');
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export async function parseScript(script: string): Promise<ParsedScript> {
  const parser = await bashParser();
  const tree = parser.parse(script);
  if (!tree) return { commands: [], violations: [{ construct: 'parse error', text: script.slice(0, 60) }] };
  try {
    const walker = new ScriptWalker(script);
    walker.statements(tree.rootNode);
    if (tree.rootNode.hasError) walker.violations.unshift({ construct: 'parse error', text: firstError(tree.rootNode) });
    walker.checkGaps(tree.rootNode);
    return { commands: walker.commands, violations: walker.violations };
  } finally {
    tree.delete();
  }
}

function firstError(node: SyntaxNode): string {
  if (node.type === 'ERROR' || node.isMissing) return node.isMissing ? `missing ${node.type}` : snippet(node);
  for (const child of node.children) if (child && child.hasError) return firstError(child);
  return snippet(node);
}

class ScriptWalker {
  readonly commands: ParsedCommand[] = [];
  readonly violations: Violation[] = [];

  constructor(private readonly source: string) {}

  private flag(construct: Construct, node: SyntaxNode): void {
    this.violations.push({ construct, text: snippet(node) });
  }

  /** A list of statements joined by operators: program, list, pipeline. */
  statements(node: SyntaxNode): void {
    for (const child of node.children) {
      if (!child) continue;
      if (!child.isNamed) {
        if (child.type === '&') this.flag('background &', node);
        else if (!OPERATORS.has(child.type)) this.flag('unsupported syntax', child);
        continue;
      }
      this.statement(child);
    }
  }

  statement(node: SyntaxNode): void {
    switch (node.type) {
      case 'command':
        return this.command(node);
      case 'pipeline':
      case 'list':
        return this.statements(node);
      case 'redirected_statement':
        for (const child of node.namedChildren) {
          if (!child) continue;
          if (child.type === 'heredoc_redirect') this.flag('heredoc', child);
          else if (child.type.endsWith('redirect')) this.flag('redirection', child);
          else {
            this.statement(child);
            continue;
          }
          this.nested(child);
        }
        return;
      case 'subshell':
        this.flag('subshell', node);
        return this.nested(node);
      case 'compound_statement':
        this.flag('group', node);
        return this.nested(node);
      case 'comment':
        return this.flag('comment', node);
      case 'variable_assignment':
      case 'variable_assignments':
      case 'declaration_command':
      case 'unset_command':
        this.flag('env assignment', node);
        return this.nested(node);
      case 'ERROR':
        this.nested(node);
        return;
      default:
        // if/while/for/case/function/[[ ]]/! cmd: anything that is not a plain command list goes to a person.
        this.flag(node.type === 'heredoc_body' ? 'heredoc' : 'compound command', node);
        return this.nested(node);
    }
  }

  /** Commands inside constructs that already failed: still collected, so a deny rule can see them. */
  private nested(node: SyntaxNode): void {
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === 'command') this.command(child, true);
      else this.nested(child);
    }
  }

  private command(node: SyntaxNode, nested = false): void {
    const argv: (string | null)[] = [];
    let pendingDollar: SyntaxNode | undefined;
    for (const child of node.children) {
      if (!child) continue;
      if (!child.isNamed) {
        // `$"..."` (locale quoting) parses as an anonymous `$` then a string.
        if (child.type === '$') pendingDollar = child;
        else this.flag('unsupported syntax', child);
        continue;
      }
      if (pendingDollar) {
        this.flag('locale quoting', child);
        pendingDollar = undefined;
        argv.push(null);
        this.nested(child);
        continue;
      }
      switch (child.type) {
        case 'command_name':
          argv.push(this.commandName(child));
          break;
        case 'variable_assignment':
          this.flag('env assignment', child);
          this.nested(child);
          break;
        case 'file_redirect':
        case 'herestring_redirect':
          this.flag('redirection', child);
          this.nested(child);
          break;
        case 'heredoc_redirect':
          this.flag('heredoc', child);
          break;
        case 'comment':
          this.flag('comment', child);
          break;
        default:
          argv.push(this.word(child));
      }
    }
    if (pendingDollar) this.flag('unsupported syntax', pendingDollar);
    this.commands.push({ argv, text: node.text, nested });
  }

  private commandName(node: SyntaxNode): string | null {
    const inner = node.namedChild(0);
    if (!inner || node.namedChildCount !== 1) {
      this.flag('unsupported syntax', node);
      return null;
    }
    if (inner.type === 'word' && inner.text.includes('\\')) {
      this.flag('escaped command name', node);
      return unescapeForDeny(inner.text);
    }
    if (inner.type === 'string' || inner.type === 'raw_string' || inner.type === 'concatenation') {
      // A quoted name (`'rm'`, `"r"m`) dodges aliases and functions just as a backslash does; a name built from an
      // expansion (`ls$IFS`) is flagged for the expansion instead.
      const value = this.word(inner);
      if (value !== null) this.flag('escaped command name', node);
      return value;
    }
    return this.word(inner);
  }

  /** One argument as bash would pass it, or null (with the reason flagged) when it is not a plain literal. */
  private word(node: SyntaxNode): string | null {
    switch (node.type) {
      case 'word':
      case 'number':
        return this.bareWord(node);
      case 'raw_string':
        return node.text.slice(1, -1);
      case 'string': {
        let ok = true;
        for (const part of node.namedChildren) {
          if (part && part.type !== 'string_content') {
            ok = false;
            this.expansion(part);
          }
        }
        // Anonymous children other than the two quotes (a stray `$`) are not plain text either.
        const quotes = node.children.filter((c) => c && !c.isNamed);
        if (quotes.length !== 2 || quotes.some((q) => q!.type !== '"')) {
          if (ok) this.flag('parameter expansion', node);
          return null;
        }
        if (!ok) return null;
        // The value is the raw text between the quotes (the parser splits string_content at newlines).
        const value = node.text.slice(1, -1);
        if (/[\\$`]/.test(value)) {
          this.flag(value.includes('\\') ? 'backslash escape' : 'parameter expansion', node);
          return null;
        }
        return value;
      }
      case 'concatenation': {
        let value = '';
        let ok = true;
        for (const part of node.children) {
          if (!part) continue;
          if (!part.isNamed) {
            this.flag(part.type === '$' ? 'locale quoting' : 'unsupported syntax', node);
            ok = false;
            continue;
          }
          const v = this.word(part);
          if (v === null) ok = false;
          else value += v;
        }
        return ok ? value : null;
      }
      default:
        this.expansion(node);
        return null;
    }
  }

  private bareWord(node: SyntaxNode): string | null {
    const text = node.text;
    if (SAFE_WORD.test(text)) return text;
    // A tilde expands only at the start of a word or after = or : (HEAD~3 is plain text).
    if (/^[^~]/.test(text) && !/[=:]~/.test(text) && SAFE_WORD.test(text.replace(/~/g, ''))) return text;
    const ascii = text.replace(/[^\x00-\x7f]/g, '');
    if (NON_ASCII.test(text) && (ascii === '' || SAFE_WORD.test(ascii))) return text;
    let construct: Construct = 'unsupported syntax';
    if (/[\x00-\x08\x0b-\x1f\x7f]/.test(text)) construct = 'control character';
    else if (/[*?[\]]/.test(text)) construct = 'unquoted glob';
    else if (/[{}]/.test(text)) construct = 'brace expansion';
    else if (text.includes('~')) construct = 'tilde expansion';
    else if (text.includes('$')) construct = 'parameter expansion';
    else if (text.includes('\\')) construct = 'backslash escape';
    this.flag(construct, node);
    return null;
  }

  private expansion(node: SyntaxNode): void {
    const map: Record<string, Construct> = {
      command_substitution: 'command substitution',
      process_substitution: 'process substitution',
      simple_expansion: 'parameter expansion',
      expansion: 'parameter expansion',
      arithmetic_expansion: 'arithmetic expansion',
      brace_expression: 'brace expansion',
      ansi_c_string: 'ANSI-C quoting',
      translated_string: 'locale quoting',
      extglob_pattern: 'unquoted glob',
      array: 'env assignment',
    };
    this.flag(map[node.type] ?? 'unsupported syntax', node);
    this.nested(node);
  }

  /**
   * Text the parser kept out of the tree (extras): only blanks and newlines may sit between tokens. A backslash
   * line continuation or anything else there goes to a person, so what bash reads is exactly what was matched.
   */
  checkGaps(root: SyntaxNode): void {
    let at = 0;
    const leaves: SyntaxNode[] = [];
    const collect = (n: SyntaxNode) => {
      // Quoted strings and heredoc bodies keep their inner text; only the gaps between tokens matter.
      if (n.childCount === 0 || n.type === 'raw_string' || n.type === 'string_content' || n.type === 'comment') leaves.push(n);
      else for (const c of n.children) if (c) collect(c);
    };
    collect(root);
    // web-tree-sitter parses a JS string as UTF-16: its indexes are string indexes.
    for (const leaf of leaves) {
      this.gap(this.source.slice(at, leaf.startIndex));
      at = Math.max(at, leaf.endIndex);
    }
    this.gap(this.source.slice(at));
  }

  private gap(text: string): void {
    if (/^[ \t\n]*$/.test(text)) return;
    const cut = text.replace(/\s+/g, ' ').trim().slice(0, 60);
    this.violations.push({ construct: text.includes('\\') ? 'line continuation' : 'unsupported syntax', text: cut || JSON.stringify(text) });
  }
}

/** Best-effort unescaping, for deny rules only (`\rm` still matches a deny rule on rm). */
function unescapeForDeny(text: string): string {
  return text.replace(/\\(.)/gs, '$1');
}
