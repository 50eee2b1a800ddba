// resolveCredentials against config.json files docker login writes (a temp DOCKER_CONFIG each): an identity token
// entry, Docker Hub's legacy `https://index.docker.io/v1/` key found as docker.io and as index.docker.io, and what the
// engine gets for each (X-Registry-Auth's fields).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allCredentials, listRegistries, resolveCredentials } from '../../src/runtime/images/index.js';
import { tempHome } from '../support/helpers.js';

const home = tempHome();
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

let n = 0;
/** An environment whose DOCKER_CONFIG holds this config.json (PATH empty: no credential helper can answer). */
function withConfig(config: object): NodeJS.ProcessEnv {
  const dir = path.join(home, `docker-${++n}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  return { DOCKER_CONFIG: dir, HOME: home, PATH: '' };
}

const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

describe('resolveCredentials', () => {
  it('an identitytoken entry is handed over as the token (with the user when stored), never as a password', async () => {
    const env = withConfig({
      auths: {
        'registry.example.com': { identitytoken: 'refresh-token-1' },
        'https://tokens.example.com/v2/': { identitytoken: 'refresh-token-2', username: 'robot' },
      },
    });
    expect(await resolveCredentials(env, 'registry.example.com')).toEqual({ serveraddress: 'registry.example.com', identitytoken: 'refresh-token-1' });
    expect(await resolveCredentials(env, 'tokens.example.com')).toEqual({ serveraddress: 'tokens.example.com', identitytoken: 'refresh-token-2', username: 'robot' });
    expect(await resolveCredentials(env, 'other.example.com')).toBeUndefined();
    // Listed by user; a token without one shows as <token>.
    expect(await listRegistries(env)).toEqual([
      { registry: 'registry.example.com', username: '<token>', store: 'config.json' },
      { registry: 'tokens.example.com', username: 'robot', store: 'config.json' },
    ]);
  });

  it('Docker Hub\'s https://index.docker.io/v1/ entry is found as docker.io and as index.docker.io, keyed as docker login keys it', async () => {
    const env = withConfig({ auths: { 'https://index.docker.io/v1/': { auth: basic('hubuser', 'hub-pass:with-colon') }, '127.0.0.1:5000': { auth: basic('local', 'pw') } } });
    const hub = { serveraddress: 'https://index.docker.io/v1/', username: 'hubuser', password: 'hub-pass:with-colon' };
    expect(await resolveCredentials(env, 'docker.io')).toEqual(hub);
    expect(await resolveCredentials(env, 'index.docker.io')).toEqual(hub);
    expect(await resolveCredentials(env, 'https://index.docker.io/v1/')).toEqual(hub);
    expect(await resolveCredentials(env, '127.0.0.1:5000')).toEqual({ serveraddress: '127.0.0.1:5000', username: 'local', password: 'pw' });
    // For a build, every stored registry under the key the engine looks it up by.
    expect(Object.keys(await allCredentials(env)).sort()).toEqual(['127.0.0.1:5000', 'https://index.docker.io/v1/']);
  });

  it('an entry stored under index.docker.io is Docker Hub too', async () => {
    const env = withConfig({ auths: { 'index.docker.io': { username: 'plain', password: 'plain-pass' } } });
    expect(await resolveCredentials(env, 'docker.io')).toEqual({ serveraddress: 'https://index.docker.io/v1/', username: 'plain', password: 'plain-pass' });
    expect(await listRegistries(env)).toEqual([{ registry: 'docker.io', username: 'plain', store: 'config.json' }]);
  });
});
