// Generates the settings and environment tables in docs/configuration.md from berth's defaults (defaultSettings) and
// the environment variables its sources read, so a setting or variable without a line here fails the docs test; the
// settings schema (settingsSchema) must name the same keys, and the defaults must fit it.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isMain, loadSource, root, writeBlock } from './docs-lib.mjs';

export const configPage = 'docs/configuration.md';

// What each setting does: the one place it is described. Keys are dotted paths into defaultSettings; `optional`
// marks a key with no default.
const settings = {
  defaultRoom: { does: 'the room a command acts in when neither `--room` nor `BERTH_ROOM` names one; the dashboard starts on it when it exists', page: 'concepts.md#rooms-and-names' },
  defaultAgent: { does: 'the agent named when neither `--agent` nor `BERTH_AGENT` is given (labels, limits, workspace, audit actor)', page: 'agents-and-host-commands.md#agents' },
  host: { optional: true, does: 'engine URL used when neither `--host`, `DOCKER_HOST` nor a docker context names one', page: 'operations.md#remote-engines' },
  trustedPatterns: { does: 'not read by berth: trusted patterns live in `trustRules`' },
  agentLimits: { does: 'per agent: `cpus` (CPU quota), `memory` (cap per container), `maxRunning`, `onLimit` (`reject` or `queue`); written by `berth agent limits`', page: 'agents-and-host-commands.md#limits' },
  'ui.maxFps': { does: 'the most frames a second the dashboard draws', page: 'dashboard.md#rendering' },
  'ui.logLines': { does: 'lines the dashboard keeps per log pane (a ring buffer)', page: 'dashboard.md#rendering' },
  trustRules: { does: 'allow and deny rules over parsed host commands, `{id, pattern, action, agent?, room?}`; written by `berth trust`', page: 'agents-and-host-commands.md#trusted-patterns' },
  'logs.maxSize': { does: 'json-file log size cap of every container berth creates (`512k`, `10m`, `1g`: 1k to 100g)', page: 'operations.md#bounded-container-logs' },
  'logs.maxFiles': { does: 'how many log files of that size each container keeps (1 to 100)', page: 'operations.md#bounded-container-logs' },
  dataRootWarnPercent: { does: '`berth health` warns on stderr when the engine\'s data root is at least this full (percent used)', page: 'operations.md#disk-use-and-a-nearly-full-engine' },
  'files.maxEntries': { does: 'most entries an archive berth unpacks or forwards may hold', page: 'files-and-storage.md#archive-safety' },
  'files.maxBytes': { does: 'most bytes such an archive may expand to', page: 'files-and-storage.md#archive-safety' },
  'files.maxRatio': { does: 'most an entry, a whole zip (once past 16 MiB) or a gzip stream may expand, as a ratio', page: 'files-and-storage.md#archive-safety' },
  'deploy.keepRevisions': { does: 'specs each service keeps for `service rollback` and `service inspect`', page: 'services.md#history-and-rollback' },
  'deploy.mode': { does: '`auto`: a Swarm service when the engine is a Swarm manager; `engine` keeps plain containers on a manager; `swarm` insists; `BERTH_DEPLOY_MODE` overrides it', page: 'services.md#swarm' },
  'proxy.bind': { does: 'where `berth proxy` listens (`--bind` overrides it)', page: 'services.md#berth-proxy' },
  'ports.defaultHost': { does: 'the host address a published port binds to when `-p` names none (`8080:80`); `0.0.0.0` opens such ports to the network as docker does. A port given with an address (`-p 0.0.0.0:8080:80`) binds there', page: 'concepts.md#published-ports' },
  'api.tokenRate': { does: 'requests per second a `berth serve` bearer token may make, sustained; past it (and the burst) the answer is `429` with `Retry-After`', page: 'api.md#rate-limits' },
  'api.tokenBurst': { does: 'requests a token may make at once above its rate before it is limited', page: 'api.md#rate-limits' },
  'api.tokenConcurrency': { does: 'requests (and WebSocket sessions) one token may have open at once; one more is `429`', page: 'api.md#rate-limits' },
};

