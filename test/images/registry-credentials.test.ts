// Credentials end to end against the htpasswd registry: registry login/list/logout in config.json and through a
// credential helper on PATH, pull/push with right and wrong credentials (stored, or --username with
// --password-stdin), and the canary password searched for in every output, the audit log, the SQLite files,
// berth's config and the `ps` lines seen while berth ran: zero occurrences.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectOneLineError } from '../support/container-helpers.js';
import { buildTestImage, ENGINE_MODE } from '../support/deploy-helpers.js';
import { FIXTURE_IMAGE, docker, removeRooms, tempHome, uniqueRoom, type CliResult } from '../support/helpers.js';
import { filesUnder, runBin, runCliStdin, writeCredentialHelper } from '../support/image-helpers.js';

const registry = inject('registry');
const canary = registry.password;
const home = tempHome();
const room = uniqueRoom('cred');
/** A room that pulls only through deploy, --image-mount and container update. */
const svcRoom = uniqueRoom('credsvc');
const repo = `${registry.host}/berth-cred-${room}`;
const seen: string[] = [];
const record = <T extends CliResult>(r: T): T => {
  seen.push(r.stdout, r.stderr, (r as { ps?: string }).ps ?? '');
  return r;
};

/** A DOCKER_CONFIG of its own for one scenario. */
function dockerConfig(name: string, content?: object): string {
  const dir = path.join(home, `docker-${name}`);
  fs.mkdirSync(dir, { recursive: true });
  if (content) fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(content));
  return dir;
}

const helperBin = path.join(home, 'bin');
const helperStore = path.join(home, 'helper-store.json');
const baseEnv = { BERTH_HOME: path.join(home, 'berth'), BERTH_AGENT: 'tester', BERTH_TEST_CRED_STORE: helperStore, PATH: `${helperBin}:${process.env.PATH}` };
const cliIn = (inRoom: string, dockerDir: string, args: string[], stdin?: string) =>
  runCliStdin(['--room', inRoom, ...args], { ...baseEnv, ...ENGINE_MODE, DOCKER_CONFIG: dockerDir }, stdin).then(record);
const cli = (dockerDir: string, args: string[], stdin?: string) => cliIn(room, dockerDir, args, stdin);

beforeAll(async () => {
  writeCredentialHelper(helperBin, 'berthtest');
  await docker.getImage(FIXTURE_IMAGE).tag({ repo, tag: '1' });
});

afterAll(async () => {
  await removeRooms([room, svcRoom]);
  for (const t of ['1', '2', '3', 'svc', 'mount', 'update']) await docker.getImage(`${repo}:${t}`).remove({ force: true }).catch(() => {});
  fs.rmSync(home, { recursive: true, force: true });
});

