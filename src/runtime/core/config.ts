// User settings (conf): default room and agent, engine host, trusted patterns, agent limits, UI.
import type { BerthPaths } from './paths.js';

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

/** Opens the settings file; conf (and its schema validator) is loaded only when a command needs settings. */
export async function openSettings(paths: BerthPaths): Promise<SettingsStore> {
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
  return {
    path: conf.path,
    get: (key) => conf.get(key),
    set: (key, value) => conf.set(key, value),
    all: () => ({ ...defaultSettings, ...conf.store }),
  };
}
