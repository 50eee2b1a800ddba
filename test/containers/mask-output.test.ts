// A stored secret's value never reaches berth's output: container logs (and so service logs and the dashboard's log
// pane, which read the same batches), and a tag that holds it in container list/get. --show-secrets, for a person,
// shows the tag.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerLogBatches } from '../../src/runtime/containers/index.js';
import { cliFor, IMG } from '../support/container-helpers.js';
import { removeRooms, runCli, runtimeFor, tempHome, uniqueRoom } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('mo');
const cli = cliFor(home, room);
// Nothing in its shape or a name says secret: only the store does.
const stored = 'plainvalue9x4k';

beforeAll(() => {
  fs.mkdirSync(path.join(home, 'data', 'secrets'), { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(home, 'data', 'secrets', 'DB_SETTING'), stored, { mode: 0o600 });
});
afterAll(async () => {
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('stored secret values in output', () => {
  it('are masked in container logs (stdout and stderr), with or without timestamps', async () => {
    const run = await cli('container', 'run', IMG, '-d', '--name', 'echo', '--', 'sh', '-c', `echo "connecting with ${stored} now"; echo "DB_PASSWORD=hunter2hunter" >&2; echo done`);
    expect(run.code, run.stderr).toBe(0);
    expect((await cli('container', 'wait', 'echo')).code).toBe(0);
    for (const args of [[], ['--timestamps']]) {
      const r = await cli('container', 'logs', 'echo', ...args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('connecting with *** now');
      expect(r.stdout).toContain('done');
      expect(r.stderr).toContain('DB_PASSWORD=***');
      expect(r.stdout + r.stderr).not.toContain(stored);
      expect(r.stdout + r.stderr).not.toContain('hunter2hunter');
    }
    // The library's batches (service logs, the dashboard's log pane) are masked too.
    const rt = runtimeFor(home);
    try {
      const lines: string[] = [];
      for await (const batch of containerLogBatches(rt, room, 'echo', { tail: 'all' })) lines.push(...batch.map((l) => l.text));
      expect(lines).toContain('connecting with *** now');
    } finally {
      rt.close();
    }
  });

  it('are masked where a tag holds one: container list (table, wide, json) and get; --show-secrets shows it', async () => {
    const run = await cli('container', 'run', IMG, '-d', '--name', 'tagged', '--tag', stored, '--tag', 'web', '--', 'sleep', '600');
    expect(run.code, run.stderr).toBe(0);
    for (const args of [[], ['-o', 'wide'], ['-o', 'json']]) {
      const r = await cli('container', 'list', ...args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout, `list ${args.join(' ')}`).not.toContain(stored);
    }
    const json = JSON.parse((await cli('container', 'list', '-o', 'json')).stdout).items.find((c: { name: string }) => c.name === 'tagged');
    expect(json.tags).toEqual(['***', 'web']);
    expect(json.labels['berth.tags']).toBe('***,web');
    const get = await cli('container', 'get', 'tagged');
    expect(get.stdout).toMatch(/^tags: +\*\*\*, web$/m);
    expect(get.stdout).not.toContain(stored);
    expect((await cli('container', 'get', 'tagged', '-o', 'json')).stdout).not.toContain(stored);
    // Filtering by the real value still finds it (the filter reads the engine, the output is masked).
    expect((await cli('container', 'list', '--tag', stored, '-q', '--no-trunc')).stdout.trim()).toBe(run.stdout.trim());

    const shown = await runCli(['--room', room, 'container', 'get', 'tagged', '--show-secrets'], { BERTH_HOME: home, BERTH_AGENT: undefined });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^tags: +${stored}, web$`, 'm'));
  });
});
