// User settings (conf): default room and agent, engine host, trusted patterns, agent limits, UI.
import fs from 'node:fs';
import path from 'node:path';
import { BerthError } from './errors.js';
import type { BerthPaths } from './paths.js';
import { settingsSchema } from './settings-schema.js';
import type { SchemaError, SettingsValidate } from './settings-validate.js';

export interface AgentLimits {
  cpus?: number;
  memory?: string;
  maxRunning?: number;
  onLimit?: 'reject' | 'queue';
}

/** A trusted pattern: an allow or deny rule over parsed host commands (host-commands/trust.ts decides with them). */
export interface TrustRule {
  /** Short id for `berth trust remove`. */
  id: string;
  /** An argv prefix; `*` matches exactly one argument. */
  pattern: string[];
  action: 'allow' | 'deny';
  /** Only for this agent / room; absent = every agent / room. */
  agent?: string;
  room?: string;
  createdAt: string;
  createdBy: string;
}

export interface BerthSettings {
  defaultRoom: string;
  defaultAgent: string;
  host?: string;
  trustedPatterns: string[];
  agentLimits: Record<string, AgentLimits>;
  ui: { maxFps: number; logLines: number };
  /** Trusted patterns: allow/deny rules over parsed host commands (host-commands/trust.ts). */
  trustRules: TrustRule[];
  /** Bounded container logs: json-file max-size and max-file for every container berth creates. */
  logs: { maxSize: string; maxFiles: number };
  /** berth health warns when the engine's data root is at least this full (percent used). */
  dataRootWarnPercent: number;
  /** Caps for archives berth unpacks or forwards: entries, uncompressed bytes, compression ratio. */
  files: { maxEntries: number; maxBytes: number; maxRatio: number };
  /** deploy: how many revisions (specs) each service keeps for rollback. */
  deploy: { keepRevisions: number; mode?: 'auto' | 'engine' | 'swarm' };
  /** berth proxy: where it listens (loopback by default). */
  proxy: { bind: string };
  /** Published ports: the host address a port binds to when the command names none (loopback by default). */
  ports: { defaultHost: string };
  /** berth serve, per bearer token: requests per second (sustained), the burst above it, requests open at once. */
  api: { tokenRate: number; tokenBurst: number; tokenConcurrency: number };
}

/** Where a published port binds when neither the command nor the setting names an address: this machine only. */
export const DEFAULT_PORT_HOST = '127.0.0.1';

export const defaultSettings: BerthSettings = {
  defaultRoom: 'default',
  defaultAgent: 'user',
  trustedPatterns: [],
  agentLimits: {},
  ui: { maxFps: 20, logLines: 5000 },
  trustRules: [],
  logs: { maxSize: '10m', maxFiles: 3 },
  dataRootWarnPercent: 90,
  files: { maxEntries: 50_000, maxBytes: 16 * 1024 ** 3, maxRatio: 500 },
  deploy: { keepRevisions: 10, mode: 'auto' },
  proxy: { bind: '127.0.0.1:8480' },
  ports: { defaultHost: DEFAULT_PORT_HOST },
  api: { tokenRate: 100, tokenBurst: 500, tokenConcurrency: 64 },
};

export interface SettingsStore {
  readonly path: string;
  get<K extends keyof BerthSettings>(key: K): BerthSettings[K];
  set<K extends keyof BerthSettings>(key: K, value: BerthSettings[K]): void;
  all(): BerthSettings;
}

/** The settings file's path. */
export const settingsFile = (paths: BerthPaths): string => path.join(paths.configDir, 'config.json');

