// Secrets never reach output, end to end against the real engine: a container run with secret env values, updated
// (recreated), batches created and exec'd with them, a bad value echoed in an error; then every command's stdout and
// stderr, the audit log, the dashboard's info tab and the built binary's output hold none of them, and the ordinary
// values are shown. Only `container get --show-secrets`, for a person, prints them.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import React from 'react';
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ContainerService } from '../../src/runtime/containers/index.js';
import { ExitCode, MASK } from '../../src/runtime/core/index.js';
import { ContainerDetail } from '../../src/views/ContainerDetail.js';
import { InfoPane } from '../../src/views/InfoPane.js';
import { KEY, openDashboard } from '../support/dashboard-harness.js';
import { expectOneLineError, IMG } from '../support/container-helpers.js';
import { docker, removeRooms, repoRoot, runCli, runtimeFor, tempHome, uniqueRoom, type CliResult } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('mask');
const dockerDir = path.join(home, 'docker-config');
const savedDockerConfig = process.env.DOCKER_CONFIG;

// Values built at run time: no token-shaped literal in the source.
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'mask-e2e', iat: 1764547200 })}.c2lnbmF0dXJlLW1hc2stZTJl`;
const stored = 'Stored-Value-4q7z'; // a `berth secret` value: nothing in its shape or name says secret
const registryPassword = 'Registry-Pass-8m2k'; // saved by docker login in DOCKER_CONFIG
const github = `ghp_${'Zx9Yw8Vu7T'.repeat(4)}`;

/** Every secret the test passes, and the text that must never appear anywhere but --show-secrets. */
const SECRETS = {
  apiKey: 's3cr3t-api-value',
  urlPassword: 'u:pw@h', // DB_URL=postgres://u:pw@h/db, the issue's own example
  jwt,
  bearer: 'bEaReR-tok-12345',
  stored,
  registryPassword,
  commandBearer: 'cmdBearerTok99',
  updateToken: 'upd4te-t0ken-value',
  updateUrlPassword: 'root:anotherPw55@db',
  batchPassword: 'b4tch-Pass-word',
  batchToken: github,
  execToken: 'ex3c-t0ken-value',
  errorPassword: 'hunter2@h',
  imageEnvKey: 'im4ge-env-secret',
  imageUrlPassword: 'imgUser:imgPw77@db',
  labelToken: 'l4bel-tok3n-value',
};

const ENV = [
  `API_KEY=${SECRETS.apiKey}`,
  'DB_URL=postgres://u:pw@h/db',
  `SESSION=${jwt}`,
  `UPSTREAM_HEADER=Authorization: Bearer ${SECRETS.bearer}`,
  `PLAIN_SETTING=${stored}`,
  `MIRROR_LOGIN=${registryPassword}`,
  'MODE=production',
  'HOME_URL=https://example.com/docs?page=2',
  'GIT_SHA=9fceb02d0ae598e95dc970b74767f19372d61af8',
  'REQUEST_ID=123e4567-e89b-12d3-a456-426614174000',
  'DATA_DIR=/srv/data',
];
/** Shown as they are (or, for secrets in a shape, with only the secret part masked). */
const VISIBLE = [
  'MODE=production',
  'HOME_URL=https://example.com/docs?page=2',
  'GIT_SHA=9fceb02d0ae598e95dc970b74767f19372d61af8',
  'REQUEST_ID=123e4567-e89b-12d3-a456-426614174000',
  'DATA_DIR=/srv/data',
  `DB_URL=postgres://u:${MASK}@h/db`,
  `API_KEY=${MASK}`,
  `UPSTREAM_HEADER=Authorization: Bearer ${MASK}`,
  `PLAIN_SETTING=${MASK}`,
  `MIRROR_LOGIN=${MASK}`,
  `SESSION=${MASK}`,
];
const COMMAND = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.2; done', `curl -H "Authorization: Bearer ${SECRETS.commandBearer}"`];

/** Every result a command produced, to search at the end. */
const outputs: { what: string; r: CliResult }[] = [];

async function berth(what: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const r = await runCli(['--room', room, ...args], { BERTH_HOME: home, DOCKER_CONFIG: dockerDir, ...env });
  outputs.push({ what, r });
  return r;
}

function expectNoSecrets(what: string, text: string): void {
  for (const [name, secret] of Object.entries(SECRETS)) expect(text.includes(secret), `${what} shows ${name}:\n${text}`).toBe(false);
}

