// Container records against the real engine: container run --record, filters and pages with totals while records are
// added between pages, status following exit, OOM kill and an external docker rm (reconciled, and from events),
// update validation, delete removing container and record, and distinct ids from parallel runs.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/runtime/core/index.js';
import { RecordService, followRecords, type ContainerRecord } from '../../src/runtime/records/index.js';
import { cliFor, expectOneLineError, IMG } from '../support/container-helpers.js';
import { docker, removeRooms, repoRoot, runCli, runtimeFor, tempHome, uniqueRoom, waitFor } from '../support/helpers.js';

const execFileAsync = promisify(execFile);

const home = tempHome();
const room = uniqueRoom('rec');
const other = uniqueRoom('rec');
const cli = cliFor(home, room);
const cliOther = cliFor(home, other);
/** records commands take --room as a filter, so they run without the room the container helpers add. */
const rcli = (...args: string[]) => runCli(args, { BERTH_HOME: home, BERTH_AGENT: 'tester' });
afterAll(async () => {
  await removeRooms([room, other]);
  fs.rmSync(home, { recursive: true, force: true });
}, 300_000);

/** `container run --record` detached; returns the record id and container id. */
async function recorded(run: typeof cli, ...args: string[]): Promise<{ record: number; id: string }> {
  const r = await run('container', 'run', IMG, '--record', '-o', 'json', ...args);
  expect(r.code, r.stderr).toBe(0);
  const c = JSON.parse(r.stdout) as { id: string; record: number };
  expect(Number.isInteger(c.record)).toBe(true);
  return { record: c.record, id: c.id };
}

