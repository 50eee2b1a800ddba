// Secret masking for every surface (CLI tables and JSON, dashboard, audit log, errors, batch reports): by the
// variable's name, by the value's shape (URL passwords, Authorization/Bearer values, JWTs, PEM private keys,
// well-known token prefixes), and by equality with a secret berth stores (berth secret values, registry logins).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const MASK = '***';

// ---------------------------------------------------------------------------------------------------------------
// By name

/** Parts that make any name secret wherever they appear (DB_PASSWORD, githubToken, MYSECRET). */
const SECRET_NAME_PART = /secret|passw(?:or)?d|passphrase|token|credential|api_?key|private_?key|access_?key|signing_?key|encryption_?key|session_?key/;
/** Whole words that make a name secret (DB_PASS, MYSQL_PWD, BASIC_AUTH, SENTRY_DSN), but not AUTHOR or PWD alone. */
const SECRET_WORDS = new Set(['auth', 'authorization', 'pass', 'pw', 'pwd', 'creds', 'dsn', 'jwt', 'bearer', 'otp', 'totp']);
/** A last word that says the value is about a secret, not the secret (DB_PASSWORD_FILE, TOKEN_URL, SECRET_NAME). */
const ABOUT_SECRET_WORDS = new Set(['file', 'path', 'dir', 'url', 'uri', 'endpoint', 'host', 'port', 'name', 'type', 'ttl', 'expiry', 'expires', 'length', 'enabled', 'mode', 'method', 'provider', 'sock']);
/** A trailing _KEY is secret (STRIPE_KEY, MASTER_KEY) unless one of these says it is not (PUBLIC_KEY, CACHE_KEY). */
const NON_SECRET_KEY_WORDS = new Set(['public', 'primary', 'foreign', 'sort', 'partition', 'cache', 'routing', 'idempotency', 'object', 'hot', 'shortcut', 'pub']);
/** Names that match a rule above but are never secret. */
const NON_SECRET_NAMES = new Set(['pwd', 'oldpwd', 'ssh_auth_sock']);

const nameCache = new Map<string, boolean>();

/** Whether a variable, flag or field name says its value is secret. */
export function isSecretName(name: string): boolean {
  if (!name) return false;
  let secret = nameCache.get(name);
  if (secret === undefined) {
    // Names repeat (the same env keys on every container): decide each once.
    if (nameCache.size > 2000) nameCache.clear();
    nameCache.set(name, (secret = decideSecretName(name)));
  }
  return secret;
}

function decideSecretName(name: string): boolean {
  const snake = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toLowerCase()
    .replace(/^_+|_+$/g, '');
  if (NON_SECRET_NAMES.has(snake)) return false;
  const words = snake.split('_');
  const last = words[words.length - 1]!;
  if (words.length > 1 && ABOUT_SECRET_WORDS.has(last)) return false;
  if (SECRET_NAME_PART.test(snake.replace(/_/g, '')) || SECRET_NAME_PART.test(snake)) return true;
  if (words.some((w) => SECRET_WORDS.has(w))) return true;
  return last === 'key' && words.length > 1 && !NON_SECRET_KEY_WORDS.has(words[words.length - 2]!);
}

// ---------------------------------------------------------------------------------------------------------------
// By shape

