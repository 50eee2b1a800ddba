// A refused attempt at a person's act is audited: an agent (BERTH_AGENT) asking to set limits, decide an approval,
// trust a command, remove a rule or see a container's secrets is refused (exit 6) and the audit log says who, what
// and why.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, ExitCode } from '../../src/runtime/core/index.js';
import { cliFor, IMG } from '../support/container-helpers.js';
import { removeRooms, tempHome, uniqueRoom } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('refused');
const asPerson = cliFor(home, room);
const asAgent = cliFor(home, room, { BERTH_AGENT: 'mallory' });
const audit = () => new AuditLog(path.join(home, 'data', 'actions.jsonl')).read();

beforeAll(async () => {
  expect((await asPerson('container', 'run', '-d', '--name', 'web', IMG, '--', 'sleep', '600')).code).toBe(0);
});
afterAll(async () => {
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe("refused person's acts", () => {
  it.each([
    ['agent limits', ['agent', 'limits', 'mallory', '--max-running', '99'], 'agent.limits', "setting an agent's limits is a person's act"],
    ['approvals approve', ['approvals', 'approve', '1'], 'approval.approve', "deciding an approval is a person's act"],
    ['trust add', ['trust', 'add', '--', 'rm'], 'trust.add', "adding an allow rule is a person's act"],
    ['container get --show-secrets', ['container', 'get', 'web', '--show-secrets'], 'container.show-secrets', '--show-secrets is refused for agents'],
  ])('%s: refused (exit 6), nothing done, and the attempt is in the audit log', async (_what, args, action, message) => {
    const before = audit().length;
    const r = await asAgent(...args);
    expect(r.code, r.stderr).toBe(ExitCode.denied);
    expect(r.stderr).toContain(message);
    const added = audit().slice(before);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ actor: 'mallory', action, result: 'error' });
    expect(added[0]!.error).toContain(message);
  });
});
