// Shared by the container tests: a CLI runner bound to one BERTH_HOME and room, and Docker-side look-ups.
import { expect } from 'vitest';
import { FIXTURE_IMAGE, docker, runCli, type CliResult } from './helpers.js';

export const IMG = FIXTURE_IMAGE;

/** `berth ...args --room room` with BERTH_HOME=home. */
export function cliFor(home: string, room: string, extraEnv: NodeJS.ProcessEnv = {}) {
  return (...args: string[]): Promise<CliResult> => runCli(['--room', room, ...args], { BERTH_HOME: home, BERTH_AGENT: 'tester', ...extraEnv });
}

/** Every container (any state) carrying the room label, as Docker sees it. */
export async function roomContainers(room: string) {
  return docker.listContainers({ all: true, filters: { label: [`berth.room=${room}`] } });
}

export async function inspectByName(room: string, name: string) {
  return docker.getContainer(`${room}.${name}`).inspect();
}

/** A bad-input result: the given exit code and exactly one stderr line matching. */
export function expectOneLineError(r: CliResult, code: number, match: RegExp | string): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  if (typeof match === 'string') expect(lines[0]).toContain(match);
  else expect(lines[0]).toMatch(match);
}
