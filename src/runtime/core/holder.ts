// Who holds a lock, a ticket or a request, and whether it is still there: one identity (pid, process start time,
// boot id, host) and one liveness check, so a killed holder, a reused pid and a holder on another host sharing the
// data dir are told apart the same way everywhere.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

export interface Holder {
  pid: number;
  /** The process's start time as the kernel reports it, so a new process that got the same pid is not the holder. */
  start: string | null;
  /** The kernel's boot id: after a reboot no pid means what it did. */
  boot: string | null;
  host: string;
}

/** A holder refreshes its heartbeat this often... */
export const HEARTBEAT_MS = 5_000;
/** ...so a holder on another host (whose process cannot be checked from here) is gone once it is this old. */
export const HOLDER_TTL_MS = 60_000;

let bootIdCache: string | null | undefined;
function bootId(): string | null {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootIdCache = null;
    }
  }
  return bootIdCache;
}

/** The start time of a process (clock ticks since boot on Linux, `ps` lstart elsewhere); null when it is gone. */
export function processStart(pid: number): { start: string; zombie: boolean } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself contain spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { start: fields[19]!, zombie: fields[0] === 'Z' || fields[0] === 'X' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && fs.existsSync('/proc/self/stat')) return null;
  }
  // No procfs (macOS, BSD): ask ps.
  try {
    const out = execFileSync('ps', ['-o', 'lstart=,stat=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    if (!out) return null;
    return { start: out.slice(0, 24).trim(), zombie: /\sZ\S*$/.test(out) };
  } catch {
    return null;
  }
}

let self: Holder | undefined;
/** This process as a holder. */
export function currentHolder(): Holder {
  self ??= { pid: process.pid, start: processStart(process.pid)?.start ?? null, host: os.hostname(), boot: bootId() };
  return self;
}

/**
 * 'dead' only when it is certain: same host, and another boot, or no such pid, or a zombie, or a pid now held by a
 * process that started at another time. 'remote': another host's holder, which only its heartbeat can vouch for.
 */
export function holderState(h: Holder): 'alive' | 'dead' | 'remote' {
  if (h.host !== os.hostname()) return 'remote';
  if (h.boot && bootId() && h.boot !== bootId()) return 'dead';
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return 'dead';
  }
  const now = processStart(h.pid);
  if (!now || now.zombie) return 'dead';
  if (h.start !== null && now.start !== h.start) return 'dead';
  return 'alive';
}

/** The one liveness check: a holder on this host while its process lives; one on another host until its heartbeat expires. */
export function holderAlive(h: Holder, heartbeatAt: number, now = Date.now()): boolean {
  const state = holderState(h);
  return state === 'alive' || (state === 'remote' && now - heartbeatAt < HOLDER_TTL_MS);
}

/** "pid 123 on host" for messages. */
export function describeHolder(h: Holder): string {
  return `pid ${h.pid} on ${h.host}`;
}