// Environment variables berth reads (`env.NAME` in src/): what each does. A variable read in src/ without a line here
// fails the docs test.
const environment = {
  BERTH_HOME: { does: 'moves settings to `$BERTH_HOME/config` and data to `$BERTH_HOME/data`', page: '#where-berth-keeps-things' },
  BERTH_ROOM: { does: 'the room, when `--room` is not given (before `defaultRoom`)', page: 'concepts.md#rooms-and-names' },
  BERTH_AGENT: { does: 'the agent, when `--agent` is not given (before `defaultAgent`); the actor named in the audit log. Set, it also marks the caller as an agent: a person\'s acts are refused', page: 'agents-and-host-commands.md#agents' },
  BERTH_ROLE: { does: 'the agent\'s role, when `--role` is not given', page: 'agents-and-host-commands.md#agents' },
  BERTH_DEPLOY_MODE: { does: 'overrides `deploy.mode`', page: 'services.md#swarm' },
  BERTH_SSH_OPTS: { does: 'extra `ssh` options for `ssh://` engines, split at blanks with no quoting', page: 'operations.md#remote-engines' },
  BERTH_AUDIT_MAX_BYTES: { default: '10485760 (10 MiB)', does: 'the audit log rotates at this size', page: 'operations.md#the-audit-log' },
  BERTH_AUDIT_MAX_FILES: { default: '5', does: 'rotated audit files kept', page: 'operations.md#the-audit-log' },
  BERTH_COMPLETION_TIMEOUT_MS: { default: '1500', does: 'how long shell completion waits for the engine for container names', page: 'operations.md#shell-completion' },
  BERTH_API_USER: { does: 'with `BERTH_API_PASSWORD` (or the same two in a `.env` in the working directory): one more API user for `berth serve`', page: 'api.md#authentication' },
  BERTH_API_PASSWORD: { does: 'the password of `BERTH_API_USER`; never a flag', page: 'api.md#authentication' },
  DOCKER_HOST: { does: 'the engine (`unix://`, `tcp://`, `ssh://`), when `--host` is not given', page: 'operations.md#remote-engines' },
  DOCKER_CONTEXT: { does: 'the docker context to use instead of the current one', page: 'operations.md#remote-engines' },
  DOCKER_TLS_VERIFY: { does: 'with a `tcp://` host: TLS, verified against `DOCKER_CERT_PATH`', page: 'operations.md#remote-engines' },
  DOCKER_CERT_PATH: { does: 'directory with `ca.pem`, `cert.pem` and `key.pem`', page: 'operations.md#remote-engines' },
  DOCKER_CONFIG: { does: 'moves `~/.docker` (docker contexts, `config.json` with registry credentials)', page: 'images-and-builds.md#registry-credentials' },
};
// Read from the environment but not berth's to describe: the platform's own directories and session variables, the
// token berth puts into a deployed container's environment, and DEBUG (the debug package's, which docker-modem logs
// through: set, listings go through docker-modem so that its log shows them).
const notSettings = new Set(['HOME', 'USER', 'PATH', 'TERM', 'SSH_AUTH_SOCK', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'APPDATA', 'LOCALAPPDATA', 'BERTH_TOKEN', 'DEBUG']);

/** The file under src/runtime that exports defaultSettings (found by content, so it may move between folders). */
function defaultsFile(dir = 'src/runtime') {
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = defaultsFile(file);
      if (found) return found;
    } else if (/\.ts$/.test(entry.name) && /export const defaultSettings\b/.test(readFileSync(path.join(root, file), 'utf8'))) return file;
  }
  return undefined;
}

/** Dotted keys of the settings schema's properties; groups (objects with their own properties) are opened. */
function schemaKeys(schema, prefix = '', out = new Set()) {
  for (const [k, node] of Object.entries(schema.properties ?? {})) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (key === '__internal__') continue;
    if (node.properties && !(key in settings)) schemaKeys(node, key, out);
    else out.add(key);
  }
  return out;
}

/** Environment variables the sources read as `env.NAME` or `env['NAME']` (not assignments). */
function environmentRead(dir = 'src') {
  const names = new Set();
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !/\.tsx?$/.test(entry.name)) continue;
    const text = readFileSync(path.join(entry.parentPath ?? entry.path, entry.name), 'utf8');
    for (const m of text.matchAll(/\benv(?:\.([A-Z][A-Z0-9_]*)(?![A-Z0-9_])|\['([A-Z][A-Z0-9_]*)'\])(?!\s*=[^=])/g)) names.add(m[1] ?? m[2]);
  }
  return names;
}

