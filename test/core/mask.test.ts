// The masking rules as a table: secrets by name, shape and stored value are masked; look-alikes stay as they are.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditLog, isSecretName, MASK, Masker, maskDeep, maskEnvEntry, maskText, readKnownSecrets } from '../../src/runtime/core/index.js';
import { tempHome } from '../support/helpers.js';

// Built at run time so no token-shaped literal sits in the source for scanners to flag.
const JWT = [
  Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url'),
  Buffer.from('{"sub":"1234567890","name":"berth"}').toString('base64url'),
  'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
].join('.');
const PEM = ['-----BEGIN RSA PRIVATE KEY-----', 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun', 'VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK', '-----END RSA PRIVATE KEY-----'].join('\n');
const ghp = `ghp_${'a1B2c3D4e5'.repeat(4)}`;
const pat = `github_pat_11ABCDEFG0${'x9Y8z7W6v5'.repeat(6)}`;
const aws = `AKIA${'IOSFODNN7EXAMPLE'}`;
const awsTemp = `ASIA${'Y34FZKBOKMUTVV7A'}`;
const openai = `sk-proj-${'Ab3dEf6hIj9'.repeat(3)}`;
const slack = `xoxb-${'123456789012-1234567890123-'}${'AbCdEfGhIjKlMnOpQrStUvWx'}`;
const stripe = `sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`;
const google = `AIza${'SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY'}`;
const npm = `npm_${'a'.repeat(18)}${'B'.repeat(18)}`;
const hf = `hf_${'abcDEFghiJKLmnoPQRstuVWXyz0123'}`;

// [what, input, expected]: entries with "=" are env entries, the rest free text.
const table: [string, string, string][] = [
  // by name
  ['secret name', 'API_KEY=s3cr3t', `API_KEY=${MASK}`],
  ['password name', 'DB_PASSWORD=hunter2', `DB_PASSWORD=${MASK}`],
  ['camelCase token name', 'githubToken=abc', `githubToken=${MASK}`],
  ['short pass word', 'SMTP_PASS=abc', `SMTP_PASS=${MASK}`],
  ['mysql pwd', 'MYSQL_PWD=abc', `MYSQL_PWD=${MASK}`],
  ['trailing _KEY', 'STRIPE_KEY=whatever', `STRIPE_KEY=${MASK}`],
  ['client secret', 'OAUTH_CLIENT_SECRET=x', `OAUTH_CLIENT_SECRET=${MASK}`],
  ['auth word', 'BASIC_AUTH=admin:admin', `BASIC_AUTH=${MASK}`],
  // by shape, under harmless names
  ['URL password', 'DB_URL=postgres://u:pw@h/db', `DB_URL=postgres://u:${MASK}@h/db`],
  ['URL password with @', 'MYSQL=mysql://app:p@ss@db:3306/x', `MYSQL=mysql://app:${MASK}@db:3306/x`],
  ['URL password, empty user', 'CACHE=redis://:pw123@cache:6379/0', `CACHE=redis://:${MASK}@cache:6379/0`],
  ['URL password with an unencoded /', 'DB=postgres://app:ab/cd+ef==@db:5432/x', `DB=postgres://app:${MASK}@db:5432/x`],
  ['URL password in text', 'cannot connect to amqp://guest:guest@mq:5672/ (refused)', `cannot connect to amqp://guest:${MASK}@mq:5672/ (refused)`],
  ['bearer header', 'UPSTREAM_HEADER=Authorization: Bearer abc123def456', `UPSTREAM_HEADER=Authorization: Bearer ${MASK}`],
  ['bearer value', 'HDR=Bearer abc123def456ghi', `HDR=${MASK}`],
  ['basic header', 'curl -H "Authorization: Basic dXNlcjpwYXNzd29yZA==" http://h', `curl -H "Authorization: Basic ${MASK}" http://h`],
  ['JWT value', `SESSION=${JWT}`, `SESSION=${MASK}`],
  ['JWT in text', `token was ${JWT} (expired)`, `token was ${MASK} (expired)`],
  ['PEM private key', `SSH_MATERIAL=${PEM}`, `SSH_MATERIAL=${MASK}`],
  ['PEM cut short', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA', MASK],
  ['GitHub classic token', `GH=${ghp}`, `GH=${MASK}`],
  ['GitHub fine-grained PAT', `clone with ${pat} please`, `clone with ${MASK} please`],
  ['AWS access key id', `AWS_ID=${aws}`, `AWS_ID=${MASK}`],
  ['AWS temporary key id', `K=${awsTemp}`, `K=${MASK}`],
  ['OpenAI key', `LLM=${openai}`, `LLM=${MASK}`],
  ['Slack token', `SLACK=${slack}`, `SLACK=${MASK}`],
  ['Stripe live key', `PAY=${stripe}`, `PAY=${MASK}`],
  ['Google API key', `MAPS=${google}`, `MAPS=${MASK}`],
  ['npm token', `NPMRC=//registry.npmjs.org/:_authToken=${npm}`, `NPMRC=//registry.npmjs.org/:_authToken=${MASK}`],
  ['Hugging Face token', `HF=${hf}`, `HF=${MASK}`],
  ['token in a git URL', `https://x-access-token:${ghp}@github.com/o/r.git`, `https://x-access-token:${MASK}@github.com/o/r.git`],
  ['secret query parameter', 'https://h/cb?access_token=abc123&state=ok', `https://h/cb?access_token=${MASK}&state=ok`],
  ['flag with a secret name', 'app --password=hunter2 --port 80', `app --password=${MASK} --port 80`],
  ['JSON field', '{"user":"ann","password":"hunter2"}', `{"user":"ann","password":"${MASK}"}`],
  // look-alikes that stay
  ['URL without password', 'HOME_URL=https://example.com/a?b=c', 'HOME_URL=https://example.com/a?b=c'],
  ['URL with user only', 'REPO=ssh://git@github.com/o/r.git', 'REPO=ssh://git@github.com/o/r.git'],
  ['URL with port', 'API=http://api.internal:8080/v1', 'API=http://api.internal:8080/v1'],
  ['@ in a URL path', 'PROFILE=https://mastodon.social/@berth:x', 'PROFILE=https://mastodon.social/@berth:x'],
  ['port, then @ in the path', 'PAGE=https://blog.example:8443/@ann/post', 'PAGE=https://blog.example:8443/@ann/post'],
  ['a path', 'DATA_DIR=/var/lib/berth/rooms/r1', 'DATA_DIR=/var/lib/berth/rooms/r1'],
  ['a commit hash', 'GIT_SHA=9fceb02d0ae598e95dc970b74767f19372d61af8', 'GIT_SHA=9fceb02d0ae598e95dc970b74767f19372d61af8'],
  ['a UUID', 'REQUEST_ID=123e4567-e89b-12d3-a456-426614174000', 'REQUEST_ID=123e4567-e89b-12d3-a456-426614174000'],
  ['a base64 id', 'CURSOR=dGhpcyBpcyBub3QgYSB0b2tlbg==', 'CURSOR=dGhpcyBpcyBub3QgYSB0b2tlbg=='],
  ['a docker image digest', 'IMG=busybox@sha256:3fbc632167424a6d997e74f52b878d7cc478225cffac6bc977eedfe51c7f4e79', 'IMG=busybox@sha256:3fbc632167424a6d997e74f52b878d7cc478225cffac6bc977eedfe51c7f4e79'],
  ['an e-mail address', 'MAINTAINER=ann@example.com', 'MAINTAINER=ann@example.com'],
  ['sk- in a word', 'TASK=task-runner-2024-abcdefghijklmnopqrstuv', 'TASK=task-runner-2024-abcdefghijklmnopqrstuv'],
  ['short sk-', 'SIZE=sk-1', 'SIZE=sk-1'],
  ['short ghp_', 'NOTE=ghp_short', 'NOTE=ghp_short'],
  ['xoxo', 'GREETING=xoxo-hugs', 'GREETING=xoxo-hugs'],
  ['lower-case akia', 'WORD=akiaiosfodnn7example', 'WORD=akiaiosfodnn7example'],
  ['eyJ without dots', 'B64=eyJhbGciOiJIUzI1NiJ9', 'B64=eyJhbGciOiJIUzI1NiJ9'],
  ['a public key', 'PEM=-----BEGIN PUBLIC KEY-----', 'PEM=-----BEGIN PUBLIC KEY-----'],
  ['bearer in prose', 'the bearer of this message', 'the bearer of this message'],
  ['Bearer authentication in prose', 'use Bearer authentication here', 'use Bearer authentication here'],
  ['PWD is a directory', 'PWD=/home/ann', 'PWD=/home/ann'],
  ['AUTHOR is not auth', 'AUTHOR=Ann Example', 'AUTHOR=Ann Example'],
  ['a secret file path', 'DB_PASSWORD_FILE=/run/secrets/db', 'DB_PASSWORD_FILE=/run/secrets/db'],
  ['PUBLIC_KEY', 'PUBLIC_KEY=ssh-ed25519 AAAAC3Nza', 'PUBLIC_KEY=ssh-ed25519 AAAAC3Nza'],
  ['time and ratio', 'START=12:30 RATIO=3:4', 'START=12:30 RATIO=3:4'],
  ['an error about auth', 'unauthorized: authentication required', 'unauthorized: authentication required'],
];

describe('masking table', () => {
  it('has at least 30 entries, both kinds', () => {
    expect(table.length).toBeGreaterThanOrEqual(30);
    expect(table.filter(([, i, o]) => i === o).length).toBeGreaterThanOrEqual(15);
    expect(table.filter(([, i, o]) => i !== o).length).toBeGreaterThanOrEqual(15);
  });

  it.each(table)('%s', (_what, input, expected) => {
    const masked = /^[A-Za-z_][A-Za-z0-9_.-]*=/.test(input) ? maskEnvEntry(input) : maskText(input);
    expect(masked).toBe(expected);
    // Masking is idempotent: masking twice changes nothing more.
    expect(maskText(masked)).toBe(masked);
  });

  it('names: secret words, not their look-alikes', () => {
    for (const n of ['API_KEY', 'apiKey', 'x-api-key', 'AWS_SECRET_ACCESS_KEY', 'GITHUB_TOKEN', 'db.password', 'SENTRY_DSN', 'auth']) expect(isSecretName(n), n).toBe(true);
    for (const n of ['PATH', 'HOME', 'PWD', 'AUTHOR', 'KEY', 'PUBLIC_KEY', 'CACHE_KEY', 'SSH_AUTH_SOCK', 'TOKEN_URL', 'MODE']) expect(isSecretName(n), n).toBe(false);
  });

  it('structures: by key at any depth, env lists by name, strings by shape', () => {
    const masked = maskDeep({ env: ['A=1', 'DB_URL=postgres://u:pw@h/db'], password: 'x', nested: { token: 42, url: 'http://a:b@c/' }, list: [{ secret: true }] });
    expect(masked).toEqual({ env: ['A=1', `DB_URL=postgres://u:${MASK}@h/db`], password: MASK, nested: { token: MASK, url: `http://a:${MASK}@c/` }, list: [{ secret: MASK }] });
  });
});

describe('stored secrets', () => {
  const home = tempHome();
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  it('masks values equal to berth secrets and docker-login passwords, read only when masking, and re-read later', () => {
    const dataDir = path.join(home, 'data');
    const dockerDir = path.join(home, 'docker');
    fs.mkdirSync(path.join(dataDir, 'secrets'), { recursive: true, mode: 0o700 });
    fs.mkdirSync(dockerDir);
    fs.writeFileSync(path.join(dataDir, 'secrets', 'DB_PASS'), 'plain-looking-value-42\n', { mode: 0o600 });
    fs.writeFileSync(path.join(dataDir, 'secrets', '.DB_PASS.tmp'), 'ignored-temp-file', { mode: 0o600 });
    fs.writeFileSync(
      path.join(dockerDir, 'config.json'),
      JSON.stringify({ auths: { 'registry.example:5000': { auth: Buffer.from('ci:registry-pass-77').toString('base64') }, 'ghcr.io': { identitytoken: 'idtok-abcdef' } }, credsStore: 'desktop' }),
    );
    const masker = new Masker({ dataDir, env: { DOCKER_CONFIG: dockerDir } });
    expect(masker.env(['MODE=plain-looking-value-42', 'X=ok', 'REG=registry-pass-77', 'T=idtok-abcdef'])).toEqual([`MODE=${MASK}`, 'X=ok', `REG=${MASK}`, `T=${MASK}`]);
    expect(masker.text('login with registry-pass-77 failed')).toBe(`login with ${MASK} failed`);
    expect(masker.text('ignored-temp-file')).toBe('ignored-temp-file');
    expect(readKnownSecrets({ dataDir, env: { DOCKER_CONFIG: dockerDir } })).toContain(Buffer.from('ci:registry-pass-77').toString('base64'));

    // A secret added later is seen by the next masker (the next command).
    fs.writeFileSync(path.join(dataDir, 'secrets', 'LATER'), 'added-after-start', { mode: 0o600 });
    const fresh = new Masker({ dataDir, env: { DOCKER_CONFIG: dockerDir } });
    expect(fresh.value('added-after-start')).toBe(MASK);
  });

  it('needs no secrets dir or docker config, and masks errors in place', () => {
    const masker = new Masker({ dataDir: path.join(home, 'nowhere'), env: { DOCKER_CONFIG: path.join(home, 'nowhere') } });
    expect(masker.known()).toEqual([]);
    const err = masker.error(new Error('connect postgres://u:pw@h/db: refused'));
    expect(err.message).toBe(`connect postgres://u:${MASK}@h/db: refused`);
    expect(err.stack).not.toContain(':pw@');
  });

  it('the audit log masks details and errors with the stored secrets', () => {
    const dataDir = path.join(home, 'data');
    const log = new AuditLog(path.join(dataDir, 'actions.jsonl'), { mask: new Masker({ dataDir, env: {} }) });
    log.append({ actor: 'a', action: 'x', target: 't', result: 'error', error: 'bad value plain-looking-value-42', details: { env: ['OK=plain-looking-value-42'] } });
    const text = fs.readFileSync(path.join(dataDir, 'actions.jsonl'), 'utf8');
    expect(text).not.toContain('plain-looking-value-42');
    expect(JSON.parse(text)).toMatchObject({ error: `bad value ${MASK}`, details: { env: [`OK=${MASK}`] } });
  });
});
