// container batch create/delete/exec: bounded concurrency, every item's result or error reported, non-zero exit
// when any item failed, and the failing item leaves nothing behind.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBounded } from '../../src/runtime/containers/index.js';
import { ExitCode } from '../../src/runtime/core/index.js';
import { cliFor, expectOneLineError, IMG, roomContainers } from '../support/container-helpers.js';
import { removeRooms, tempHome, uniqueRoom } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('b');
const cli = cliFor(home, room);
afterAll(async () => {
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('container batch', () => {
  it('creates from YAML with one failing item, execs in many, deletes many, each item reported', async () => {
    const file = path.join(home, 'batch.yaml');
    fs.writeFileSync(
      file,
      [
        'items:',
        `  - {name: w1, image: ${IMG}, command: sleep 600, tags: [pool]}`,
        `  - {name: w2, image: ${IMG}, command: [sleep, "600"], env: {API_TOKEN: hush, N: 2}}`,
        `  - {name: w3, image: ${IMG}, memory: lots}`,
        `  - {name: w4, image: ${IMG}, command: sleep 600}`,
      ].join('\n'),
    );
    const created = await cli('container', 'batch', 'create', '--file', file, '--concurrency', '2', '-o', 'json');
    expect(created.code).toBe(ExitCode.failure);
    expect(created.stderr).toBe('berth: 1 of 4 items failed\n');
    const report = JSON.parse(created.stdout);
    expect(report.failed).toBe(1);
    expect(report.items.map((i: { item: string; ok: boolean }) => [i.item, i.ok])).toEqual([['w1', true], ['w2', true], ['w3', false], ['w4', true]]);
    expect(report.items[2].error).toBe('invalid --memory "lots": use a size like 512m or 1g');
    const names = (await roomContainers(room)).map((c) => c.Labels['berth.name']).sort();
    expect(names).toEqual(['w1', 'w2', 'w4']);

    const exec = await cli('container', 'batch', 'exec', 'w1', 'w2', 'ghost', '--', 'sh', '-c', 'echo "n=${N:-none}"');
    expect(exec.code).toBe(ExitCode.failure);
    expect(exec.stdout).toMatch(/^w1\s+ok\s+exit 0: n=none$/m);
    expect(exec.stdout).toMatch(/^w2\s+ok\s+exit 0: n=2$/m);
    expect(exec.stdout).toMatch(/^ghost\s+failed\s+container "ghost" not found/m);
    const nonZero = await cli('container', 'batch', 'exec', 'w1', 'w4', '-o', 'json', '--', 'sh', '-c', 'exit 3');
    const nz = JSON.parse(nonZero.stdout);
    expect(nz.items.map((i: { ok: boolean; error: string }) => [i.ok, i.error])).toEqual([[false, 'exited with code 3'], [false, 'exited with code 3']]);

    const refused = await cli('container', 'batch', 'delete', 'w1', 'w2');
    expect(refused.code).toBe(ExitCode.failure);
    expect(refused.stdout).toMatch(/^w1\s+failed\s+container "w1" in room "\S+" is running: stop it first or use --force$/m);
    expect((await roomContainers(room)).length).toBe(3);

    const listFile = path.join(home, 'delete.json');
    fs.writeFileSync(listFile, JSON.stringify(['w1', { name: 'w2' }]));
    const deleted = await cli('container', 'batch', 'delete', 'w4', '--file', listFile, '--force');
    expect(deleted.code, deleted.stdout + deleted.stderr).toBe(0);
    expect(deleted.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual(['w4 ok', 'w1 ok', 'w2 ok']);
    expect(await roomContainers(room)).toEqual([]);
  });

  it('rejects a batch it cannot read in one line', async () => {
    const bad = path.join(home, 'bad.json');
    fs.writeFileSync(bad, '{"items": 3}');
    expectOneLineError(await cli('container', 'batch', 'create', '--file', bad), ExitCode.usage, 'must hold a list');
    expectOneLineError(await cli('container', 'batch', 'create', '--file', path.join(home, 'none.yaml')), ExitCode.usage, 'cannot read --file');
    expectOneLineError(await cli('container', 'batch', 'exec', 'w1'), ExitCode.usage, 'give the command after --');
    const one = path.join(home, 'one.json');
    fs.writeFileSync(one, JSON.stringify([{ name: 'never', image: IMG }]));
    expectOneLineError(await cli('container', 'batch', 'create', '--file', one, '--concurrency', 'lots'), ExitCode.usage, 'invalid --concurrency "lots"');
    expect(await roomContainers(room)).toEqual([]);
  });

  it('never runs more than the concurrency at once and reports unstarted items when cancelled', async () => {
    let running = 0;
    let peak = 0;
    const controller = new AbortController();
    const results = await runBounded(
      [1, 2, 3, 4, 5, 6],
      (n) => String(n),
      async (n) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setImmediate(r));
        running--;
        if (n === 3) controller.abort();
        return n * 2;
      },
      { concurrency: 2, signal: controller.signal },
    );
    expect(peak).toBe(2);
    expect(results.slice(0, 3).every((r) => r.ok)).toBe(true);
    expect(results.filter((r) => r.error === 'cancelled: not started').length).toBeGreaterThan(0);
    expect(results).toHaveLength(6);
  });
});