beforeAll(() => {
  // The contract with the deploy helper: one file per secret in <dataDir>/secrets (0600 in a 0700 dir).
  fs.mkdirSync(path.join(home, 'data', 'secrets'), { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(home, 'data', 'secrets', 'PLAIN_SETTING'), stored, { mode: 0o600 });
  // docker login's store: auths.<registry>.auth is base64 of user:password.
  fs.mkdirSync(dockerDir);
  fs.writeFileSync(path.join(dockerDir, 'config.json'), JSON.stringify({ auths: { '127.0.0.1:15700': { auth: Buffer.from(`ci:${registryPassword}`).toString('base64') } } }));
  // The dashboard harness builds its runtime from process.env, as the real dashboard does.
  process.env.DOCKER_CONFIG = dockerDir;
});

afterAll(async () => {
  if (savedDockerConfig === undefined) delete process.env.DOCKER_CONFIG;
  else process.env.DOCKER_CONFIG = savedDockerConfig;
  await removeRooms([room]);
  await docker.getImage(`${room}-secretimg:1`).remove({ force: true }).catch(() => {});
  fs.rmSync(home, { recursive: true, force: true });
});

describe('secrets never reach output', () => {
  it('run, get, list, update, exec, batch and errors: masked everywhere, ordinary values shown', async () => {
    const run = await berth('run', ['container', 'run', IMG, '-d', '--name', 'app', ...ENV.flatMap((e) => ['-e', e]), '--', ...COMMAND]);
    expect(run.code, run.stderr).toBe(0);

    const table = await berth('get', ['container', 'get', 'app']);
    expect(table.code, table.stderr).toBe(0);
    for (const v of VISIBLE) expect(table.stdout).toContain(v);
    expect(table.stdout).toContain(`curl -H \\"Authorization: Bearer ${MASK}\\"`);

    const json = await berth('get json', ['container', 'get', 'app', '-o', 'json']);
    const detail = JSON.parse(json.stdout) as { env: string[]; command: string[] };
    expect(detail.env).toEqual(expect.arrayContaining(VISIBLE));
    expect(detail.command).toEqual([...COMMAND.slice(0, 3), `curl -H "Authorization: Bearer ${MASK}"`]);
    await berth('list json', ['container', 'list', '-o', 'json']);

    // env change: Docker cannot do it in place, so the container is recreated.
    const update = await berth('update', ['container', 'update', 'app', '-e', `NEW_TOKEN=${SECRETS.updateToken}`, '-e', `SECOND_DB=mysql://${SECRETS.updateUrlPassword}/x`, '-e', 'MODE=staging', '--time', '0', '-o', 'json']);
    expect(update.code, update.stderr).toBe(0);
    expect(JSON.parse(update.stdout)).toMatchObject({ recreated: true, changed: ['env'] });
    const after = await berth('get after update', ['container', 'get', 'app']);
    for (const v of [`NEW_TOKEN=${MASK}`, `SECOND_DB=mysql://root:${MASK}@db/x`, 'MODE=staging', 'GIT_SHA=9fceb02d0ae598e95dc970b74767f19372d61af8']) expect(after.stdout).toContain(v);

    const exec = await berth('exec', ['container', 'exec', '-e', `EXEC_TOKEN=${SECRETS.execToken}`, 'app', '--', 'true']);
    expect(exec.code, exec.stderr).toBe(0);

    // A bad value echoed back in an error is masked too.
    const bad = await berth('bad cpus', ['container', 'update', 'app', '--cpus', `postgres://u:${SECRETS.errorPassword}/db`]);
    expectOneLineError(bad, ExitCode.usage, `invalid --cpus "postgres://u:${MASK}@h/db"`);

    const file = path.join(home, 'batch.yaml');
    fs.writeFileSync(
      file,
      [
        'items:',
        `  - {name: w1, image: ${IMG}, command: sleep 600, env: {DB_PASSWORD: ${SECRETS.batchPassword}, GH: ${SECRETS.batchToken}, LOGIN: ${registryPassword}, LEVEL: debug}}`,
        `  - {name: w2, image: ${IMG}, command: sleep 600, env: {CACHE_URL: "redis://:${SECRETS.batchPassword}@cache:6379/0", LEVEL: info}}`,
        `  - {name: w3, image: ${IMG}, memory: "postgres://u:${SECRETS.errorPassword}/db"}`,
      ].join('\n'),
    );
    const created = await berth('batch create', ['container', 'batch', 'create', '--file', file, '-o', 'json']);
    expect(created.code).toBe(ExitCode.failure);
    const report = JSON.parse(created.stdout) as { items: { item: string; ok: boolean; error?: string }[] };
    expect(report.items.map((i) => [i.item, i.ok])).toEqual([['w1', true], ['w2', true], ['w3', false]]);
    expect(report.items[2]!.error).toBe(`invalid --memory "postgres://u:${MASK}@h/db": use a size like 512m or 1g`);

    const execJson = await berth('batch exec json', ['container', 'batch', 'exec', 'w1', 'w2', '-o', 'json', '--', 'sh', '-c', 'echo "gh=$GH"; echo "level=$LEVEL"; env']);
    expect(execJson.code, execJson.stderr).toBe(0);
    const execReport = JSON.parse(execJson.stdout) as { items: { result: { stdout: string } }[] };
    expect(execReport.items[0]!.result.stdout).toContain(`gh=${MASK}`);
    expect(execReport.items[0]!.result.stdout).toContain('level=debug');
    expect(execReport.items[0]!.result.stdout).toContain(`DB_PASSWORD=${MASK}`);
    expect(execReport.items[1]!.result.stdout).toContain(`CACHE_URL=redis://:${MASK}@cache:6379/0`);
    const execTable = await berth('batch exec table', ['container', 'batch', 'exec', 'w1', '--', 'sh', '-c', 'echo "$LOGIN"']);
    expect(execTable.stdout).toMatch(new RegExp(`^w1\\s+ok\\s+exit 0: \\*\\*\\*$`, 'm'));

    for (const { what, r } of outputs) {
      expectNoSecrets(`${what} stdout`, r.stdout);
      expectNoSecrets(`${what} stderr`, r.stderr);
    }

    // The audit log: every mutation above is there, none with a secret.
    const audit = fs.readFileSync(path.join(home, 'data', 'actions.jsonl'), 'utf8');
    for (const action of ['container.run', 'container.update', 'container.exec']) expect(audit).toContain(`"action":"${action}"`);
    expect(audit).toContain('MODE=production');
    expect(audit).toContain(`DB_URL=postgres://u:${MASK}@h/db`);
    expectNoSecrets('the audit log', audit);
  });

  it('the dashboard info tab shows the masked values, for the component and in the running app', async () => {
    const rt = runtimeFor(home, { DOCKER_CONFIG: dockerDir });
    try {
      const detail = await new ContainerService(rt).inspect(room, 'app');
      const pane = render(
        <ContainerDetail container={detail} tab="info" height={80}>
          <InfoPane detail={detail} scroll={0} height={70} width={400} />
        </ContainerDetail>,
      );
      const frame = pane.lastFrame() ?? '';
      pane.unmount();
      for (const v of [`NEW_TOKEN=${MASK}`, `DB_URL=postgres://u:${MASK}@h/db`, 'MODE=staging', 'REQUEST_ID=123e4567-e89b-12d3-a456-426614174000', `PLAIN_SETTING=${MASK}`]) expect(frame).toContain(v);
      expectNoSecrets('the info pane', frame);
    } finally {
      rt.close();
    }

    const dash = await openDashboard(home, room);
    try {
      await dash.waitForFrame((f) => /\bapp\b/.test(f), 'the row');
      dash.press('/', 'a', 'p', 'p', KEY.enter);
      await dash.waitForFrame((f) => f.includes('filter: app') && f.includes('(1 of 3)'), 'the filter to leave only "app"');
      dash.press(KEY.enter, '3');
      const info = await dash.waitForFrame((f) => f.includes('MODE=staging'), 'the info tab');
      expect(info).toMatch(/=\*\*\*/);
      expectNoSecrets('the dashboard', info);
    } finally {
      dash.close();
    }
  });

  it('--show-secrets prints real values for a person, is refused for agents, and is audited', async () => {
    const refused = await runCli(['--room', room, 'container', 'get', 'app', '--show-secrets'], { BERTH_HOME: home, BERTH_AGENT: 'bot' });
    expectOneLineError(refused, ExitCode.denied, '--show-secrets is refused for agents');
    expectNoSecrets('the refusal', refused.stdout + refused.stderr);

    // A person: no BERTH_AGENT (undefined wins over the test process's own environment).
    const shown = await runCli(['--room', room, 'container', 'get', 'app', '--show-secrets', '-o', 'json'], { BERTH_HOME: home, DOCKER_CONFIG: dockerDir, BERTH_AGENT: undefined });
    expect(shown.code, shown.stderr).toBe(0);
    const detail = JSON.parse(shown.stdout) as { env: string[] };
    expect(detail.env).toEqual(expect.arrayContaining([`API_KEY=${SECRETS.apiKey}`, 'DB_URL=postgres://u:pw@h/db', `PLAIN_SETTING=${stored}`, `NEW_TOKEN=${SECRETS.updateToken}`]));
    const audit = fs.readFileSync(path.join(home, 'data', 'actions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.at(-1)).toMatchObject({ action: 'container.show-secrets', target: `${room}/app`, result: 'ok' });
    expectNoSecrets('the audit log after --show-secrets', audit.map((l) => JSON.stringify(l)).join('\n'));
  });

  it('reads the stored secrets only when it masks for output, once per command', async () => {
    const reads = vi.spyOn(fs, 'readdirSync');
    const secretsReads = () => reads.mock.calls.filter(([p]) => String(p).endsWith(`${path.sep}secrets`)).length;
    try {
      const list = await runCli(['--room', room, 'container', 'list'], { BERTH_HOME: home });
      expect(list.code, list.stderr).toBe(0);
      expect(secretsReads()).toBe(0);
      const get = await runCli(['--room', room, 'container', 'get', 'app'], { BERTH_HOME: home });
      expect(get.code, get.stderr).toBe(0);
      expect(get.stdout).toContain(`PLAIN_SETTING=${MASK}`);
      expect(secretsReads()).toBe(1);
    } finally {
      reads.mockRestore();
    }
  });

  it('image list, image inspect and the Images view mask what an image carries (env, labels, history)', async () => {
    const ctx = path.join(home, 'image-ctx');
    fs.mkdirSync(ctx, { recursive: true });
    fs.writeFileSync(
      path.join(ctx, 'Dockerfile'),
      [
        `FROM ${IMG}`,
        `ENV API_KEY=${SECRETS.imageEnvKey} DB_URL=postgres://${SECRETS.imageUrlPassword}/x MODE=image`,
        `LABEL src=https://ci:${SECRETS.labelToken}@git.example/r plain=kept`,
      ].join('\n'),
    );
    const tag = `${room}-secretimg:1`;
    const built = await berth('build', ['build', ctx, '--tag', tag, '-o', 'json']);
    expect(built.code, built.stderr).toBe(0);
    const table = await berth('image inspect', ['image', 'inspect', tag]);
    expect(table.code, table.stderr).toBe(0);
    for (const v of [`API_KEY=${MASK}`, 'MODE=image', 'plain=kept', `src=https://ci:${MASK}@git.example/r`]) expect(table.stdout).toContain(v);
    const json = await berth('image inspect json', ['image', 'inspect', tag, '-o', 'json']);
    const detail = JSON.parse(json.stdout) as { env: string[]; labels: Record<string, string>; history: { createdBy: string }[] };
    expect(detail.env).toEqual(expect.arrayContaining([`API_KEY=${MASK}`, `DB_URL=postgres://imgUser:${MASK}@db/x`, 'MODE=image']));
    expect(detail.labels).toMatchObject({ plain: 'kept', src: `https://ci:${MASK}@git.example/r` });
    expect(detail.history.some((h) => h.createdBy.includes('MODE=image'))).toBe(true);
    await berth('image list json', ['image', 'list', '-o', 'json']);
    for (const { what, r } of outputs) expectNoSecrets(`${what} output`, r.stdout + r.stderr);

    const dash = await openDashboard(home, room);
    try {
      dash.press(':', ...'images', KEY.enter);
      await dash.waitForFrame((f) => f.includes(tag), 'the image in the list');
      dash.press(KEY.enter);
      const full = await dash.waitForFrame((f) => f.includes('HISTORY (') && f.includes('plain=kept'), 'the image full screen').catch((e) => {
        throw new Error(`${e.message}\n${dash.frame()}`);
      });
      expect(full).toContain('MODE=image');
      expectNoSecrets('the Images view', full);
    } finally {
      dash.close();
    }
    expectNoSecrets('the audit log after the build', fs.readFileSync(path.join(home, 'data', 'actions.jsonl'), 'utf8'));
  });

  it('the built binary masks the same way', async () => {
    const env = { ...process.env, BERTH_HOME: home, DOCKER_CONFIG: dockerDir };
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'bin', 'berth'), '--room', room, 'container', 'get', 'app'], { env });
    expect(stdout).toContain(`DB_URL=postgres://u:${MASK}@h/db`);
    expect(stdout).toContain('GIT_SHA=9fceb02d0ae598e95dc970b74767f19372d61af8');
    expectNoSecrets('bin/berth', stdout + stderr);
  });
});
