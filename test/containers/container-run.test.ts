// container run in attached mode, bad input (one line, right exit code, nothing created), and list with filters and
// cursor pages that neither repeat nor skip a container when others are created between pages.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/runtime/core/index.js';
import { cliFor, expectOneLineError, IMG, roomContainers } from '../support/container-helpers.js';
import { docker, removeRooms, tempHome, uniqueRoom } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('cr');
const cli = cliFor(home, room);
beforeAll(async () => {
  const r = await cli('container', 'run', IMG, '-d', '--name', 'taken', '--', 'sleep', '600');
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => {
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('container run', () => {
  it('without --detach streams output apart and returns the exit code, keeping the container', async () => {
    const r = await cli('container', 'run', IMG, '--name', 'att', '--', 'sh', '-c', 'echo to-out; echo to-err >&2; exit 5');
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('to-out\n');
    expect(r.stderr).toContain('to-err\n');
    expect(r.stderr).toContain('container att exited with code 5');
    const kept = await docker.getContainer(`${room}.att`).inspect();
    expect(kept.State.ExitCode).toBe(5);
  });

  const bad: [string, string[], number, string][] = [
    ['env without =', ['--env', 'NOVALUE'], ExitCode.usage, 'invalid --env "NOVALUE": use KEY=VALUE'],
    ['env with a bad key, value not echoed', ['--env', '1KEY=secretvalue'], ExitCode.usage, 'invalid --env key "1KEY"'],
    ['port out of range', ['--port', '70000:80'], ExitCode.usage, 'invalid --port "70000:80"'],
    ['port protocol', ['--port', '80:80/sctp'], ExitCode.usage, 'invalid --port "80:80/sctp"'],
    ['port shape', ['--port', 'web'], ExitCode.usage, 'invalid --port "web"'],
    ['memory unit', ['--memory', '12zb'], ExitCode.usage, 'invalid --memory "12zb": use a size like 512m or 1g'],
    ['memory too small', ['--memory', '1k'], ExitCode.usage, 'invalid --memory "1k": the minimum is 6m'],
    ['cpus not a number', ['--cpus', 'lots'], ExitCode.usage, 'invalid --cpus "lots"'],
    ['cpus zero', ['--cpus', '0'], ExitCode.usage, 'invalid --cpus "0"'],
    ['pids', ['--pids', '2.5'], ExitCode.usage, 'invalid --pids "2.5"'],
    ['name with a dot', ['--name', 'a.b'], ExitCode.usage, 'invalid --name "a.b"'],
    ['subpath escaping the storage', ['--mount-path', '/data', '--mount-subpath', '../../etc'], ExitCode.usage, 'invalid --mount-subpath "../../etc": it leaves the room storage'],
    ['subpath without a path', ['--mount-subpath', 'x'], ExitCode.usage, '--mount-subpath needs --mount-path'],
    ['env file missing', ['--env-file', '/nonexistent/env'], ExitCode.usage, 'cannot read --env-file "/nonexistent/env": ENOENT'],
    ['a name already taken', ['--name', 'taken'], ExitCode.conflict, `container name "taken" is already taken in room "${room}"`],
  ];
  it.each(bad)('refuses %s in one line and creates nothing', async (_what, flags, code, message) => {
    const before = (await roomContainers(room)).length;
    const r = await cli('container', 'run', IMG, '-d', ...flags, '--', 'sleep', '600');
    expectOneLineError(r, code, message);
    expect(r.stderr).not.toContain('secretvalue');
    expect((await roomContainers(room)).length).toBe(before);
  });

  it('reports an image that is not here and cannot be pulled as not found, creating nothing', async () => {
    const before = (await roomContainers(room)).length;
    const r = await cli('container', 'run', 'berth-no-such-image:1', '-d');
    expectOneLineError(r, ExitCode.notFound, 'image "berth-no-such-image:1" is not here and could not be pulled');
    expect((await roomContainers(room)).length).toBe(before);
  });

  it('refuses a host port already in use as a conflict and leaves no half-created container', async () => {
    const first = await cli('container', 'run', IMG, '-d', '--name', 'porta', '--port', '127.0.0.1::80', '--', 'sleep', '600');
    const info = await docker.getContainer(first.stdout.trim()).inspect();
    const hostPort = info.NetworkSettings.Ports['80/tcp']![0]!.HostPort;
    const before = (await roomContainers(room)).length;
    const r = await cli('container', 'run', IMG, '-d', '--name', 'portb', '--port', `127.0.0.1:${hostPort}:80`, '--', 'sleep', '600');
    expectOneLineError(r, ExitCode.conflict, `start container portb: host port 127.0.0.1:${hostPort} is already in use`);
    expect((await roomContainers(room)).length).toBe(before);
  });

  it('reads --env-file, with --env winning, and takes the image after repeatable flags', async () => {
    const file = path.join(home, 'env.list');
    fs.writeFileSync(file, '# comment\nA=from-file\n\nB=keep=equals\n');
    // Repeatable flags before the image must not swallow it.
    const r = await cli('container', 'run', '--env-file', file, '--env', 'A=from-flag', '--tag', 't1', IMG, '-d', '--name', 'envf', '--', 'sleep', '600');
    expect(r.code, r.stderr).toBe(0);
    const env = (await docker.getContainer(r.stdout.trim()).inspect()).Config.Env;
    expect(env).toEqual(expect.arrayContaining(['A=from-flag', 'B=keep=equals']));
  });
});

describe('container list', () => {
  it('shows running containers by default, all with --all, and filters by status, tag and agent', async () => {
    const lroom = uniqueRoom('cl');
    const l = cliFor(home, lroom);
    try {
      await l('container', 'run', IMG, '-d', '--name', 'up1', '--tag', 'red', '--tag', 'x', '--agent', 'ann', '--', 'sleep', '600');
      await l('container', 'run', IMG, '-d', '--name', 'up2', '--tag', 'blue', '--agent', 'bob', '--', 'sleep', '600');
      await l('container', 'run', IMG, '--name', 'done', '--tag', 'red', '--', 'true');
      const names = async (...args: string[]) => {
        const r = await l('container', 'list', '-o', 'json', ...args);
        expect(r.code, r.stderr).toBe(0);
        return (JSON.parse(r.stdout).items as { name: string }[]).map((c) => c.name).sort();
      };
      expect(await names()).toEqual(['up1', 'up2']);
      expect(await names('--all')).toEqual(['done', 'up1', 'up2']);
      expect(await names('--status', 'exited')).toEqual(['done']);
      expect(await names('--all', '--tag', 'red')).toEqual(['done', 'up1']);
      expect(await names('--tag', 'red', '--tag', 'x')).toEqual(['up1']);
      expect(await names('--agent', 'bob')).toEqual(['up2']);
      // Without --all, what docker ps lists: a paused container too (its process is there, frozen).
      expect((await l('container', 'pause', 'up2')).code).toBe(0);
      expect(await names()).toEqual(['up1', 'up2']);
      expect(await names('--status', 'paused')).toEqual(['up2']);
      expect((await l('container', 'unpause', 'up2')).code).toBe(0);
      const json = JSON.parse((await l('container', 'list', '-o', 'json')).stdout);
      expect(json.next_cursor).toBeNull();

      const table = await l('container', 'list');
      expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+AGENT\s+IMAGE\s+STATE\s+STATUS\s+PORTS\s+CREATED$/);
      expect(table.stdout).toMatch(/^up1\s+ann\s+berth-fixture:latest\s+running\s+Up/m);
      const wide = await l('container', 'list', '-o', 'wide', '--all');
      expect(wide.stdout.split('\n')[0]).toMatch(/ID.*TAGS\s+ROOM$/);
      expect(wide.stdout).toMatch(new RegExp(`^done\\s+[0-9a-f]{12}.*red\\s+${lroom}$`, 'm'));

      expectOneLineError(await l('container', 'list', '--status', 'sleeping'), ExitCode.usage, 'invalid --status "sleeping"');
      expectOneLineError(await l('container', 'list', '--cursor', 'garbage'), ExitCode.usage, 'invalid --cursor "garbage"');
      expectOneLineError(await l('container', 'list', '--limit', '0'), ExitCode.usage, 'invalid --limit "0"');
      expectOneLineError(await l('container', 'list', '--limit', 'ten'), ExitCode.usage, 'invalid --limit "ten": use a whole number, 1 or more');
    } finally {
      await removeRooms([lroom]);
    }
  });

  it('pages with --limit and --cursor without duplicates or gaps, even when containers are added between pages', async () => {
    const proom = uniqueRoom('cp');
    const p = cliFor(home, proom);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await p('container', 'run', IMG, '-d', '--name', `p${i}`, '--', 'sleep', '600');
        ids.push(r.stdout.trim());
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const r = await p('container', 'list', '-o', 'json', '--limit', '2', ...(cursor ? ['--cursor', cursor] : []));
        expect(r.code, r.stderr).toBe(0);
        const page = JSON.parse(r.stdout) as { items: { id: string }[]; next_cursor: string | null };
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((c) => c.id));
        cursor = page.next_cursor;
        if (pages++ === 0) {
          // Created after the first page: sorts before the cursor, so it neither shifts nor repeats later pages.
          await p('container', 'run', IMG, '-d', '--name', 'late', '--', 'sleep', '600');
        }
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length); // no duplicates
      expect(ids.filter((id) => !seen.includes(id))).toEqual([]); // no gaps
      // The newcomer may appear only when it shares the first page's creation second; nothing else may.
      const late = (await roomContainers(proom)).find((c) => c.Labels['berth.name'] === 'late')!.Id;
      expect(seen.filter((id) => !ids.includes(id) && id !== late)).toEqual([]);
      expect(pages).toBeGreaterThanOrEqual(3);

      const q = await p('container', 'list', '--limit', '2');
      expect(q.stderr).toMatch(/^more: --cursor \S+$/m);
    } finally {
      await removeRooms([proom]);
    }
  });
});
