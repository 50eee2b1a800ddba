// Validation and parsing of user-supplied names and values (env, ports, memory, cpus, signals, durations): each
// failure is one UsageError line naming the flag and the value; secret env values are never echoed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from './errors.js';
import { ROOM_NAME } from './labels.js';

export function validateRoomName(name: string): string {
  if (!ROOM_NAME.test(name)) {
    throw new UsageError(
      `invalid room name "${name}": use 1-32 lowercase letters, digits and inner hyphens (e.g. "team-a")`,
    );
  }
  return name;
}

/** Room-local container names double as DNS aliases on the room network: no dots, no spaces. */
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$/;

export function validateContainerName(name: string, flag = '--name'): string {
  if (!CONTAINER_NAME.test(name)) {
    throw new UsageError(`invalid ${flag} "${name}": use 1-63 letters, digits, "_" and "-", starting with a letter or digit`);
  }
  return name;
}

const TAG = /^[a-zA-Z0-9][a-zA-Z0-9_.:=/-]{0,62}$/;

/** Tags are stored comma-joined in one label, so they cannot contain commas or spaces. */
export function validateTag(tag: string, flag = '--tag'): string {
  if (!TAG.test(tag)) {
    throw new UsageError(`invalid ${flag} "${tag}": use 1-63 letters, digits and _ . : = / - (no commas or spaces)`);
  }
  return tag;
}

const IDENTITY = /^[a-zA-Z0-9][a-zA-Z0-9_.@-]{0,63}$/;

export function validateIdentity(value: string, flag: '--agent' | '--role'): string {
  if (!IDENTITY.test(value)) throw new UsageError(`invalid ${flag} "${value}": use letters, digits and _ . @ -`);
  return value;
}

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Parses one KEY=VALUE; the error names only the key (the value may be a secret). */
export function parseEnvEntry(entry: string, flag = '--env'): [string, string] {
  const eq = entry.indexOf('=');
  if (eq < 0) {
    // No "=": nothing after it can be a value, so the entry is safe to show (cut in case it is long).
    throw new UsageError(`invalid ${flag} "${entry.slice(0, 40)}": use KEY=VALUE`);
  }
  const key = entry.slice(0, eq);
  if (!ENV_KEY.test(key)) {
    throw new UsageError(`invalid ${flag} key "${key.slice(0, 40)}": use letters, digits and "_", not starting with a digit`);
  }
  return [key, entry.slice(eq + 1)];
}

export function parseEnvList(entries: readonly string[] = [], flag = '--env'): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of entries) {
    const [k, v] = parseEnvEntry(entry, flag);
    env[k] = v;
  }
  return env;
}

/** Reads a docker-style env file: KEY=VALUE per line, blank lines and # comments skipped, values taken literally. */
export function readEnvFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read --env-file "${file}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const env: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const [k, v] = parseEnvEntry(line.replace(/^export\s+/, ''), `--env-file ${path.basename(file)}:${i + 1}`);
    env[k] = v;
  });
  return env;
}

export function validateEnvKey(key: string, flag = '--unset-env'): string {
  if (!ENV_KEY.test(key)) throw new UsageError(`invalid ${flag} "${key.slice(0, 40)}": give a variable name`);
  return key;
}

export interface PortSpec {
  hostIp?: string;
  /** Undefined: Docker picks a free host port. */
  hostPort?: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

/** Parses `[ip:]host:container[/tcp|udp]` or `container[/tcp|udp]` (a random host port). */
export function parsePort(spec: string, flag = '--port'): PortSpec {
  const bad = (why: string) => new UsageError(`invalid ${flag} "${spec}": ${why}`);
  const [addr, proto = 'tcp', ...extra] = spec.split('/');
  if (extra.length || (proto !== 'tcp' && proto !== 'udp')) throw bad('the protocol must be tcp or udp (host:container[/tcp|udp])');
  const parts = addr!.split(':');
  if (parts.length > 3 || parts.some((p, i) => p === '' && !(parts.length === 3 && i === 1))) {
    throw bad('use host:container[/tcp|udp], e.g. 8080:80');
  }
  const port = (text: string, which: string) => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw bad(`${which} port must be a number from 1 to 65535`);
    return n;
  };
  const containerPort = port(parts[parts.length - 1]!, 'the container');
  const hostText = parts.length >= 2 ? parts[parts.length - 2]! : '';
  const hostPort = hostText ? port(hostText, 'the host') : undefined;
  const hostIp = parts.length === 3 ? parts[0] : undefined;
  if (hostIp !== undefined && !/^[\d.]+$|^\[?[0-9a-fA-F:]+\]?$/.test(hostIp)) throw bad('the host address must be an IP');
  return { ...(hostIp ? { hostIp } : {}), ...(hostPort ? { hostPort } : {}), containerPort, protocol: proto };
}