/** Flattens the defaults into dotted keys; records (agentLimits) and arrays stay whole. */
function flatten(value, prefix = '', out = new Map()) {
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length && !(key in settings)) flatten(v, key, out);
    else out.set(key, v);
  }
  return out;
}

const cell = (text) => text.replace(/\|/g, '\\|');
const link = (page) => (page ? ` ([more](${page}))` : '');
function showDefault(v) {
  if (v === undefined) return '—';
  if (typeof v === 'number' && v >= 1024 ** 2 && Number.isInteger(Math.log2(v))) return `\`${v}\` (${v / 1024 ** 3 >= 1 ? `${v / 1024 ** 3} GiB` : `${v / 1024 ** 2} MiB`})`;
  return '`' + JSON.stringify(v) + '`';
}

/** The settings table and the environment table, each as Markdown. Throws when either misses or invents a name. */
export async function renderConfig() {
  const file = defaultsFile();
  if (!file) throw new Error('no file under src/runtime exports defaultSettings');
  const { defaultSettings } = await loadSource(file);
  const defaults = flatten(defaultSettings);
  const missing = [...defaults.keys()].filter((k) => !(k in settings));
  const stale = Object.entries(settings).filter(([k, s]) => !defaults.has(k) && !s.optional).map(([k]) => k);
  if (missing.length || stale.length) {
    throw new Error(`scripts/docs-config.mjs: settings ${missing.length ? `without a description: ${missing.join(', ')}` : ''}${missing.length && stale.length ? '; ' : ''}${stale.length ? `described but not in defaultSettings: ${stale.join(', ')}` : ''}`);
  }
  // The schema every settings file is checked against describes the same keys, and the defaults fit it.
  const { settingsSchema } = await loadSource('src/runtime/core/settings-schema.ts');
  const inSchema = schemaKeys(settingsSchema);
  const unchecked = Object.keys(settings).filter((k) => !inSchema.has(k));
  const undescribed = [...inSchema].filter((k) => !(k in settings));
  if (unchecked.length || undescribed.length) {
    throw new Error(`scripts/docs-config.mjs: settings ${unchecked.length ? `not in settingsSchema: ${unchecked.join(', ')}` : ''}${unchecked.length && undescribed.length ? '; ' : ''}${undescribed.length ? `in settingsSchema but not described: ${undescribed.join(', ')}` : ''}`);
  }
  const { Ajv } = await import('ajv');
  const fits = new Ajv({ strict: true }).compile(settingsSchema);
  if (!fits(defaultSettings)) throw new Error(`scripts/docs-config.mjs: defaultSettings do not fit settingsSchema: ${JSON.stringify(fits.errors[0])}`);
  const read = [...environmentRead()].filter((n) => !notSettings.has(n));
  const undocumented = read.filter((n) => !(n in environment));
  const unread = Object.keys(environment).filter((n) => !read.includes(n));
  if (undocumented.length || unread.length) {
    throw new Error(`scripts/docs-config.mjs: environment ${undocumented.length ? `read but not described: ${undocumented.join(', ')}` : ''}${undocumented.length && unread.length ? '; ' : ''}${unread.length ? `described but never read: ${unread.join(', ')}` : ''}`);
  }
  const settingsTable = [
    `Generated from \`defaultSettings\` in \`${file}\` by \`node scripts/docs-config.mjs\`.`,
    '',
    '| setting | default | what it does |',
    '|---|---|---|',
    ...Object.entries(settings).map(([k, s]) => `| \`${k}\` | ${showDefault(defaults.get(k))} | ${cell(s.does)}${link(s.page)} |`),
  ].join('\n');
  const environmentTable = [
    '| variable | default | what it does |',
    '|---|---|---|',
    ...Object.entries(environment).map(([k, e]) => `| \`${k}\` | ${e.default ?? '—'} | ${cell(e.does)}${link(e.page)} |`),
  ].join('\n');
  return { settings: settingsTable, environment: environmentTable };
}

if (isMain(import.meta.url)) {
  const tables = await renderConfig();
  writeBlock(configPage, 'settings', tables.settings);
  writeBlock(configPage, 'environment', tables.environment);
  console.log(`${configPage}: ${tables.settings.split('\n').length - 4} settings, ${tables.environment.split('\n').length - 2} environment variables`);
}
