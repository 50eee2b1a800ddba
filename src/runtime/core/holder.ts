// Who holds a lock, a ticket or a request, and whether it is still there: one identity (pid, process start time,
// boot id, host) and one liveness check, so a killed holder, a reused pid and a holder on another host sharing the
// data dir are told apart the same way everywhere.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
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

/** 8 hex digits of a text (the host name in a tag). */
function short(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/**
 * This process in a file name: `<pid>.<start>.<boot>.<host>`, the boot id and the host name shortened to 8 hex
 * digits. What a process leaves in place while it works (a staging directory) carries it, so the next berth that
 * finds it can tell whether its maker is gone (tagHolderGone).
 */
export function holderTag(): string {
  const h = currentHolder();
  const start = h.start && /^\d+$/.test(h.start) ? h.start : 'x';
  return `${h.pid}.${start}.${(h.boot ?? 'x').replace(/-/g, '').slice(0, 8)}.${short(h.host)}`;
}

/** The tag at the start of `text` (`<pid>.<start>.<boot>.<host>`), or undefined. */
export const HOLDER_TAG = /^(\d+)\.(\d+|x)\.([0-9a-fx]{1,8})\.([0-9a-f]{8})/;

/** True only when the tag names a process on this host that is certainly gone (holderState 'dead'). */
export function tagHolderGone(tag: string): boolean {
  const m = HOLDER_TAG.exec(tag);
  if (!m) return false;
  const self = currentHolder();
  if (m[4] !== short(self.host)) return false; // another host's: it cannot be checked from here
  const ownBoot = (self.boot ?? 'x').replace(/-/g, '').slice(0, 8);
  const holder: Holder = { pid: Number(m[1]), start: m[2] === 'x' ? null : m[2]!, boot: m[3] === ownBoot ? self.boot : `other-${m[3]}`, host: self.host };
  return holderState(holder) === 'dead';
}
