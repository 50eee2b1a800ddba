// Registry login, logout and list: the engine checks the credentials (it reaches the registry, even when it is
// remote), then they are stored where docker login stores them. The audit log names the registry and user only.
import { eraseCredentials, listRegistries, storeCredentials, type RegistryEntry } from './credentials.js';
import { BerthError, UsageError, type Runtime } from '../core/index.js';
import { DOCKER_HUB, credentialKey, parseRegistry } from './image-ref.js';

export interface LoginOptions {
  registry?: string;
  username: string;
  password: string;
  signal?: AbortSignal;
}

export interface LoginResult {
  registry: string;
  username: string;
  store: string;
}

/** Checks the credentials through the engine, then saves them (an identity token instead when the registry gives one). */
export async function loginRegistry(rt: Runtime, opts: LoginOptions): Promise<LoginResult> {
  const registry = parseRegistry(opts.registry);
  if (!opts.username) throw new UsageError('a --username is required');
  if (!opts.password) throw new UsageError('the password read from stdin is empty');
  const engine = await rt.engine();
  const serveraddress = credentialKey(registry);
  return rt.audit.record({ actor: rt.actor, action: 'registry.login', target: registry, details: { user: opts.username } }, async () => {
    let token: string | undefined;
    try {
      const answer = (await engine.call(`log in to ${registry}`, (d) =>
        d.checkAuth({ username: opts.username, password: opts.password, serveraddress, abortSignal: opts.signal } as never),
      )) as { IdentityToken?: string };
      token = answer?.IdentityToken || undefined;
    } catch (err) {
      if (err instanceof BerthError && err.kind === 'engineUnreachable') throw err;
      const message = ((err as { json?: { message?: string } })?.json?.message ?? (err as Error)?.message ?? String(err))
        .replace(/^\(HTTP code \d+\) [a-z ]+ - /, '')
        .split('\n')[0]!
        .trim();
      if (/401|unauthorized|incorrect username or password|denied/i.test(message)) {
        throw new BerthError(`log in to ${registry}: the registry refused the credentials of ${opts.username}`, 'denied', { cause: err });
      }
      throw new BerthError(`log in to ${registry}: ${message}`, 'failure', { cause: err });
    }
    const { store } = await storeCredentials(rt.env, token ? { serveraddress, username: opts.username, identitytoken: token } : { serveraddress, username: opts.username, password: opts.password });
    return { registry, username: opts.username, store };
  });
}

export async function logoutRegistry(rt: Runtime, registryName?: string): Promise<{ registry: string; removed: boolean; store: string }> {
  const registry = parseRegistry(registryName);
  return rt.audit.record({ actor: rt.actor, action: 'registry.logout', target: registry }, async () => {
    const { removed, store } = await eraseCredentials(rt.env, registry);
    return { registry, removed, store };
  });
}

/** Who is logged in where, as docker's stores say; Docker Hub shown as docker.io. */
export async function listLogins(rt: Runtime): Promise<RegistryEntry[]> {
  return (await listRegistries(rt.env)).map((e) => ({ ...e, registry: e.registry === DOCKER_HUB ? DOCKER_HUB : e.registry }));
}
