// Bounded container logs: every container berth creates (container, job, service, plugin run) gets json-file logs
// capped at max-size × max-file, from the command's flags, then config `logs`, then 10m × 3.
import type Docker from 'dockerode';
import { UsageError, type Runtime } from '../core/index.js';

export interface LogLimits {
  /** Docker's max-size: `10m`, `512k`, `1g` (one log file). */
  maxSize: string;
  /** Docker's max-file: how many files are kept (rotated). */
  maxFiles: number;
}

export const DEFAULT_LOG_LIMITS: LogLimits = { maxSize: '10m', maxFiles: 3 };

/** What a caller may ask for; strings are validated like the CLI flags. */
export interface LogLimitOptions {
  logMaxSize?: string | number;
  logMaxFiles?: string | number;
}

const UNIT = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as const;

/** `10m`, `512k`, `1g`, `2048` (bytes), `10MB` → Docker's form (`10m`); at least 1k, at most 100g. */
export function parseLogMaxSize(text: string | number, flag = '--log-max-size'): string {
  const m = /^\s*(\d+)\s*([kmg]?)(?:i?b)?\s*$/i.exec(String(text));
  const bytes = m ? Number(m[1]) * UNIT[m[2]!.toLowerCase() as keyof typeof UNIT] : NaN;
  if (!m || !(bytes >= 1024) || bytes > 100 * 1024 ** 3) {
    throw new UsageError(`invalid ${flag} "${text}": use a size from 1k to 100g, e.g. 10m`);
  }
  return `${Number(m[1])}${m[2]!.toLowerCase()}`;
}

export function parseLogMaxFiles(text: string | number, flag = '--log-max-files'): number {
  const n = typeof text === 'number' ? text : /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new UsageError(`invalid ${flag} "${text}": use a whole number from 1 to 100`);
  return n;
}

/** The limits for one create: the options, then config `logs`, then the defaults. Bad values are a UsageError. */
export async function resolveLogLimits(rt: Runtime, opts: LogLimitOptions = {}): Promise<LogLimits> {
  const configured = { ...DEFAULT_LOG_LIMITS, ...((await rt.setting('logs')) ?? {}) };
  return {
    maxSize: parseLogMaxSize(opts.logMaxSize ?? configured.maxSize, opts.logMaxSize !== undefined ? '--log-max-size' : 'config logs.maxSize'),
    maxFiles: parseLogMaxFiles(opts.logMaxFiles ?? configured.maxFiles, opts.logMaxFiles !== undefined ? '--log-max-files' : 'config logs.maxFiles'),
  };
}

/** HostConfig.LogConfig for a container create body. */
export function logConfig(limits: LogLimits): NonNullable<Docker.HostConfig['LogConfig']> {
  return { Type: 'json-file', Config: { 'max-size': limits.maxSize, 'max-file': String(limits.maxFiles) } };
}

/** TaskTemplate.LogDriver for a Swarm service create/update body. */
export function swarmLogDriver(limits: LogLimits): { Name: string; Options: Record<string, string> } {
  return { Name: 'json-file', Options: { 'max-size': limits.maxSize, 'max-file': String(limits.maxFiles) } };
}

export interface ContainerLogSettings {
  driver: string;
  maxSize?: string;
  maxFiles?: number;
  /** False when the driver keeps everything (json-file without max-size): the container can fill the disk. */
  bounded: boolean;
}

/** What a container's inspect says about its logs (shown by `container get`). */
export function readLogSettings(config: { Type?: string; Config?: Record<string, string> } | undefined): ContainerLogSettings {
  const driver = config?.Type || 'json-file';
  const maxSize = config?.Config?.['max-size'];
  const maxFiles = config?.Config?.['max-file'] ? Number(config.Config['max-file']) : undefined;
  // local rotates by default (20m × 5); none keeps nothing; drivers that ship logs off the host keep none locally.
  const bounded = driver === 'json-file' ? Boolean(maxSize) : driver !== 'journald';
  return { driver, ...(maxSize ? { maxSize } : {}), ...(maxFiles ? { maxFiles } : { ...(maxSize ? { maxFiles: 1 } : {}) }), bounded };
}

/** A recreate keeps the old log settings when they are bounded; unbounded ones (made before berth capped logs) get the limits. */
export function boundedLogConfig(current: Docker.HostConfig['LogConfig'], limits: LogLimits): NonNullable<Docker.HostConfig['LogConfig']> {
  return current && readLogSettings(current).bounded ? current : logConfig(limits);
}