const NOT_TOKEN_CHAR = '(?<![A-Za-z0-9_-])';
/** Well-known credential formats: each is masked whole wherever it appears. */
const TOKEN_PATTERNS: RegExp[] = [
  // AWS access key ids (long-term AKIA, temporary ASIA, and the other IAM unique-id prefixes).
  /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}(?![A-Z0-9])/g,
  // berth serve's API tokens.
  new RegExp(`${NOT_TOKEN_CHAR}berth_tok_[A-Za-z0-9_-]{20,}`, 'g'),
  // GitHub: classic and OAuth/app/refresh tokens, fine-grained PATs.
  new RegExp(`${NOT_TOKEN_CHAR}(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}`, 'g'),
  new RegExp(`${NOT_TOKEN_CHAR}github_pat_[A-Za-z0-9_]{20,}`, 'g'),
  // GitLab personal/deploy/runner tokens.
  new RegExp(`${NOT_TOKEN_CHAR}(?:glpat|gldt|glrt|glptt)-[A-Za-z0-9_-]{20,}`, 'g'),
  // OpenAI / Anthropic style (sk-..., sk-proj-..., sk-ant-...) and Stripe secret/restricted keys, webhook secrets.
  new RegExp(`${NOT_TOKEN_CHAR}sk-[A-Za-z0-9_-]{20,}`, 'g'),
  new RegExp(`${NOT_TOKEN_CHAR}(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}`, 'g'),
  new RegExp(`${NOT_TOKEN_CHAR}whsec_[A-Za-z0-9]{20,}`, 'g'),
  // Slack bot/user/app tokens and webhook URLs.
  new RegExp(`${NOT_TOKEN_CHAR}xox[abeoprs]-[A-Za-z0-9-]{10,}`, 'g'),
  new RegExp(`${NOT_TOKEN_CHAR}xapp-[A-Za-z0-9-]{10,}`, 'g'),
  /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/]+/g,
  // Google API keys and OAuth access tokens.
  new RegExp(`${NOT_TOKEN_CHAR}AIza[0-9A-Za-z_-]{35}`, 'g'),
  new RegExp(`${NOT_TOKEN_CHAR}ya29\\.[0-9A-Za-z_-]{20,}`, 'g'),
  // npm, PyPI, Docker Hub, Hugging Face, DigitalOcean, Shopify, SendGrid, age.
  new RegExp(`${NOT_TOKEN_CHAR}npm_[A-Za-z0-9]{36}`, 'g'),
  new RegExp(`${NOT_TOKEN_CHAR}pypi-[A-Za-z0-9_-]{50,}`, 'g'),
  new RegExp(`${NOT_TOKEN_CHAR}dckr_pat_[A-Za-z0-9_-]{20,}`, 'g'),
  new RegExp(`${NOT_TOKEN_CHAR}hf_[A-Za-z0-9]{30,}`, 'g'),
  new RegExp(`${NOT_TOKEN_CHAR}do[por]_v1_[a-f0-9]{64}`, 'g'),
  new RegExp(`${NOT_TOKEN_CHAR}shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}`, 'g'),
  new RegExp(`${NOT_TOKEN_CHAR}SG\\.[A-Za-z0-9_-]{16,}\\.[A-Za-z0-9_-]{16,}`, 'g'),
  /AGE-SECRET-KEY-1[0-9A-Z]{50,}/g,
  // JWT (and JWS/JWE): a base64url JSON header ("eyJ") and at least one more dot-separated part.
  new RegExp(`${NOT_TOKEN_CHAR}eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{2,}(?:\\.[A-Za-z0-9_-]*){0,3}`, 'g'),
];

/** All token formats in one pass. */
const TOKENS = new RegExp(TOKEN_PATTERNS.map((p) => `(?:${p.source})`).join('|'), 'g');

/** PEM private keys (RSA, EC, OPENSSH, ENCRYPTED, PGP blocks), to the END line or, cut short, to the end of the text. */
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g;
/** scheme://user:password@host: the password is masked, the rest of the URL kept. Userinfo runs to the last @. */
const URL_USERINFO = /\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^\s/?#@:]*):([^\s/?#]*)@/g;
/** The same with an unencoded "/" in the password (invalid, but people write base64 passwords so); not host:port/path@. */
const URL_USERINFO_SLASH = /\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^\s/?#@:]*):([^\s?#@]+)@/g;
/** Authorization: <scheme> <credentials> (headers, curl -H, config lines). */
const AUTHORIZATION = /\b((?:proxy-)?authorization["']?\s*[:=]\s*["']?)(?:(basic|bearer|token|digest|negotiate|aws4-hmac-sha256|[A-Za-z][A-Za-z0-9-]*)\s+)?([^\s"',;]+)/gi;
/** "Bearer <token>" anywhere; short words after it ("bearer of") are prose, not tokens. */
const BEARER = /\b(bearer\s+)([A-Za-z0-9\-._~+/]{8,}=*)/gi;
/** A whole value that is an HTTP credential: "Basic dXNlcjpwYXNz", "Token abc...". */
const WHOLE_CREDENTIAL = /^(?:basic|bearer|token)\s+([A-Za-z0-9\-._~+/]{8,}=*)$/i;