async function getRecord(id: number): Promise<ContainerRecord> {
  const r = await rcli('records', 'get', String(id), '-o', 'json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as ContainerRecord;
}

interface Page {
  items: ContainerRecord[];
  total: number;
  limit: number | null;
  page: number | null;
  next_cursor: string | null;
}

async function listJson(...args: string[]): Promise<Page> {
  const r = await rcli('records', 'list', '-o', 'json', ...args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Page;
}

describe('container run --record', () => {
  it('creates a record with the container id, room, labels from tags, and secret env values masked', async () => {
    const { record, id } = await recorded(cli, '--name', 'rec-a', '--tag', 'red', '--agent', 'ann', '-e', 'API_TOKEN=hunter2secret', '-e', 'MODE=fast', '--', 'sleep', '600');
    const r = await getRecord(record);
    expect(r).toMatchObject({ id: record, containerId: id, room, name: 'rec-a', image: IMG, agent: 'ann', release: null, status: 'running', exitCode: null, labels: ['red'] });
    expect(r.env).toEqual({ API_TOKEN: '***', MODE: 'fast' });
    // The secret reached the container but nothing berth stored or printed.
    expect((await docker.getContainer(id).inspect()).Config.Env).toContain('API_TOKEN=hunter2secret');
    const dbFile = fs.readFileSync(runtimeFor(home).paths.database);
    expect(dbFile.includes('hunter2secret')).toBe(false);
    const audit = fs.readFileSync(runtimeFor(home).paths.auditLog, 'utf8');
    expect(audit).not.toContain('hunter2secret');
    expect(audit).toContain(`"action":"record.create","target":"record/${record}","result":"ok"`);
    const table = await rcli('records', 'get', String(record));
    expect(table.stdout).toMatch(/^status:\s+running$/m);
    expect(table.stdout).not.toContain('hunter2secret');
  });

  it('without --detach waits for the exit, and the record has the exit code at once', async () => {
    const r = await cli('container', 'run', IMG, '--record', '--name', 'rec-exit', '--', 'sh', '-c', 'exit 4');
    expect(r.code).toBe(4);
    const id = Number(/^record (\d+)$/m.exec(r.stderr)![1]);
    const stored = new RecordService(runtimeFor(home)).read(id)!;
    expect(stored).toMatchObject({ status: 'exited', exitCode: 4, name: 'rec-exit' });
  });

  it('leaves no record when the container cannot be created', async () => {
    const before = (await listJson('--all')).total;
    expectOneLineError(await cli('container', 'run', IMG, '-d', '--record', '--name', 'rec-a'), ExitCode.conflict, 'is already taken');
    expectOneLineError(await cli('container', 'run', 'berth-no-such-image:1', '-d', '--record'), ExitCode.notFound, 'is not here');
    expect((await listJson('--all')).total).toBe(before);
  });
});

describe('records list', () => {
  it('filters by status, room, label, agent and plugin', { timeout: 240_000 }, async () => {
    const r1 = await recorded(cliOther, '--name', 'f1', '--tag', 'blue', '--tag', 'gpu', '--agent', 'bob', '--', 'sleep', '600');
    const r2 = await recorded(cliOther, '--name', 'f2', '--tag', 'blue', '--agent', 'cat', '--', 'true');
    // A plugin run's record, stored the way plugin run stores it (plugin runs themselves are tested in plugins.test.ts).
    const rt = runtimeFor(home);
    const p = new RecordService(rt).create({ containerId: 'f'.repeat(64), room: other, name: 'p1', image: 'berth-plugin/echo:1.0.0', agent: 'bob', release: 'echo@1.0.0', labels: [] });
    rt.close();
    await waitFor(async () => (await getRecord(r2.record)).status === 'exited', 'f2 to exit');
    const ids = async (...args: string[]) => (await listJson('--room', other, ...args)).items.map((r) => r.id).sort((a, b) => a - b);
    expect(await ids()).toEqual([r1.record, r2.record, p.id].sort((a, b) => a - b));
    expect(await ids('--status', 'running')).toEqual([r1.record]);
    expect(await ids('--status', 'running,exited')).toEqual([r1.record, r2.record]);
    // The plugin record's container does not exist: reconciling marked it removed.
    expect(await ids('--status', 'removed')).toEqual([p.id]);
    expect(await ids('--label', 'blue')).toEqual([r1.record, r2.record]);
    expect(await ids('--label', 'blue', '--label', 'gpu')).toEqual([r1.record]);
    expect(await ids('--agent', 'bob')).toEqual([r1.record, p.id].sort((a, b) => a - b));
    expect(await ids('--plugin', 'echo')).toEqual([p.id]);
    expect(await ids('--plugin', 'echo@1.0.0')).toEqual([p.id]);
    expect(await ids('--plugin', 'echo@2.0.0')).toEqual([]);
    expect(await ids('--plugin', 'ech')).toEqual([]);
    const page = await listJson('--room', other, '--label', 'blue');
    expect(page.total).toBe(2);
    // Without --room every room is listed.
    const all = await listJson('--all');
    expect(new Set(all.items.map((r) => r.room))).toEqual(new Set([room, other]));

    const table = await rcli('records', 'list', '--room', other);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+STATUS\s+EXIT\s+ROOM\s+NAME\s+RELEASE\s+AGENT\s+LABELS\s+CREATED$/);
    expect(table.stdout).toMatch(new RegExp(`^${r1.record}\\s+running\\s+-\\s+${other}\\s+f1\\s+-\\s+bob\\s+blue,gpu\\s`, 'm'));
    expect(table.stderr).toBe('3 of 3 records\n');
    const quiet = await rcli('records', 'list', '--room', other, '-q', '--status', 'running');
    expect(quiet.stdout).toBe(`${r1.record}\n`);
  });

  it('refuses bad filters and page flags in one line', async () => {
    expectOneLineError(await rcli('records', 'list', '--status', 'sleeping'), ExitCode.usage, 'invalid --status "sleeping": use one of created, running');
    expectOneLineError(await rcli('records', 'list', '--label', 'a,b'), ExitCode.usage, 'invalid --label "a,b"');
    expectOneLineError(await rcli('records', 'list', '--plugin', 'Bad Name'), ExitCode.usage, 'invalid --plugin "Bad Name"');
    expectOneLineError(await rcli('records', 'list', '--room', 'Not_A_Room'), ExitCode.usage, 'invalid room name "Not_A_Room"');
    expectOneLineError(await rcli('records', 'list', '--limit', '0'), ExitCode.usage, 'invalid --limit "0"');
    expectOneLineError(await rcli('records', 'list', '--page', 'two'), ExitCode.usage, 'invalid --page "two"');
    expectOneLineError(await rcli('records', 'list', '--cursor', 'garbage'), ExitCode.usage, 'invalid --cursor "garbage"');
    expectOneLineError(await rcli('records', 'list', '--page', '2', '--cursor', 'x'), ExitCode.usage, 'give --page or --cursor, not both');
  });

  it('pages by cursor without repeats or gaps and with a correct total while records are added between pages', { timeout: 240_000 }, async () => {
    const proom = uniqueRoom('recp');
    const p = cliFor(home, proom);
    try {
      const made: number[] = [];
      for (let i = 0; i < 5; i++) made.push((await recorded(p, '--name', `p${i}`, '--tag', 'paged', '--', 'true')).record);
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      let added = 0;
      do {
        const page = await listJson('--label', 'paged', '--limit', '2', ...(cursor ? ['--cursor', cursor] : []));
        expect(page.items.length).toBeLessThanOrEqual(2);
        // The total counts every matching record at the time of the page, including those added since page one.
        expect(page.total).toBe(5 + added);
        seen.push(...page.items.map((r) => r.id));
        cursor = page.next_cursor;
        pages++;
        if (pages <= 2) {
          await recorded(p, '--name', `late${pages}`, '--tag', 'paged', '--', 'true');
          added++;
        }
      } while (cursor);
      expect(pages).toBe(3);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual([...made].reverse()); // newest first, no gaps, newcomers (newer) never shift later pages

      // Numbered pages: page 2 of 3 with --limit 3 over the 7 records now there.
      const byPage = await listJson('--label', 'paged', '--limit', '3', '--page', '2');
      expect(byPage.total).toBe(7);
      expect(byPage.page).toBe(2);
      const everything = (await listJson('--label', 'paged', '--all')).items.map((r) => r.id);
      expect(byPage.items.map((r) => r.id)).toEqual(everything.slice(3, 6));
      expect((await listJson('--label', 'paged', '--limit', '3', '--page', '4')).items).toEqual([]);

      // --all walks every page (here 1 record per page) and returns them all with the total.
      const all = await listJson('--label', 'paged', '--all', '--limit', '1');
      expect(all.items.map((r) => r.id)).toEqual(everything);
      expect(all.total).toBe(7);
      expect(all.next_cursor).toBeNull();

      const table = await rcli('records', 'list', '--label', 'paged', '--limit', '2');
      expect(table.stderr).toMatch(/^2 of 7 records; more: --cursor \S+$/m);
    } finally {
      await removeRooms([proom]);
    }
  });
});

describe('records follow their containers', () => {
  it('exit, OOM kill and an external docker rm reach the record on the next records command', { timeout: 240_000 }, async () => {
    const exiting = await recorded(cli, '--name', 'st-exit', '--', 'sh', '-c', 'sleep 0.2; exit 7');
    const removed = await recorded(cli, '--name', 'st-rm', '--', 'sh', '-c', 'exit 2');
    // The engine sometimes misses the kernel's OOM event of a container killed at once (State.OOMKilled false, exit
    // 137): a few tries until it sees one, so the record is checked against an OOM the engine reports.
    let oom = await recorded(cli, '--name', 'st-oom', '--memory', '6m', '--', 'sh', '-c', 'x=aaaaaaaaaaaaaaaa; while :; do x=$x$x; done');
    for (let i = 1; i < 4; i++) {
      await docker.getContainer(oom.id).wait();
      if ((await docker.getContainer(oom.id).inspect()).State.OOMKilled) break;
      oom = await recorded(cli, '--name', `st-oom-${i}`, '--memory', '6m', '--', 'sh', '-c', 'x=aaaaaaaaaaaaaaaa; while :; do x=$x$x; done');
    }
    await docker.getContainer(exiting.id).wait();
    await docker.getContainer(oom.id).wait();
    await docker.getContainer(removed.id).wait();
    // Nothing berth runs watched those exits: the records command reconciles.
    expect(await getRecord(exiting.record)).toMatchObject({ status: 'exited', exitCode: 7, oomKilled: false });
    expect(await getRecord(oom.record)).toMatchObject({ status: 'oom-killed', exitCode: 137, oomKilled: true });
    expect(await getRecord(removed.record)).toMatchObject({ status: 'exited', exitCode: 2 });
    await docker.getContainer(removed.id).remove();
    const list = await listJson('--status', 'removed');
    const gone = list.items.find((r) => r.id === removed.record)!;
    expect(gone).toMatchObject({ status: 'removed', exitCode: 2, containerState: 'removed' });
  });

  it('follows Docker events while a berth process watches, with no records command in between', async () => {
    const rt = runtimeFor(home);
    const watching = new AbortController();
    const changes: number[] = [];
    const follower = followRecords(rt, watching.signal, (ids) => changes.push(...ids));
    try {
      const { record, id } = await recorded(cli, '--name', 'ev', '--', 'sleep', '600');
      const records = new RecordService(rt);
      await docker.getContainer(id).kill();
      await waitFor(() => records.read(record)?.status === 'exited', 'the kill to reach the record');
      expect(records.read(record)!.exitCode).toBe(137);
      await docker.getContainer(id).remove();
      await waitFor(() => records.read(record)?.status === 'removed', 'the removal to reach the record');
      expect(changes).toContain(record);
    } finally {
      watching.abort();
      await follower;
      rt.close();
    }
  });
});

describe('records update and delete', () => {
  it('sets an outcome on a stopped container and refuses tracked, unknown and live cases in one line', { timeout: 240_000 }, async () => {
    const done = await recorded(cli, '--name', 'up-done', '--', 'true');
    const live = await recorded(cli, '--name', 'up-live', '--', 'sleep', '600');
    await docker.getContainer(done.id).wait();
    const r = await rcli('records', 'update', String(done.record), '--status', 'succeeded');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`record ${done.record}: status succeeded\n`);
    expect((await getRecord(done.record)).status).toBe('succeeded');
    expectOneLineError(await rcli('records', 'update', String(done.record), '--status', 'running'), ExitCode.usage, 'status "running" is set by berth from the container itself');
    expectOneLineError(await rcli('records', 'update', String(done.record), '--status', 'great'), ExitCode.usage, 'invalid --status "great"');
    expectOneLineError(await rcli('records', 'update', String(live.record), '--status', 'failed'), ExitCode.conflict, `record ${live.record}: container up-live is running`);
    expect((await getRecord(live.record)).status).toBe('running');
    expectOneLineError(await rcli('records', 'update', '999999', '--status', 'failed'), ExitCode.notFound, 'record 999999 not found');
    expectOneLineError(await rcli('records', 'get', 'abc'), ExitCode.usage, 'invalid record id "abc"');
    expectOneLineError(await rcli('records', 'get', '0'), ExitCode.usage, 'invalid record id "0"');
    const audit = fs.readFileSync(runtimeFor(home).paths.auditLog, 'utf8');
    expect(audit).toContain(`"action":"record.update","target":"record/${done.record}","result":"ok"`);
  });

  it('delete stops and removes the container, then the record', { timeout: 240_000 }, async () => {
    const { record, id } = await recorded(cli, '--name', 'del', '--', 'sleep', '600');
    const r = await rcli('records', 'delete', String(record), '--time', '0');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`deleted record ${record} and its container del (${id.slice(0, 12)})\n`);
    await expect(docker.getContainer(id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expectOneLineError(await rcli('records', 'get', String(record)), ExitCode.notFound, `record ${record} not found`);
    // A record whose container is already gone is deleted on its own.
    const gone = await recorded(cli, '--name', 'del2', '--', 'true');
    await docker.getContainer(gone.id).remove({ force: true });
    const r2 = await rcli('records', 'delete', String(gone.record));
    expect(r2.stdout).toBe(`deleted record ${gone.record}\n`);
    expectOneLineError(await rcli('records', 'delete', String(gone.record)), ExitCode.notFound, 'not found');
  });

  it('parallel runs in separate berth processes get distinct record ids', { timeout: 240_000 }, async () => {
    const runs = await Promise.all(
      Array.from({ length: 4 }, async (_, i) => {
        const { stdout } = await execFileAsync(process.execPath, [path.join(repoRoot, 'bin/berth'), '--room', room, 'container', 'run', IMG, '--record', '-o', 'json', '--name', `par${i}`, '--', 'true'], {
          env: { ...process.env, BERTH_HOME: home },
        });
        return JSON.parse(stdout) as { id: string; record: number };
      }),
    );
    const ids = runs.map((r) => r.record);
    expect(new Set(ids).size).toBe(4);
    for (const r of runs) expect((await getRecord(r.record)).containerId).toBe(r.id);
  });
});
