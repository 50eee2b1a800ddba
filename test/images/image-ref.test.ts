// Image references and registry names (pure): Docker's grammar, Docker Hub's aliases and credential key, and the
// .dockerignore filter's walk rule (an excluded directory is entered only for an exception inside it).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contextFilter, readIgnorePatterns, credentialKey, familiarName, normalizeRegistry, parseImageRef, parseRegistry } from '../../src/runtime/images/index.js';
import { tempHome } from '../support/helpers.js';

describe('image references', () => {
  it('parses registry, path, tag and digest the way docker does', () => {
    expect(parseImageRef('busybox')).toMatchObject({ registry: 'docker.io', path: 'library/busybox', tag: undefined });
    expect(familiarName(parseImageRef('busybox'))).toBe('busybox:latest');
    expect(parseImageRef('me/app:1.2')).toMatchObject({ registry: 'docker.io', path: 'me/app', tag: '1.2' });
    expect(parseImageRef('127.0.0.1:5000/team/app:dev')).toMatchObject({ registry: '127.0.0.1:5000', path: 'team/app', tag: 'dev' });
    expect(parseImageRef('localhost/app')).toMatchObject({ registry: 'localhost', path: 'app' });
    expect(familiarName(parseImageRef('index.docker.io/library/alpine:3'))).toBe('alpine:3');
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseImageRef(`reg.example.com/app@${digest}`)).toMatchObject({ registry: 'reg.example.com', path: 'app', digest });
  });

  it('refuses what docker refuses, in one line naming the flag', () => {
    for (const bad of ['', 'UPPER', 'a b', 'app:', 'app:-x', 'a//b', 'app@sha256:xyz', '-app', 'app:' + 'x'.repeat(129)]) {
      expect(() => parseImageRef(bad, '--tag'), bad).toThrow(/--tag/);
    }
  });

  it('folds Docker Hub aliases and keys its credentials by the legacy URL', () => {
    for (const hub of ['docker.io', 'index.docker.io', 'https://index.docker.io/v1/', 'registry-1.docker.io']) expect(normalizeRegistry(hub)).toBe('docker.io');
    expect(credentialKey('docker.io')).toBe('https://index.docker.io/v1/');
    expect(credentialKey('http://127.0.0.1:5000')).toBe('127.0.0.1:5000');
    expect(parseRegistry(undefined)).toBe('docker.io');
    expect(() => parseRegistry('not a host')).toThrow(/invalid registry/);
  });
});

describe('.dockerignore filter', () => {
  it('enters an excluded directory only when an exception names something inside it', async () => {
    const dir = tempHome();
    try {
      fs.writeFileSync(path.join(dir, '.dockerignore'), '# comment\n/build/\n**/node_modules\n!build/keep.txt\n*.md\n!README.md\nDockerfile\n');
      const patterns = readIgnorePatterns(dir);
      expect(patterns).toEqual(['build', '**/node_modules', '!build/keep.txt', '*.md', '!README.md', 'Dockerfile']);
      const f = await contextFilter(patterns, 'Dockerfile');
      expect(f.excluded('build')).toBe(true);
      expect(f.mustEnter('build')).toBe(true);
      expect(f.excluded('build/keep.txt')).toBe(false);
      expect(f.excluded('build/other.txt')).toBe(true);
      expect(f.excluded('a/b/node_modules')).toBe(true);
      expect(f.mustEnter('a/b/node_modules')).toBe(false);
      expect(f.excluded('NOTES.md')).toBe(true);
      expect(f.excluded('README.md')).toBe(false);
      expect(f.excluded('docs/NOTES.md')).toBe(false);
      // The Dockerfile and .dockerignore are always sent.
      expect(f.excluded('Dockerfile')).toBe(false);
      expect(f.excluded('.dockerignore')).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