/** Tokens mix cases, digits or punctuation; a lower-case word after "Bearer" ("Bearer authentication") is prose. */
function looksLikeToken(t: string): boolean {
  return /\d/.test(t) || /[-._~+/=]/.test(t) || (/[A-Z]/.test(t) && /[a-z]/.test(t) && !/^[A-Z][a-z]+$/.test(t));
}
/** KEY=VALUE at the start of a line (env listings): the rest of the line is the value. */
const ENV_LINE = /^([A-Za-z_][A-Za-z0-9_.-]*)=(.*)$/gm;
/** NAME= or NAME: inside text (command lines, messages, query strings); the value is read after it. */
const ASSIGNMENT = /(?<![A-Za-z0-9_.-])(-{0,2}[A-Za-z_][A-Za-z0-9_.-]*)(=|: ?)/g;
const ASSIGNED_VALUE = /^(?:"[^"]*"|'[^']*'|[^\s&"']+)/;

/** Masks the value of NAME=value / NAME: value when the name is secret; a non-secret name consumes nothing. */
function maskAssignments(text: string): string {
  let out = '';
  let last = 0;
  ASSIGNMENT.lastIndex = 0;
  for (let m = ASSIGNMENT.exec(text); m; m = ASSIGNMENT.exec(text)) {
    const key = m[1]!.replace(/^-+/, '');
    if (!isSecretName(key) || /authorization$/i.test(key)) continue;
    const start = m.index + m[0].length;
    const rest = text.slice(start);
    const value = ASSIGNED_VALUE.exec(rest)?.[0];
    // Already masked, or a URL scheme ("token://"), or nothing there.
    if (!value || value.startsWith(MASK) || value === `"${MASK}"` || rest.startsWith('//')) continue;
    // "name: word" is often prose ("needs credentials: berth registry login …"): after a colon and a space only a
    // token-looking value (digits, punctuation, mixed case) or a quoted one is taken for a secret.
    if (m[2] === ': ' && !/^["']/.test(value) && !looksLikeToken(value)) continue;
    out += text.slice(last, start) + MASK;
    last = start + value.length;
    ASSIGNMENT.lastIndex = last;
  }
  return out + text.slice(last);
}
/** "name": "value" in JSON-like text. */
const JSON_FIELD = /"([A-Za-z0-9_.-]+)"(\s*:\s*)"((?:[^"\\]|\\.)*)"/g;
/** Every token format has a run of at least 11 token characters (or is a Slack webhook URL). */
const MAYBE_TOKEN = /[A-Za-z0-9_-]{11}|hooks\.slack\.com/;

/** Masks what looks secret in a piece of text, plus any occurrence of the known secret values given. */
export function maskText(text: string, known: readonly string[] = []): string {
  if (!text) return text;
  let out = maskKnown(text, known);
  // Each rule runs only when the text holds what it looks for, so ordinary strings cost a few index scans.
  const whole = WHOLE_CREDENTIAL.exec(out.trim());
  if (whole && looksLikeToken(whole[1]!)) return MASK;
  if (out.includes('-----BEGIN')) out = out.replace(PEM_PRIVATE_KEY, MASK);
  const assigns = out.includes('=') || out.includes(':');
  if (out.includes('=')) out = out.replace(ENV_LINE, (line, key: string) => (isSecretName(key) ? `${key}=${MASK}` : line));
  if (out.includes('"') && out.includes(':')) out = out.replace(JSON_FIELD, (field, key: string, sep: string) => (isSecretName(key) ? `"${key}"${sep}"${MASK}"` : field));
  if (out.includes('://') && out.includes('@')) {
    out = out.replace(URL_USERINFO, (m, scheme: string, user: string, password: string) => (password ? `${scheme}${user}:${MASK}@` : m));
    out = out.replace(URL_USERINFO_SLASH, (m, scheme: string, user: string, password: string) =>
      password === MASK || /^\d*(\/|$)/.test(password) ? m : `${scheme}${user}:${MASK}@`,
    );
  }
  if (/authorization/i.test(out)) out = out.replace(AUTHORIZATION, (m, head: string, scheme: string | undefined, cred: string) => (cred === MASK ? m : `${head}${scheme ? `${scheme} ` : ''}${MASK}`));
  if (/bearer/i.test(out)) out = out.replace(BEARER, (m, head: string, token: string) => (looksLikeToken(token) ? `${head}${MASK}` : m));
  if (MAYBE_TOKEN.test(out)) out = out.replace(TOKENS, MASK);
  if (assigns) out = maskAssignments(out);
  return out;
}