describe('registry credentials in config.json', () => {
  const dir = dockerConfig('file', { currentContext: 'default', experimental: 'enabled' });

  it('login with a wrong password is denied in one line and stores nothing', async () => {
    const r = await cli(dir, ['registry', 'login', registry.host, '-u', registry.username, '--password-stdin'], 'not-the-password\n');
    expectOneLineError(r, 6, `refused the credentials of ${registry.username}`);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).auths).toBeUndefined();
  });

  it('login stores base64 auths as docker does, keeps other keys, and list shows the user only', async () => {
    const r = await cli(dir, ['registry', 'login', registry.host, '-u', registry.username, '--password-stdin'], `${canary}\n`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`logged in to ${registry.host} as ${registry.username} (stored in config.json)`);
    const file = path.join(dir, 'config.json');
    const config = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(config.experimental).toBe('enabled');
    expect(Buffer.from(config.auths[registry.host].auth, 'base64').toString()).toBe(`${registry.username}:${canary}`);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const list = await cli(dir, ['registry', 'list', '-o', 'json']);
    expect(JSON.parse(list.stdout).items).toEqual([{ registry: registry.host, username: registry.username, store: 'config.json' }]);
  });

  it('push and pull use the stored login; the pull output with -o json is only the result', async () => {
    const push = await cli(dir, ['image', 'push', `${repo}:1`]);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stdout).toMatch(/pushed .*:1 \(sha256:[0-9a-f]{64}\)/);
    // Piped: plain lines, one per change of a layer's status.
    expect(push.stderr).toMatch(/Pushed|Layer already exists|Mounted from/);
    await docker.getImage(`${repo}:1`).remove();
    const pull = await cli(dir, ['image', 'pull', `${repo}:1`, '-o', 'json']);
    expect(pull.code, pull.stderr).toBe(0);
    expect(pull.stderr).toBe('');
    expect(JSON.parse(pull.stdout)).toMatchObject({ ref: `${repo}:1`, room });
    const list = await cli(dir, ['image', 'list', '-o', 'json']);
    expect(JSON.parse(list.stdout).items.map((i: { tags: string[] }) => i.tags).flat()).toContain(`${repo}:1`);
  });

  it('container run pulls a missing private image with the stored login; without one it is denied (6)', async () => {
    await docker.getImage(`${repo}:1`).remove({ force: true }).catch(() => {});
    const denied = await cli(dockerConfig('none'), ['container', 'run', `${repo}:1`, '-d', '--name', 'nologin', '--', 'sleep', '600']);
    expectOneLineError(denied, 6, `registry ${registry.host} wants a login`);
    const r = await cli(dir, ['container', 'run', `${repo}:1`, '-d', '--name', 'private', '--', 'sleep', '600']);
    expect(r.code, r.stderr).toBe(0);
    expect((await docker.getContainer(`${room}.private`).inspect()).Config.Image).toBe(`${repo}:1`);
  });

  it('deploy, --image-mount and container update pull a missing private image with the stored login; the room holds it', async () => {
    await buildTestImage(`${repo}:svc`, ['CMD ["sleep", "600"]']);
    for (const t of ['mount', 'update']) await docker.getImage(FIXTURE_IMAGE).tag({ repo, tag: t });
    for (const t of ['svc', 'mount', 'update']) {
      const push = await cli(dir, ['image', 'push', `${repo}:${t}`]);
      expect(push.code, push.stderr).toBe(0);
      await docker.getImage(`${repo}:${t}`).remove();
    }
    const deploy = await cliIn(svcRoom, dir, ['deploy', '-t', `${repo}:svc`, '--name', 'svc', '--image-mount', `${repo}:mount:/ref`, '--settle', '1s', '--drain', '1s']);
    expect(deploy.code, deploy.stderr).toBe(0);
    const run = await cliIn(svcRoom, dir, ['container', 'run', `${repo}:svc`, '-d', '--name', 'box']);
    expect(run.code, run.stderr).toBe(0);
    const update = await cliIn(svcRoom, dir, ['container', 'update', 'box', '--image', `${repo}:update`]);
    expect(update.code, update.stderr).toBe(0);
    const list = await cliIn(svcRoom, dir, ['image', 'list', '-o', 'json']);
    const tags = JSON.parse(list.stdout).items.flatMap((i: { tags: string[] }) => i.tags);
    for (const t of ['svc', 'mount', 'update']) expect(tags).toContain(`${repo}:${t}`);
  });

  it('--username with --password-stdin overrides the store: wrong is denied (6), right works', async () => {
    const wrong = await cli(dir, ['image', 'pull', `${repo}:1`, '--username', registry.username, '--password-stdin'], 'wrong\n');
    expectOneLineError(wrong, 6, `registry ${registry.host} refused the credentials of ${registry.username}`);
    const wrongPush = await cli(dir, ['image', 'push', `${repo}:1`, '-u', registry.username, '--password-stdin'], 'wrong');
    expectOneLineError(wrongPush, 6, 'refused the credentials');
    const right = await cli(dir, ['image', 'pull', `${repo}:1`, '-u', registry.username, '--password-stdin'], canary);
    expect(right.code, right.stderr).toBe(0);
  });

  it('a password flag is refused without echoing it; --username needs --password-stdin', async () => {
    const r = await cli(dir, ['image', 'pull', `${repo}:1`, '--username', registry.username, '--password', canary]);
    expectOneLineError(r, 2, '--password is not accepted');
    const login = await cli(dir, ['registry', 'login', registry.host, '-u', registry.username, `--password=${canary}`]);
    expectOneLineError(login, 2, '--password is not accepted');
    expectOneLineError(await cli(dir, ['image', 'pull', `${repo}:1`, '--username', registry.username]), 2, '--password-stdin');
    // Refused before anything was recorded: the canary never reached an error line either.
    expect(r.stderr + login.stderr).not.toContain(canary);
  });

  it('logout removes the entry; then the registry asks for credentials (6)', async () => {
    const r = await cli(dir, ['registry', 'logout', registry.host]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`logged out of ${registry.host}`);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).auths).toEqual({});
    expectOneLineError(await cli(dir, ['image', 'pull', `${repo}:1`]), 6, `berth registry login ${registry.host}`);
  });
});

