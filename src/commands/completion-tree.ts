// Shell completion's view of the CLI: the command tree read from the yargs modules themselves (their command strings,
// options and positionals, by running each builder against a recorder), and the candidates for one command line.
import type { CommandModule } from 'yargs';

export interface OptionSpec {
  names: string[];
  /** False for flags (boolean, count): the next word is not this option's value. */
  takesValue: boolean;
  choices?: string[];
}

export interface CommandNode {
  names: string[];
  positionals: { name: string; variadic: boolean }[];
  options: OptionSpec[];
  children: CommandNode[];
}

/** The root parser's own options (main.ts buildParser), present on every command. */
export const GLOBAL_OPTIONS: OptionSpec[] = [
  { names: ['--host', '-H'], takesValue: true },
  { names: ['--output', '-o'], takesValue: true, choices: ['table', 'wide', 'json'] },
  { names: ['--quiet', '-q'], takesValue: false },
  { names: ['--room', '-r'], takesValue: true },
  { names: ['--debug'], takesValue: false },
  { names: ['--help', '-h'], takesValue: false },
];

function flagNames(name: string, alias: unknown): string[] {
  const all = [name, ...[alias ?? []].flat().map(String)];
  return all.map((n) => (n.length === 1 ? `-${n}` : `--${n}`));
}

function optionSpec(name: string, o: { alias?: unknown; type?: string; choices?: readonly unknown[] } = {}): OptionSpec {
  return {
    names: flagNames(name, o.alias),
    takesValue: o.type !== 'boolean' && o.type !== 'count',
    ...(o.choices ? { choices: o.choices.map(String) } : {}),
  };
}

/** Runs a builder against a stand-in for yargs that records .command(), .option(s)() and .positional(). */
function record(node: CommandNode, builder: unknown): void {
  if (typeof builder === 'object' && builder) {
    for (const [k, v] of Object.entries(builder)) node.options.push(optionSpec(k, v as object));
    return;
  }
  if (typeof builder !== 'function') return;
  const proxy: object = new Proxy(
    {},
    {
      get: (_t, prop) => (...args: unknown[]) => {
        if (prop === 'command' && typeof args[0] === 'object') node.children.push(toNode(args[0] as CommandModule));
        if (prop === 'option' || prop === 'options') {
          if (typeof args[0] === 'string') node.options.push(optionSpec(args[0], args[1] as object));
          else if (args[0] && typeof args[0] === 'object') for (const [k, v] of Object.entries(args[0])) node.options.push(optionSpec(k, v as object));
        }
        return proxy;
      },
    },
  );
  try {
    (builder as (y: unknown) => unknown)(proxy);
  } catch {
    // A builder that needs real yargs: its subcommands and options are just not offered.
  }
}

export function toNode(mod: CommandModule<any, any>): CommandNode {
  const strings = [mod.command ?? []].flat().map(String);
  const words = (strings[0] ?? '').split(/\s+/).filter(Boolean);
  const positionals = words.slice(1).map((w) => ({ name: w.replace(/^[<[]|[>\]]$/g, '').replace(/\.\.$/, ''), variadic: w.includes('..') }));
  const names = [...new Set([words[0] ?? '', ...strings.slice(1).map((s) => s.split(/\s+/)[0]!), ...[mod.aliases ?? []].flat().map(String)])].filter(Boolean);
  const node: CommandNode = { names, positionals, options: [], children: [] };
  record(node, mod.builder);
  return node;
}

/** What the current word should be completed from. */
export type Want =
  | { kind: 'words'; words: string[] }
  | { kind: 'containers'; room?: string }
  | { kind: 'rooms' };

/**
 * Reads a command line (the words after `berth`, the last one being completed) against the tree: subcommands,
 * options, an option's choices, or a positional's names (containers, rooms) that only the engine knows.
 */
export function completionWant(root: CommandNode[], line: string[]): Want {
  const current = line[line.length - 1] ?? '';
  const before = line.slice(0, -1);
  let children = root;
  let node: CommandNode | undefined;
  const path: string[] = [];
  let positionalIndex = 0;
  let room: string | undefined;
  const optionsHere = () => [...GLOBAL_OPTIONS, ...(node?.options ?? [])];
  const findOption = (word: string) => optionsHere().find((o) => o.names.includes(word.split('=')[0]!));
  let pendingValue: OptionSpec | undefined;
  let afterDashes = false;
  for (let i = 0; i < before.length; i++) {
    const w = before[i]!;
    if (pendingValue) {
      if (pendingValue.names.includes('--room')) room = w;
      pendingValue = undefined;
      continue;
    }
    if (w === '--') {
      afterDashes = true;
      break;
    }
    if (w.startsWith('-')) {
      const o = findOption(w);
      if (o?.names.includes('--room') && w.includes('=')) room = w.slice(w.indexOf('=') + 1);
      if (o?.takesValue && !w.includes('=')) pendingValue = o;
      continue;
    }
    const child = children.find((c) => c.names.includes(w));
    if (child) {
      node = child;
      path.push(child.names[0]!);
      children = child.children;
      positionalIndex = 0;
    } else positionalIndex++;
  }
  if (afterDashes) return { kind: 'words', words: [] }; // a command for the container: not berth's to complete
  if (pendingValue) {
    if (pendingValue.names.includes('--room')) return { kind: 'rooms' };
    return { kind: 'words', words: pendingValue.choices ?? [] };
  }
  if (current.startsWith('-')) return { kind: 'words', words: optionsHere().flatMap((o) => o.names.filter((n) => n.startsWith('--'))) };
  if (children.length) return { kind: 'words', words: children.flatMap((c) => c.names).filter((n) => !n.startsWith('__')) };
  const positionals = node?.positionals ?? [];
  const last = positionals[positionals.length - 1];
  const p = positionals[positionalIndex] ?? (last?.variadic ? last : undefined);
  if (!p) return { kind: 'words', words: [] };
  if (/^containers?$/.test(p.name)) return { kind: 'containers', room };
  if (/^rooms?$/.test(p.name) || (path[0] === 'room' && path[1] !== 'create' && p.name === 'name')) return { kind: 'rooms' };
  return { kind: 'words', words: [] };
}