/** One KEY=VALUE env entry: the whole value when the name is secret or the value is a stored secret, else by shape. */
export function maskEnvEntry(entry: string, known: readonly string[] = []): string {
  const eq = entry.indexOf('=');
  if (eq <= 0) return maskText(entry, known);
  const key = entry.slice(0, eq);
  const value = entry.slice(eq + 1);
  if (!value) return entry;
  if (isSecretName(key) || isKnown(value, known)) return `${key}=${MASK}`;
  const masked = maskValue(value, known);
  return masked === value ? entry : `${key}=${masked}`;
}

export function maskEnv(entries: readonly string[], known: readonly string[] = []): string[] {
  return entries.map((e) => maskEnvEntry(e, known));
}

/** One value on its own (a field, an env value): masked whole when it is a stored secret or a credential. */
export function maskValue(value: string, known: readonly string[] = []): string {
  if (isKnown(value, known)) return MASK;
  return maskText(value, known);
}

const ENV_ENTRY = /^[A-Za-z_][A-Za-z0-9_.-]*=/;

/**
 * Masks a structure at any depth: values under a secret-looking key, KEY=VALUE strings (env lists) by their key,
 * and every string by shape and against the known secrets. Returns a copy; the input is not changed.
 */
export function maskDeep<T>(value: T, key = '', known: readonly string[] = []): T {
  if (value === undefined || value === null) return value;
  if (typeof value !== 'object') {
    if (key && isSecretName(key) && value !== '') return MASK as T;
    if (typeof value !== 'string') return value;
    if (ENV_ENTRY.test(value) && !value.includes('\n')) return maskEnvEntry(value, known) as T;
    return maskValue(value, known) as T;
  }
  if (Array.isArray(value)) return value.map((item) => maskDeep(item, '', known)) as T;
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, maskDeep(v, k, known)])) as T;
}

// ---------------------------------------------------------------------------------------------------------------
// By the secrets berth stores

/** Stored values shorter than this are masked only where a whole value equals them, never inside longer text. */
export const MIN_KNOWN_SUBSTRING = 6;

function isKnown(value: string, known: readonly string[]): boolean {
  if (!known.length) return false;
  const trimmed = value.trim();
  return trimmed !== '' && known.includes(trimmed);
}

function maskKnown(text: string, known: readonly string[]): string {
  if (!known.length) return text;
  if (isKnown(text, known)) return MASK;
  let out = text;
  // Longest first, so a secret that contains another is masked whole.
  for (const secret of known) {
    if (secret.length >= MIN_KNOWN_SUBSTRING && out.includes(secret)) out = out.split(secret).join(MASK);
  }
  return out;
}

export interface MaskSources {
  /** berth's data dir: stored secret values are the files of `<dataDir>/secrets`. */
  dataDir: string;
  /** For DOCKER_CONFIG (registry logins in its config.json); default ~/.docker. */
  env?: NodeJS.ProcessEnv;
}

/** How long a read of the stored secrets is reused before the files are read again (the dashboard lives long). */
const KNOWN_TTL_MS = 2000;

/** Every stored secret value, from both stores; the readers are small so they are easy to swap for their owners' modules. */
export function readKnownSecrets(sources: MaskSources): string[] {
  const values = new Set<string>();
  const add = (v: string | undefined) => {
    if (!v) return;
    for (const form of [v, v.trim(), safeEncode(v.trim())]) if (form && form.trim()) values.add(form);
  };
  for (const v of readStoredSecrets(sources.dataDir)) add(v);
  for (const v of readRegistryPasswords(sources.env ?? process.env)) add(v);
  return [...values].sort((a, b) => b.length - a.length);
}