describe('registry credentials through a credential helper on PATH', () => {
  const dir = dockerConfig('helper', { credsStore: 'berthtest' });

  it('no stored credentials: the helper\'s "not found" means none, and the registry asks for them (6)', async () => {
    await docker.getImage(`${repo}:1`).remove({ force: true }).catch(() => {});
    expectOneLineError(await cli(dir, ['image', 'pull', `${repo}:1`]), 6, `berth registry login ${registry.host}`);
  });

  it('login stores the secret in the helper (never in config.json) and pull uses it', async () => {
    const r = await runBin(['--room', room, 'registry', 'login', registry.host, '-u', registry.username, '--password-stdin'], { ...baseEnv, DOCKER_CONFIG: dir }, `${canary}\n`);
    record(r);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('(stored in berthtest)');
    expect(JSON.parse(fs.readFileSync(helperStore, 'utf8'))[registry.host]).toEqual({ Username: registry.username, Secret: canary });
    const config = fs.readFileSync(path.join(dir, 'config.json'), 'utf8');
    expect(JSON.parse(config)).toEqual({ credsStore: 'berthtest', auths: { [registry.host]: {} } });
    const pull = await runBin(['--room', room, 'image', 'pull', `${repo}:1`], { ...baseEnv, DOCKER_CONFIG: dir });
    record(pull);
    expect(pull.code, pull.stderr).toBe(0);
    expect(pull.stdout).toContain(`pulled ${repo}:1`);
    const list = await cli(dir, ['registry', 'list']);
    expect(list.stdout).toMatch(new RegExp(`${registry.host.replace(/\./g, '\\.')}\\s+${registry.username}\\s+berthtest`));
  });

  it('a credHelpers entry wins over credsStore for its registry; build --push uses the helper', async () => {
    const perRegistry = dockerConfig('credhelpers', { credsStore: 'missing-helper', credHelpers: { [registry.host]: 'berthtest' } });
    const ctx = path.join(home, 'ctx-push');
    fs.mkdirSync(ctx, { recursive: true });
    fs.writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${FIXTURE_IMAGE}\nRUN echo pushed-build > /marker\n`);
    const r = await cli(perRegistry, ['build', ctx, '-t', `${repo}:3`, '--push']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`pushed ${repo}:3`);
    const tags = await fetch(`http://${registry.host}/v2/berth-cred-${room}/tags/list`, {
      headers: { authorization: `Basic ${Buffer.from(`${registry.username}:${canary}`).toString('base64')}` },
    }).then((res) => res.json() as Promise<{ tags: string[] }>);
    expect(tags.tags).toContain('3');
  });

  it('logout erases the secret in the helper', async () => {
    const r = await cli(dir, ['registry', 'logout', registry.host]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(helperStore, 'utf8'))[registry.host]).toBeUndefined();
    // The helper only ever got its action as an argument; the secret went over stdin.
    const calls = fs.readFileSync(`${helperStore}.calls`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[]);
    expect(calls.every((c) => c.length === 1 && ['get', 'store', 'erase', 'list'].includes(c[0]!))).toBe(true);
  });
});

describe('the canary password', () => {
  it('appears nowhere berth wrote or showed: outputs, audit log, SQLite, berth config, ps', () => {
    const berthHome = baseEnv.BERTH_HOME;
    const files = filesUnder(berthHome);
    expect(files.some((f) => f.endsWith('actions.jsonl'))).toBe(true);
    expect(files.some((f) => f.endsWith('berth.db'))).toBe(true);
    const needles = [canary, Buffer.from(canary).toString('base64'), Buffer.from(`${registry.username}:${canary}`).toString('base64')];
    for (const file of files) {
      const content = fs.readFileSync(file).toString('latin1');
      for (const needle of needles) expect(content.includes(needle), `${needle} in ${file}`).toBe(false);
    }
    const outputs = seen.join('\n');
    expect(seen.filter((s) => s.includes('ps') || s.length).length).toBeGreaterThan(10);
    for (const needle of needles) expect(outputs.includes(needle), `${needle} in outputs`).toBe(false);
    // The audit log recorded the logins and pulls, by user, not by secret.
    const audit = fs.readFileSync(path.join(berthHome, 'data', 'actions.jsonl'), 'utf8');
    expect(audit).toContain('"action":"registry.login"');
    expect(audit).toContain(`"user":"${registry.username}"`);
  });
});