const MEMORY_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
/** Docker refuses memory limits under 6 MiB. */
const MIN_MEMORY = 6 * 1024 ** 2;

/** Parses `512m`, `1g`, `1.5GiB`, `1048576` into bytes (binary units, as docker does). */
export function parseMemory(text: string, flag = '--memory'): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?$/i.exec(String(text).trim());
  if (!m) throw new UsageError(`invalid ${flag} "${text}": use a size like 512m or 1g`);
  const bytes = Math.round(Number(m[1]) * MEMORY_UNITS[m[2]!.toLowerCase()]!);
  if (bytes < MIN_MEMORY) throw new UsageError(`invalid ${flag} "${text}": the minimum is 6m`);
  return bytes;
}

/** Parses a CPU count (`0.5`, `2`) into Docker's NanoCpus. */
export function parseCpus(text: string | number, flag = '--cpus'): number {
  const n = typeof text === 'number' ? text : /^\d*\.?\d+$/.test(String(text).trim()) ? Number(text) : NaN;
  // The upper bound is the engine's CPU count, which the engine itself checks on create (a one-line 400).
  if (!Number.isFinite(n) || n < 0.01) throw new UsageError(`invalid ${flag} "${text}": use a number of CPUs like 0.5 or 2`);
  return Math.round(n * 1e9);
}

export function parsePids(text: string | number, flag = '--pids'): number {
  const n = Number(text);
  if (!/^\d+$/.test(String(text).trim()) || n < 1) throw new UsageError(`invalid ${flag} "${text}": use a whole number of processes, 1 or more`);
  return n;
}

/** A whole number from a flag, shown as typed when it is not one (yargs' number type would turn "abc" into NaN). */
export function parseWholeNumber(flag: string, text: string | number, min = 0): number {
  const n = Number(text);
  if (!/^\d+$/.test(String(text).trim()) || n < min) throw new UsageError(`invalid ${flag} "${text}": use a whole number, ${min} or more`);
  return n;
}

export function validateSeconds(flag: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`invalid ${flag} "${value}": use whole seconds, 0 or more`);
  return value;
}

/** Parses a timeout: plain seconds (`30`, `1.5`) or with a unit (`500ms`, `30s`, `5m`, `1h`); returns milliseconds. */
export function parseDuration(text: string | number, flag = '--timeout'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(text).trim());
  if (!m) throw new UsageError(`invalid ${flag} "${text}": use seconds or a duration like 500ms, 30s, 5m`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  const ms = Number(m[1]) * factor;
  if (ms <= 0) throw new UsageError(`invalid ${flag} "${text}": must be more than 0`);
  return ms;
}

/** Accepts SIGTERM, TERM, term or a number; returns the canonical SIGNAME (or the number as text). */
export function validateSignal(signal: string, flag = '--signal'): string {
  const text = String(signal).trim();
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n >= 1 && n <= 64) return text;
  } else {
    const name = text.toUpperCase().startsWith('SIG') ? text.toUpperCase() : `SIG${text.toUpperCase()}`;
    if (name in os.constants.signals || /^SIGRTM(IN|AX)([+-]\d+)?$/.test(name)) return name;
  }
  throw new UsageError(`invalid ${flag} "${signal}": use a signal name like SIGTERM or KILL, or a number`);
}

/** Joins a relative subpath to a root, refusing anything that escapes it (`..`, absolute paths, symlinks out). */
export function resolveInside(root: string, sub: string, flag = '--mount-subpath'): string {
  if (path.isAbsolute(sub)) throw new UsageError(`invalid ${flag} "${sub}": use a path relative to the room storage`);
  const target = path.resolve(root, sub);
  const rel = path.relative(root, target);
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new UsageError(`invalid ${flag} "${sub}": it leaves the room storage`);
  // A symlink inside the storage could still point out of it: compare real paths of what exists.
  let existing = target;
  while (!fs.existsSync(existing) && existing !== root) existing = path.dirname(existing);
  if (fs.existsSync(existing)) {
    const realRoot = fs.realpathSync(root);
    const realRel = path.relative(realRoot, fs.realpathSync(existing));
    if (realRel.startsWith('..') || path.isAbsolute(realRel)) throw new UsageError(`invalid ${flag} "${sub}": it leaves the room storage`);
  }
  return target;
}

export function validateMountPath(p: string, flag = '--mount-path'): string {
  if (!path.posix.isAbsolute(p) || p.split('/').includes('..')) throw new UsageError(`invalid ${flag} "${p}": use an absolute path in the container`);
  return path.posix.normalize(p);
}