/** `berth secret` values: one file per secret in `<dataDir>/secrets` (the deploy helper's contract). */
export function readStoredSecrets(dataDir: string): string[] {
  const dir = path.join(dataDir, 'secrets');
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const values: string[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue; // temp files of an atomic write, metadata
    try {
      const file = path.join(dir, name);
      if (!fs.statSync(file).isFile()) continue;
      const value = fs.readFileSync(file, 'utf8');
      if (value) values.push(value);
    } catch {
      // unreadable or removed meanwhile: nothing to mask
    }
  }
  return values;
}

/**
 * Registry passwords and tokens saved by docker login in `$DOCKER_CONFIG/config.json` (`auths.*.auth` is base64 of
 * user:password; identity and registry tokens as they are). Credential helpers are not run: that would start a
 * process for every masking.
 */
export function readRegistryPasswords(env: NodeJS.ProcessEnv): string[] {
  const file = path.join(env.DOCKER_CONFIG || path.join(os.homedir(), '.docker'), 'config.json');
  let config: { auths?: Record<string, { auth?: string; password?: string; identitytoken?: string; registrytoken?: string }> };
  try {
    config = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
  const values: string[] = [];
  for (const entry of Object.values(config?.auths ?? {})) {
    if (!entry || typeof entry !== 'object') continue;
    if (typeof entry.auth === 'string' && entry.auth) {
      values.push(entry.auth);
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0 && colon < decoded.length - 1) values.push(decoded.slice(colon + 1));
    }
    for (const v of [entry.password, entry.identitytoken, entry.registrytoken]) if (typeof v === 'string' && v) values.push(v);
  }
  return values;
}

function safeEncode(v: string): string {
  try {
    return encodeURIComponent(v);
  } catch {
    return v;
  }
}

/**
 * The masking every surface uses. Built without any I/O; the stored secrets are read on first use only (so commands
 * that print no env never read them) and re-read at most every couple of seconds.
 */
export class Masker {
  private cached?: { at: number; values: string[] };

  constructor(private readonly sources?: MaskSources) {}

  /** The stored secret values (empty without sources). */
  known(): string[] {
    if (!this.sources) return [];
    const now = Date.now();
    if (!this.cached || now - this.cached.at > KNOWN_TTL_MS) this.cached = { at: now, values: readKnownSecrets(this.sources) };
    return this.cached.values;
  }

  text(text: string): string {
    return maskText(text, this.known());
  }

  value(value: string): string {
    return maskValue(value, this.known());
  }

  env(entries: readonly string[]): string[] {
    return maskEnv(entries, this.known());
  }

  labels(labels: Record<string, string>): Record<string, string> {
    return maskLabels(labels, (v) => this.value(v));
  }

  deep<T>(value: T): T {
    return maskDeep(value, '', this.known());
  }

  /** Masks an error's message (and stack, which --debug prints) in place, so it can be re-thrown as it was. */
  error<E>(err: E): E {
    if (!(err instanceof Error)) return err;
    const masked = this.text(err.message);
    if (masked !== err.message) {
      const original = err.message;
      err.message = masked;
      if (err.stack) err.stack = this.text(err.stack.split(original).join(masked));
    } else if (err.stack) {
      err.stack = this.text(err.stack);
    }
    return err;
  }
}

/**
 * Labels an image brings may hold a credential (a source URL with a token); berth's own labels are left exact, but
 * for its tags (`berth.tags`), which the caller chose and may hold a secret's value: each tag is masked on its own.
 */
export function maskLabels(labels: Record<string, string>, mask: (value: string) => string = maskValue): Record<string, string> {
  let out: Record<string, string> | undefined;
  for (const [k, v] of Object.entries(labels)) {
    if (k.startsWith('berth.') && k !== 'berth.tags') continue;
    const masked = k === 'berth.tags' ? v.split(',').map((t) => (t ? mask(t) : t)).join(',') : mask(v);
    if (masked !== v) (out ??= { ...labels })[k] = masked;
  }
  return out ?? labels;
}

/** Shape and name masking without stored secrets, for code that has no runtime (kept for existing callers). */
export function maskSecrets(value: unknown, key = ''): unknown {
  return maskDeep(value, key);
}
