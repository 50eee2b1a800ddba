// The value parsers behind the container flags: what each accepts, what it returns, and the one-line refusal.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/runtime/core/index.js';
import {
  parseCpus,
  parseDuration,
  parseEnvList,
  parseMemory,
  parsePort,
  readEnvFile,
  resolveInside,
  validateSignal,
} from '../../src/runtime/core/index.js';
import { tempHome } from '../support/helpers.js';

describe('container value parsers', () => {
  it('parses memory sizes in binary units', () => {
    expect(parseMemory('512m')).toBe(512 * 1024 ** 2);
    expect(parseMemory('1g')).toBe(1024 ** 3);
    expect(parseMemory('1.5GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseMemory('10485760')).toBe(10485760);
    expect(() => parseMemory('5m')).toThrow('invalid --memory "5m": the minimum is 6m');
    expect(() => parseMemory('-1g')).toThrow(UsageError);
  });

  it('parses ports with optional address, host port and protocol', () => {
    expect(parsePort('8080:80')).toEqual({ hostPort: 8080, containerPort: 80, protocol: 'tcp' });
    expect(parsePort('53:53/udp')).toEqual({ hostPort: 53, containerPort: 53, protocol: 'udp' });
    expect(parsePort('127.0.0.1:8080:80')).toEqual({ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' });
    expect(parsePort('127.0.0.1::80')).toEqual({ hostIp: '127.0.0.1', containerPort: 80, protocol: 'tcp' });
    expect(parsePort('80')).toEqual({ containerPort: 80, protocol: 'tcp' });
    for (const bad of ['', ':80', '80:', 'a:b', '1:2:3:4', '80/tcp/udp', '0:80', 'host:80:80']) {
      expect(() => parsePort(bad), bad).toThrow(`invalid --port "${bad}"`);
    }
  });

  it('parses cpus to NanoCpus, durations to ms and signals to canonical names', () => {
    expect(parseCpus('0.5')).toBe(5e8);
    expect(parseCpus('2')).toBe(2e9);
    expect(() => parseCpus('1e3')).toThrow('invalid --cpus "1e3"');
    expect(parseDuration('30')).toBe(30_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2m')).toBe(120_000);
    expect(() => parseDuration('0')).toThrow('must be more than 0');
    expect(validateSignal('term')).toBe('SIGTERM');
    expect(validateSignal('SIGUSR1')).toBe('SIGUSR1');
    expect(validateSignal('9')).toBe('9');
    expect(() => validateSignal('SIGNOPE')).toThrow('invalid --signal "SIGNOPE"');
  });

  it('keeps env values literal and never echoes a value in an error', () => {
    expect(parseEnvList(['A=1', 'B=x=y', 'C='])).toEqual({ A: '1', B: 'x=y', C: '' });
    try {
      parseEnvList(['9BAD=topsecret']);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain('topsecret');
    }
    const dir = tempHome();
    fs.writeFileSync(path.join(dir, 'env'), 'export A=1\n# c\n\nB = 2\n');
    expect(() => readEnvFile(path.join(dir, 'env'))).toThrow('invalid --env-file env:4 key "B "');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a mount subpath inside the room storage, symlinks included', () => {
    const root = tempHome();
    const outside = tempHome();
    fs.mkdirSync(path.join(root, 'a'));
    fs.symlinkSync(outside, path.join(root, 'link'));
    expect(resolveInside(root, 'a/b')).toBe(path.join(root, 'a', 'b'));
    expect(() => resolveInside(root, '../x')).toThrow('it leaves the room storage');
    expect(() => resolveInside(root, '/etc')).toThrow('use a path relative to the room storage');
    expect(() => resolveInside(root, 'link/inner')).toThrow('it leaves the room storage');
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });
});
