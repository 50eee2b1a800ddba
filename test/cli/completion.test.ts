// Shell completion: the bash script run in a real bash with COMP_WORDS set completes commands, options, rooms and a
// room's container names (asked from the engine); an unreachable or hanging engine completes nothing, silently.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawnSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/runtime/core/index.js';
import { cliFor, IMG } from '../support/container-helpers.js';
import { removeRooms, repoRoot, runCli, tempHome, uniqueRoom } from '../support/helpers.js';

const home = tempHome();
const room = uniqueRoom('comp');
const cli = cliFor(home, room);
const binDir = path.join(home, 'bin');
beforeAll(async () => {
  for (const name of ['alpha', 'alpine-box', 'beta']) {
    const r = await cli('container', 'run', IMG, '-d', '--name', name, '--', 'sleep', '600');
    expect(r.code, r.stderr).toBe(0);
  }
  fs.mkdirSync(binDir);
  fs.symlinkSync(path.join(repoRoot, 'bin/berth'), path.join(binDir, 'berth'));
});
afterAll(async () => {
  await removeRooms([room]);
  fs.rmSync(home, { recursive: true, force: true });
});

/** Completes the words in a real bash through the script berth prints, as the shell would on TAB. */
async function bashComplete(words: string[], env: NodeJS.ProcessEnv = {}): Promise<{ replies: string[]; stderr: string }> {
  const script = (await runCli(['completion', 'bash'])).stdout;
  const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  const program = `${script}\nCOMP_WORDS=(berth ${quoted}); COMP_CWORD=${words.length}; _berth_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--norc', '-c', program], { env: { ...process.env, PATH: `${binDir}:${process.env.PATH}`, BERTH_HOME: home, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', () => resolve({ replies: out.split('\n').filter(Boolean), stderr: err }));
  });
}

describe('berth completion', () => {
  it('bash: a room\'s container names from the engine, filtered by what is typed', async () => {
    const all = await bashComplete(['--room', room, 'container', 'logs', '']);
    expect(all.replies.sort()).toEqual(['alpha', 'alpine-box', 'beta']);
    expect(all.stderr).toBe('');
    const some = await bashComplete(['container', 'stop', 'alp'], { BERTH_ROOM: room });
    expect(some.replies.sort()).toEqual(['alpha', 'alpine-box']);
    // Past `--` is the container's command line, not berth's.
    expect((await bashComplete(['--room', room, 'container', 'exec', 'alpha', '--', ''])).replies).toEqual([]);
  });

  it('bash: commands, subcommands, options, choices and rooms', async () => {
    expect((await bashComplete(['con'])).replies).toEqual(['container']);
    expect((await bashComplete(['container', 'st'])).replies.sort()).toEqual(['start', 'stats', 'status', 'stop']);
    expect((await bashComplete(['container', 'logs', '--ti'])).replies.sort()).toEqual(['--timestamps']);
    expect((await bashComplete(['container', 'run', '--log-max-'])).replies.sort()).toEqual(['--log-max-files', '--log-max-size']);
    expect((await bashComplete(['-o', ''])).replies.sort()).toEqual(['json', 'table', 'wide']);
    expect((await bashComplete(['room', 'inspect', room.slice(0, -2)])).replies).toEqual([room]);
    expect((await bashComplete(['--room', room.slice(0, -2)])).replies).toEqual([room]);
  });

  it('an unreachable or hanging engine completes nothing and prints nothing', async () => {
    const down = await bashComplete(['container', 'logs', ''], { DOCKER_HOST: 'unix:///tmp/berth-none.sock' });
    expect(down).toEqual({ replies: [], stderr: '' });
    // A listener that accepts and never answers: the short timeout ends the wait.
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const hung = await bashComplete(['container', 'logs', ''], { DOCKER_HOST: `tcp://127.0.0.1:${port}`, BERTH_COMPLETION_TIMEOUT_MS: '300' });
      expect(hung).toEqual({ replies: [], stderr: '' });
      expect(sockets.length).toBeGreaterThan(0); // it did ask the engine
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });

  it('zsh and fish scripts call the same completer; another shell is a usage error', async () => {
    const zsh = await runCli(['completion', 'zsh']);
    expect(zsh.stdout).toContain('#compdef berth');
    expect(zsh.stdout).toContain('berth __complete -- "${(@)words[2,CURRENT]}" 2>/dev/null');
    const fish = await runCli(['completion', 'fish']);
    expect(fish.stdout).toContain("complete -c berth -f -a '(__berth_complete)'");
    const bad = await runCli(['completion', 'tcsh']);
    expect(bad.code).toBe(ExitCode.usage);
    expect(bad.stderr).toContain('invalid shell "tcsh": use bash, zsh or fish');
    // bash parses the script it prints.
    expect(spawnSync('bash', ['-n', '-c', (await runCli(['completion', 'bash'])).stdout]).status).toBe(0);
  });
});
