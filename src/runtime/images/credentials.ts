// Registry credentials where `docker login` keeps them: config.json (DOCKER_CONFIG moves it) `auths`, `credsStore`
// and `credHelpers` (docker-credential-<name>, secrets only on its stdin/stdout). Nothing here prints, logs or
// audits a password; callers get it only to hand to the engine in X-Registry-Auth.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BerthError, UsageError, compareText } from '../core/index.js';
import { DOCKER_HUB, DOCKER_HUB_KEY, credentialKey, normalizeRegistry } from './image-ref.js';

/** Docker's AuthConfig, as the engine takes it in X-Registry-Auth / X-Registry-Config. */
export interface RegistryAuth {
  serveraddress: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

export interface DockerConfigFile {
  auths?: Record<string, { auth?: string; identitytoken?: string; username?: string; password?: string; email?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

export interface RegistryEntry {
  registry: string;
  username: string;
  /** Where the credentials live: `config.json`, or the credential helper's name. */
  store: string;
}

/** DOCKER_CONFIG, else ~/.docker: the directory docker login writes to. */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
}

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(dockerConfigDir(env), 'config.json');
}

export function readDockerConfig(env: NodeJS.ProcessEnv = process.env): DockerConfigFile {
  const file = dockerConfigPath(env);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new BerthError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!text.trim()) return {};
  try {
    const parsed = JSON.parse(text) as DockerConfigFile;
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    // The parse error's message could quote a credential from the file: name the file only.
    throw new BerthError(`${file} is not valid JSON: fix or remove it`);
  }
}

/** Writes config.json the way docker does: other keys kept, mode 0600, replaced atomically. */
function writeDockerConfig(env: NodeJS.ProcessEnv, config: DockerConfigFile): void {
  const file = dockerConfigPath(env);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(config, null, '\t')}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** The config.json `auths` entry for a registry, whatever form its key has (`https://host/v1/`, `host`). */
function findAuthsKey(config: DockerConfigFile, registry: string): string | undefined {
  const want = normalizeRegistry(registry);
  return Object.keys(config.auths ?? {}).find((k) => normalizeRegistry(k) === want);
}

/** The helper that holds a registry's credentials: its credHelpers entry, else credsStore, else none. */
export function helperFor(config: DockerConfigFile, registry: string): string | undefined {
  const want = normalizeRegistry(registry);
  const specific = Object.entries(config.credHelpers ?? {}).find(([k]) => normalizeRegistry(k) === want)?.[1];
  return specific || config.credsStore || undefined;
}

function helperNotFound(output: string): boolean {
  return /credentials not found|not found in native keychain|no credentials|could not be found/i.test(output);
}

interface HelperResult {
  code: number;
  stdout: string;
}