/** A settings file that is JSON but not of the schema's shape: `<file>: <key> must be <what> (found <value>)`. */
export class SettingsShapeError extends BerthError {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`, 'failure');
  }
}

/**
 * The settings file checked against the schema: {} when there is none. A file that cannot be read or parsed throws
 * the file system's or JSON's error (the caller names the file); one of the wrong shape throws SettingsShapeError.
 */
export async function readSettingsFile(file: string): Promise<Partial<BerthSettings>> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  const stored: unknown = JSON.parse(text);
  const problem = await settingsProblem(stored);
  if (problem) throw new SettingsShapeError(file, problem);
  return stored as Partial<BerthSettings>;
}

/** What is wrong with a settings object, in one line naming the key, or undefined when it fits the schema. */
export async function settingsProblem(value: unknown): Promise<string | undefined> {
  const validate = await loadValidator();
  if (validate(value)) return undefined;
  return describeSchemaError(validate.errors?.[0], value);
}

/**
 * The schema's validator, loaded when a settings file is there to check (the bundle's is generated code, ~60 KB that
 * a command reading no settings file need not load).
 */
async function loadValidator(): Promise<SettingsValidate> {
  const { settingsValidator } = await import('./settings-validate.js');
  return settingsValidator();
}

type Node = { title?: string; properties?: Record<string, Node>; items?: Node; additionalProperties?: Node | boolean };

/** ajv's first error as `<key> must be <title> (found <value>)`, the key dotted (`trustRules[2].action`). */
function describeSchemaError(err: SchemaError | undefined, root: unknown): string {
  if (!err) return 'it does not fit the settings schema';
  // The schema node the error is about: its path less the failing keyword.
  let node: Node | undefined = settingsSchema as Node;
  for (const part of err.schemaPath.replace(/^#\/?/, '').split('/').slice(0, -1)) {
    node = part ? ((node as Record<string, unknown> | undefined)?.[decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~')] as Node | undefined) : node;
  }
  let key = '';
  let value: unknown = root;
  for (const raw of err.instancePath.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    key += Array.isArray(value) ? `[${part}]` : key ? `.${part}` : part;
    value = (value as Record<string, unknown> | undefined)?.[part];
  }
  const join = (child: string) => (key ? `${key}.${child}` : child);
  if (err.keyword === 'required') {
    const missing = String(err.params.missingProperty);
    return `${join(missing)} is missing: ${key} must be ${node?.title ?? 'complete'}`;
  }
  if (err.keyword === 'additionalProperties') {
    const extra = String(err.params.additionalProperty);
    return `${join(extra)} is not a setting berth knows${key ? `: ${key} must be ${node?.title}` : ''}`;
  }
  const found = JSON.stringify(value) ?? String(value);
  const shown = found.length > 40 ? `${found.slice(0, 37)}...` : found;
  return `${key || 'the file'} must ${key ? 'be' : 'hold'} ${node?.title ?? 'of another shape'} (found ${shown})`;
}

/**
 * Opens the settings file for writing; conf is loaded only when a command writes settings. The file is checked
 * against the schema first: conf is never given one of the wrong shape (it would replace it on its first write).
 */
export async function openSettings(paths: BerthPaths): Promise<SettingsStore> {
  const file = settingsFile(paths);
  await readSettingsFile(file);
  // conf loads atomically, whose when-exit hook re-raises SIGINT/SIGTERM after its own handler: that second signal
  // would kill berth before Ctrl+C cleanup finishes. berth owns signal handling, so drop the hooks it added.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const { default: Conf } = await import('conf');
  for (const [signal, had] of before) for (const l of process.listeners(signal)) if (!had.has(l)) process.off(signal, l);
  const conf = new Conf<BerthSettings>({
    projectName: 'berth',
    projectSuffix: '',
    cwd: paths.configDir,
    configName: 'config',
    defaults: defaultSettings,
    // Private to the user like the rest of berth's files (conf's default is 0666 less the umask).
    configFileMode: 0o600,
  });
  const validate = await loadValidator();
  return {
    path: conf.path,
    get: (key) => conf.get(key),
    set: (key, value) => {
      // A write that would leave the file of the wrong shape is refused before anything is written.
      const next = { ...conf.store, [key]: value };
      if (!validate(next)) throw new BerthError(`refusing to write ${conf.path}: ${describeSchemaError(validate.errors?.[0], next)}`, 'failure');
      conf.set(key, value);
    },
    all: () => ({ ...defaultSettings, ...conf.store }),
  };
}
