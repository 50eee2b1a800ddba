// Published ports bind to loopback unless the command names an address (or the ports.defaultHost setting another
// default): for run, update, jobs and plugin runs (one create path), and list/get show the bound address.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toRunSpec } from '../../src/runtime/containers/index.js';
import { formatPorts } from '../../src/runtime/core/index.js';
import { cliFor, IMG, inspectByName } from '../support/container-helpers.js';
import { removeRooms, runtimeFor, tempHome, uniqueRoom } from '../support/helpers.js';

const home = tempHome();
const openHome = tempHome();
const room = uniqueRoom('pp');
const openRoom = uniqueRoom('pp');
const cli = cliFor(home, room);
afterAll(async () => {
  await removeRooms([room, openRoom]);
  for (const h of [home, openHome]) fs.rmSync(h, { recursive: true, force: true });
});

describe('published ports', () => {
  it('bind to 127.0.0.1 by default and to the address the command names; list and get show it', async () => {
    expect((await cli('container', 'run', IMG, '-d', '--name', 'lo', '-p', '80', '--', 'sleep', '600')).code).toBe(0);
    expect((await cli('container', 'run', IMG, '-d', '--name', 'all', '-p', '0.0.0.0::80', '--', 'sleep', '600')).code).toBe(0);
    expect((await inspectByName(room, 'lo')).HostConfig.PortBindings).toEqual({ '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    expect((await inspectByName(room, 'all')).HostConfig.PortBindings).toEqual({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '' }] });
    const lo = (await inspectByName(room, 'lo')).NetworkSettings.Ports['80/tcp']!;
    expect(lo.map((b) => b.HostIp)).toEqual(['127.0.0.1']); // not [::] as well

    const list = (await cli('container', 'list', '-o', 'wide')).stdout;
    expect(list).toMatch(new RegExp(`lo .*127\\.0\\.0\\.1:${lo[0]!.HostPort}->80/tcp`));
    expect(list).toMatch(/all .*0\.0\.0\.0:\d+->80\/tcp/);
    expect((await cli('container', 'get', 'lo')).stdout).toMatch(new RegExp(`^ports: +127\\.0\\.0\\.1:${lo[0]!.HostPort}->80/tcp$`, 'm'));

    // update -p replaces the ports the same way.
    const r = await cli('container', 'update', 'all', '-p', '81', '--time', '0');
    expect(r.code, r.stderr).toBe(0);
    expect((await inspectByName(room, 'all')).HostConfig.PortBindings).toEqual({ '81/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
  });

  it('jobs and plugin runs (toRunSpec) get the same default; the setting ports.defaultHost changes it', async () => {
    const rt = runtimeFor(home);
    try {
      const job = await toRunSpec(rt, room, { image: IMG, ports: ['18080:80', '10.0.0.1:18081:81'] }, 'job');
      expect(job.ports.map((p) => p.hostIp)).toEqual(['127.0.0.1', '10.0.0.1']);
    } finally {
      rt.close();
    }
    fs.mkdirSync(path.join(openHome, 'config'), { recursive: true });
    fs.writeFileSync(path.join(openHome, 'config', 'config.json'), JSON.stringify({ ports: { defaultHost: '0.0.0.0' } }));
    const open = await cliFor(openHome, openRoom)('container', 'run', IMG, '-d', '--name', 'o', '-p', '80', '--', 'sleep', '600');
    expect(open.code, open.stderr).toBe(0);
    expect((await inspectByName(openRoom, 'o')).HostConfig.PortBindings).toEqual({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '' }] });
  });

  it('the shared formatter (table, get, dashboard) names the address', () => {
    expect(formatPorts([{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' }])).toBe('127.0.0.1:8080->80/tcp');
    expect(formatPorts([{ hostIp: '::', hostPort: 8080, containerPort: 80, protocol: 'tcp' }])).toBe('[::]:8080->80/tcp');
  });
});