/** Runs docker-credential-<name> ACTION with input on stdin; secrets never go into its arguments. */
function runHelper(env: NodeJS.ProcessEnv, name: string, action: 'get' | 'store' | 'erase' | 'list', input: string): Promise<HelperResult> {
  if (!/^[a-zA-Z0-9_.-]+$/.test(name)) return Promise.reject(new UsageError(`invalid credential helper name "${name}" in ${dockerConfigPath(env)}`));
  const program = `docker-credential-${name}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, [action], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        err.code === 'ENOENT'
          ? new BerthError(`credential helper ${program} is not on PATH (named in ${dockerConfigPath(env)})`)
          : new BerthError(`credential helper ${program}: ${err.message}`),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout: stdout || stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

/** A helper failure in one line; its output is not echoed whole (it could hold what was asked for). */
function helperError(name: string, action: string, result: HelperResult): BerthError {
  const first = result.stdout.split('\n').find((l) => l.trim())?.trim().slice(0, 120) ?? `exit code ${result.code}`;
  return new BerthError(`credential helper docker-credential-${name} ${action} failed: ${first}`);
}

/** The server URL a helper knows a registry by: Docker Hub's legacy key, else host[:port], as docker login stores it. */
function helperServer(registry: string): string {
  return credentialKey(registry);
}

function decodeAuth(entry: NonNullable<DockerConfigFile['auths']>[string], serveraddress: string): RegistryAuth | undefined {
  if (entry.identitytoken) return { serveraddress, identitytoken: entry.identitytoken, ...(entry.username ? { username: entry.username } : {}) };
  if (entry.auth) {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon > 0) return { serveraddress, username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (entry.username && entry.password) return { serveraddress, username: entry.username, password: entry.password };
  return undefined;
}

/**
 * The stored credentials for a registry, or undefined when none are stored: a helper's "not found" is no
 * credentials, not a failure. The helper is asked first (credHelpers, then credsStore), then `auths`.
 */
export async function resolveCredentials(env: NodeJS.ProcessEnv, registry: string): Promise<RegistryAuth | undefined> {
  const host = normalizeRegistry(registry);
  const serveraddress = host === DOCKER_HUB ? DOCKER_HUB_KEY : host;
  const config = readDockerConfig(env);
  const helper = helperFor(config, host);
  if (helper) {
    const result = await runHelper(env, helper, 'get', helperServer(host));
    if (result.code === 0) {
      let parsed: { Username?: string; Secret?: string };
      try {
        parsed = JSON.parse(result.stdout) as { Username?: string; Secret?: string };
      } catch {
        throw new BerthError(`credential helper docker-credential-${helper} get returned something that is not JSON`);
      }
      if (parsed.Secret) {
        // Docker's convention: a helper returns an identity token with the username "<token>".
        if (parsed.Username === '<token>') return { serveraddress, identitytoken: parsed.Secret };
        return { serveraddress, username: parsed.Username ?? '', password: parsed.Secret };
      }
    } else if (!helperNotFound(result.stdout)) {
      throw helperError(helper, 'get', result);
    }
  }
  const key = findAuthsKey(config, host);
  return key ? decodeAuth(config.auths![key]!, serveraddress) : undefined;
}

/** Every registry with stored credentials (for builds, whose FROM lines may name any of them), keyed as the engine expects. */
export async function allCredentials(env: NodeJS.ProcessEnv): Promise<Record<string, RegistryAuth>> {
  const out: Record<string, RegistryAuth> = {};
  for (const entry of await listRegistries(env)) {
    const auth = await resolveCredentials(env, entry.registry).catch(() => undefined);
    if (auth) out[auth.serveraddress] = auth;
  }
  return out;
}

/** Registries with stored credentials: who is logged in where, and which store holds it. Never a secret. */
export async function listRegistries(env: NodeJS.ProcessEnv): Promise<RegistryEntry[]> {
  const config = readDockerConfig(env);
  const found = new Map<string, RegistryEntry>();
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    const registry = normalizeRegistry(key);
    const helper = helperFor(config, registry);
    const decoded = decodeAuth(entry, key);
    if (!helper || decoded) found.set(registry, { registry, username: decoded?.username ?? (decoded?.identitytoken ? '<token>' : ''), store: decoded ? 'config.json' : helper ?? 'config.json' });
  }
  const helpers = new Set([...(config.credsStore ? [config.credsStore] : []), ...Object.values(config.credHelpers ?? {})]);
  for (const helper of helpers) {
    const result = await runHelper(env, helper, 'list', '').catch(() => undefined);
    if (!result || result.code !== 0) continue;
    let listed: Record<string, string>;
    try {
      listed = JSON.parse(result.stdout) as Record<string, string>;
    } catch {
      continue;
    }
    for (const [url, username] of Object.entries(listed)) {
      const registry = normalizeRegistry(url);
      // A credHelpers entry for another helper owns that registry; a general store's list may still mention it.
      if (helperFor(config, registry) !== helper) continue;
      found.set(registry, { registry, username, store: helper });
    }
  }
  // Registries with a credHelpers entry whose helper's list failed or is not supported still show, without a user.
  for (const [key, helper] of Object.entries(config.credHelpers ?? {})) {
    const registry = normalizeRegistry(key);
    if (!found.has(registry)) {
      const result = await runHelper(env, helper, 'get', helperServer(registry)).catch(() => undefined);
      if (result?.code === 0) {
        try {
          const parsed = JSON.parse(result.stdout) as { Username?: string };
          found.set(registry, { registry, username: parsed.Username ?? '', store: helper });
        } catch {
          // not JSON: leave it out
        }
      }
    }
  }
  return [...found.values()].sort((a, b) => compareText(a.registry, b.registry));
}

/**
 * Saves credentials where docker login would: through the registry's helper when one is configured (config.json then
 * gets an empty `auths` entry, as docker writes), else base64 in config.json `auths`.
 */
export async function storeCredentials(env: NodeJS.ProcessEnv, auth: RegistryAuth): Promise<{ store: string }> {
  const host = normalizeRegistry(auth.serveraddress);
  const config = readDockerConfig(env);
  const helper = helperFor(config, host);
  const key = findAuthsKey(config, host) ?? credentialKey(host);
  config.auths ??= {};
  if (helper) {
    const secret = auth.identitytoken ?? auth.password ?? '';
    const username = auth.identitytoken ? '<token>' : (auth.username ?? '');
    const result = await runHelper(env, helper, 'store', JSON.stringify({ ServerURL: helperServer(host), Username: username, Secret: secret }));
    if (result.code !== 0) throw helperError(helper, 'store', result);
    config.auths[key] = {};
    writeDockerConfig(env, config);
    return { store: helper };
  }
  config.auths[key] = auth.identitytoken
    ? { identitytoken: auth.identitytoken }
    : { auth: Buffer.from(`${auth.username ?? ''}:${auth.password ?? ''}`).toString('base64') };
  writeDockerConfig(env, config);
  return { store: 'config.json' };
}

/** Forgets a registry's credentials in its helper and in config.json; false when nothing was stored. */
export async function eraseCredentials(env: NodeJS.ProcessEnv, registry: string): Promise<{ removed: boolean; store: string }> {
  const host = normalizeRegistry(registry);
  const config = readDockerConfig(env);
  const helper = helperFor(config, host);
  let removed = false;
  if (helper) {
    const result = await runHelper(env, helper, 'erase', helperServer(host));
    if (result.code === 0) removed = true;
    else if (!helperNotFound(result.stdout)) throw helperError(helper, 'erase', result);
  }
  const key = findAuthsKey(config, host);
  if (key) {
    delete config.auths![key];
    writeDockerConfig(env, config);
    removed = true;
  }
  return { removed, store: helper ?? 'config.json' };
}
