// Container stats against the real engine: sane one-shot values (a busy loop shows CPU, a memory limit shows as the
// limit), streamed samples, the docker-stats maths, and the CLI's table/json and bad input.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerStats, watchContainerStats } from '../../src/runtime/containers/index.js';
import { computeStats, type StatsSample } from '../../src/runtime/engine/index.js';
import { main } from '../../src/commands/main.js';
import { FIXTURE_IMAGE, docker, removeRooms, runCli, runtimeFor, tempHome, uniqueRoom } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('stats');
const env = { BERTH_HOME: home, BERTH_ROOM: room };
const MEMORY_LIMIT = 64 * 1024 * 1024;

beforeAll(async () => {
  for (const [name, cmd] of [
    ['busy', 'while true; do :; done'],
    ['idle', 'sleep 300'],
  ] as const) {
    const c = await docker.createContainer({
      Image: FIXTURE_IMAGE,
      Cmd: ['sh', '-c', cmd],
      name: `${room}.${name}`,
      Labels: { 'berth.room': room, 'berth.kind': 'container', 'berth.name': name },
      HostConfig: { Memory: MEMORY_LIMIT },
    });
    await c.start();
  }
});
afterAll(async () => {
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('container stats', () => {
  it('one-shot samples of the running containers are sane', async () => {
    const rt = runtimeFor(home);
    const samples = await containerStats(rt, room);
    rt.close();
    const byName = Object.fromEntries(samples.map((s) => [s.name, s]));
    expect(Object.keys(byName).sort()).toEqual(['busy', 'idle']);
    const busy = byName.busy!;
    const idle = byName.idle!;
    // A shell spinning on one CPU: well above idle, though a loaded machine gives it only a share of a core.
    expect(busy.cpuPercent).toBeGreaterThan(1);
    expect(idle.cpuPercent).toBeLessThan(busy.cpuPercent);
    for (const s of [busy, idle]) {
      expect(s.memoryLimit).toBe(MEMORY_LIMIT);
      expect(s.memoryUsed).toBeGreaterThan(0);
      expect(s.memoryUsed).toBeLessThan(MEMORY_LIMIT);
      expect(s.pids).toBeGreaterThanOrEqual(1);
      expect(s.id).toHaveLength(64);
    }
  });

  it('streams samples until aborted', async () => {
    const rt = runtimeFor(home);
    const controller = new AbortController();
    const seen: StatsSample[] = [];
    for await (const s of watchContainerStats(rt, room, ['busy'], { signal: controller.signal })) {
      seen.push(s);
      if (seen.length === 3) controller.abort();
    }
    rt.close();
    expect(seen).toHaveLength(3);
    expect(seen.every((s) => s.name === 'busy')).toBe(true);
    // The first streamed sample has no previous one to compare with; later ones see the busy loop.
    expect(seen[2]!.cpuPercent).toBeGreaterThan(1);
  });

  it('computes CPU % like docker stats: cpu delta / system delta x online cpus', () => {
    const s = computeStats({
      id: 'x',
      name: '/r.web',
      cpu_stats: { cpu_usage: { total_usage: 3_000_000_000 }, system_cpu_usage: 12_000_000_000, online_cpus: 4 },
      precpu_stats: { cpu_usage: { total_usage: 1_000_000_000 }, system_cpu_usage: 8_000_000_000 },
      memory_stats: { usage: 10_000, limit: 100_000, stats: { total_inactive_file: 4_000 } },
      networks: { eth0: { rx_bytes: 5, tx_bytes: 7 }, eth1: { rx_bytes: 1, tx_bytes: 1 } },
      blkio_stats: { io_service_bytes_recursive: [{ op: 'Read', value: 10 }, { op: 'Write', value: 20 }, { op: 'read', value: 1 }] },
      pids_stats: { current: 3 },
    });
    expect(s).toMatchObject({ cpuPercent: 200, memoryUsed: 6_000, memoryLimit: 100_000, netRx: 6, netTx: 8, blockRead: 11, blockWrite: 20, pids: 3, name: 'r.web' });
  });

  it('CLI: --follow -o json prints one sample per line until interrupted', async () => {
    const controller = new AbortController();
    const lines: string[] = [];
    let pending = '';
    const io = {
      stdout: {
        write: (t: string) => {
          pending += t;
          const parts = pending.split('\n');
          pending = parts.pop()!;
          lines.push(...parts);
          if (lines.length >= 3) controller.abort();
        },
        isTTY: false,
      },
      stderr: { write: () => {}, isTTY: false },
      env: { ...process.env, ...env },
    };
    await main(['container', 'stats', 'busy', 'idle', '--follow', '-o', 'json'], { io, signal: controller.signal });
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const samples = lines.map((l) => JSON.parse(l) as StatsSample);
    expect(new Set(samples.map((s) => s.name)).size).toBeGreaterThanOrEqual(1);
    expect(samples.every((s) => ['busy', 'idle'].includes(s.name) && s.memoryLimit === MEMORY_LIMIT)).toBe(true);
  });

  it('CLI: table and json, one named container, unknown container', async () => {
    const table = await runCli(['container', 'stats'], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+CPU %\s+MEM USAGE \/ LIMIT/);
    expect(table.stdout).toMatch(/busy\s+\d+\.\d%\s+[\d.]+(B|KiB|MiB) \/ 64MiB/);

    const json = await runCli(['container', 'stats', 'idle', '-o', 'json'], env);
    expect(json.code).toBe(0);
    const items = JSON.parse(json.stdout).items as StatsSample[];
    expect(items.map((i) => i.name)).toEqual(['idle']);
    expect(items[0]!.memoryLimit).toBe(MEMORY_LIMIT);

    const unknown = await runCli(['container', 'stats', 'nope'], env);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('"nope"');
  });
});
