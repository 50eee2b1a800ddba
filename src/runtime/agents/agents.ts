// Agents: identities, per-agent limits (config agentLimits), workspaces (beside the room storage), the defaults and
// admission applied to every container an agent starts, and the per-agent usage listing.
import fs from 'node:fs';
import path from 'node:path';
import { admit, agentUsage, cpuShare, queuedStarts, LimitError, type Admission } from './admission.js';
import { assertPerson, type PersonCheck, withSettingsLock, type AgentLimits, UsageError, formatBytes, LABEL, dockerContainerName, type Runtime, parseCpus, parseMemory, parseWholeNumber, validateIdentity, validateRoomName } from '../core/index.js';
import { sampleStatsById } from '../engine/index.js';
import { RoomService, ensureOwnedDir } from '../rooms/index.js';

/** Where every container and job an agent starts sees its workspace. */
export const WORKSPACE_TARGET = '/workspace';

/**
 * The agent's workspace on the host: `<data>/workspaces/<room>/<agent>`. Not inside the room storage: a container
 * that mounts the room storage could otherwise swap the workspace for a symlink before the engine binds it.
 */
export function workspaceDir(rt: Runtime, room: string, agent: string): string {
  validateRoomName(room);
  validateIdentity(agent, '--agent');
  return path.join(rt.paths.dataDir, 'workspaces', room, agent);
}

/**
 * Creates the workspace when missing and returns its host path, a real directory in a berth-owned chain. A workspace
 * left at the old place (`<room storage>/workspaces/<agent>`) is moved over, through a descriptor of the room storage
 * so that a swapped `workspaces` link cannot bring a host directory with it.
 */
export function ensureWorkspace(rt: Runtime, room: string, agent: string): string {
  const dir = workspaceDir(rt, room, agent);
  if (!fs.existsSync(dir)) {
    ensureOwnedDir(rt.paths.dataDir, path.dirname(dir));
    adoptOldWorkspace(new RoomService(rt).storageDir(room), agent, dir);
  }
  return ensureOwnedDir(rt.paths.dataDir, dir);
}

function adoptOldWorkspace(roomStorage: string, agent: string, dir: string): void {
  const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = fs.constants;
  let fd: number | undefined;
  try {
    fd = fs.openSync(path.join(roomStorage, 'workspaces'), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    fs.renameSync(`/proc/self/fd/${fd}/${agent}`, dir);
  } catch {
    return; // nothing at the old place (or not a directory): a new workspace
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  // What was moved may be a link a container planted: it is dropped, never followed.
  if (!fs.lstatSync(dir).isDirectory()) fs.unlinkSync(dir);
}

export async function getAgentLimits(rt: Runtime, agent: string): Promise<AgentLimits> {
  const all = (await rt.setting('agentLimits')) ?? {};
  return Object.prototype.hasOwnProperty.call(all, agent) ? { ...all[agent] } : {};
}

export interface LimitsChange {
  /** A number of CPUs, or 'none' to remove the quota. */
  cpus?: string;
  memory?: string;
  maxRunning?: string;
  onLimit?: string;
  /** Remove every limit of the agent. */
  clear?: boolean;
}

/**
 * Validates every value first (bad input changes nothing), then stores the agent's new limits. Setting limits is a
 * person's act (`person`: stdin a terminal, no BERTH_AGENT): an agent must not raise its own.
 */
export async function setAgentLimits(rt: Runtime, agent: string, change: LimitsChange, person: PersonCheck): Promise<AgentLimits> {
  validateIdentity(agent, '--agent');
  // Every value is checked before the settings are touched; null removes a limit.
  const none = (v: string) => v.trim().toLowerCase() === 'none';
  const patch: { [K in keyof AgentLimits]?: AgentLimits[K] | null } = {};
  if (change.cpus !== undefined) patch.cpus = none(change.cpus) ? null : parseCpus(change.cpus) / 1e9;
  if (change.memory !== undefined) patch.memory = none(change.memory) ? null : (parseMemory(change.memory), change.memory.trim());
  if (change.maxRunning !== undefined) patch.maxRunning = none(change.maxRunning) ? null : parseWholeNumber('--max-running', change.maxRunning, 1);
  if (change.onLimit !== undefined) {
    if (change.onLimit !== 'reject' && change.onLimit !== 'queue') throw new UsageError(`invalid --on-limit "${change.onLimit}": use reject or queue`);
    patch.onLimit = change.onLimit;
  }
  assertPerson(rt, person.stdinIsTTY, "setting an agent's limits", { action: 'agent.limits', target: `agent/${agent}` });
  return withSettingsLock(rt, async (settings) => {
    const next: Record<string, unknown> = change.clear ? {} : { ...(settings.get('agentLimits') ?? {})[agent] };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete next[key];
      else next[key] = value;
    }
    const limits = next as AgentLimits;
    return rt.audit.record({ actor: rt.actor, action: 'agent.limits', target: agent, details: { ...limits } }, async () => {
      const all = { ...(settings.get('agentLimits') ?? {}) };
      if (Object.keys(limits).length) all[agent] = limits;
      else delete all[agent];
      settings.set('agentLimits', all);
      return limits;
    });
  });
}

/** The fields of a container spec the agent policy reads and fills in. */
export interface AgentSpecFields {
  room: string;
  name: string;
  agent: string;
  resources: { nanoCpus?: number; memory?: number };
  mount?: { target: string };
  workspace?: { source: string; target: string };
}

/**
 * Applies the agent's policy to a new container's spec before anything is created: the memory cap (a larger ask is
 * refused at once: waiting cannot help), the CPU share for a container without --cpus, and the workspace mount.
 */
export async function applyAgentPolicy<T extends AgentSpecFields>(rt: Runtime, spec: T): Promise<T> {
  const limits = await getAgentLimits(rt, spec.agent);
  const resources = { ...spec.resources };
  if (limits.memory) {
    const cap = parseMemory(limits.memory);
    if (resources.memory === undefined) resources.memory = cap;
    else if (resources.memory > cap) {
      throw new LimitError(`agent ${spec.agent}: memory cap ${formatBytes(cap)} per container; this container asks ${formatBytes(resources.memory)}`);
    }
  }
  if (limits.cpus) {
    const quota = Math.round(limits.cpus * 1e9);
    if (resources.nanoCpus === undefined) resources.nanoCpus = cpuShare(limits);
    else if (resources.nanoCpus > quota) {
      throw new LimitError(`agent ${spec.agent}: CPU quota ${limits.cpus}; this container asks ${resources.nanoCpus / 1e9} on its own`);
    }
  }
  // An explicit room-storage mount at /workspace wins.
  const workspace = spec.mount?.target === WORKSPACE_TARGET ? undefined : { source: workspaceDir(rt, spec.room, spec.agent), target: WORKSPACE_TARGET };
  return { ...spec, resources, ...(workspace ? { workspace } : {}) };
}

/** Admission for a container about to start: resolves once the agent's limits allow it (see admission.ts). */
export async function admitStart(
  rt: Runtime,
  spec: { room: string; name: string; agent: string; resources: { nanoCpus?: number } },
  opts: { timeoutMs?: number; signal?: AbortSignal; onQueued?: (why: string) => void; replacing?: string[] } = {},
): Promise<Admission> {
  const limits = await getAgentLimits(rt, spec.agent);
  return admit(rt, {
    agent: spec.agent,
    nanoCpus: spec.resources.nanoCpus ?? cpuShare(limits),
    container: dockerContainerName(spec.room, spec.name),
    limits,
    ...opts,
  });
}

/** Admission for starting an existing container: its agent and CPU limit come from the engine. */
export async function admitExisting(
  rt: Runtime,
  id: string,
  opts: { timeoutMs?: number; signal?: AbortSignal; onQueued?: (why: string) => void } = {},
): Promise<Admission> {
  const engine = await rt.engine();
  const info = await engine.call('inspect container', (d) => d.getContainer(id).inspect());
  const agent = info.Config?.Labels?.[LABEL.agent];
  if (!agent) return { release: () => {} };
  const limits = await getAgentLimits(rt, agent);
  return admit(rt, { agent, nanoCpus: info.HostConfig?.NanoCpus || cpuShare(limits), container: info.Name.replace(/^\//, ''), limits, ...opts });
}

export interface AgentSummary {
  agent: string;
  running: number;
  containers: string[];
  /** CPU in use now, % of one CPU (docker stats). */
  cpuPercent: number;
  memoryUsed: number;
  /** CPU limits reserved by the running containers. */
  cpusReserved: number;
  queued: number;
  limits: AgentLimits;
}

/** Every agent with limits or running containers: what it runs, uses now, and may use. */
export async function listAgents(rt: Runtime, opts: { signal?: AbortSignal; room?: string } = {}): Promise<AgentSummary[]> {
  const engine = await rt.engine();
  const limitsByAgent = (await rt.setting('agentLimits')) ?? {};
  // Limits count every room; --room only narrows which containers are shown.
  const label = [LABEL.agent, ...(opts.room ? [`${LABEL.room}=${validateRoomName(opts.room)}`] : [])];
  const running = await engine.call('list containers', (d) => d.listContainers({ filters: { label, status: ['running', 'paused', 'restarting'] } }));
  const agents = new Set<string>([...Object.keys(limitsByAgent), ...running.map((c) => c.Labels[LABEL.agent]!).filter(Boolean)]);
  const hasDb = fs.existsSync(rt.paths.database);
  return Promise.all(
    [...agents].sort().map(async (agent) => {
      const mine = running.filter((c) => c.Labels[LABEL.agent] === agent);
      const samples = await Promise.all(
        mine.map((c) => sampleStatsById(engine, c.Id, c.Labels[LABEL.name] ?? c.Id.slice(0, 12), opts.signal).catch(() => undefined)),
      );
      const usage = mine.length ? await agentUsage(rt, agent, opts.signal) : { nanoCpus: 0 };
      return {
        agent,
        running: mine.length,
        containers: mine.map((c) => `${c.Labels[LABEL.room]}/${c.Labels[LABEL.name] ?? c.Id.slice(0, 12)}`),
        cpuPercent: samples.reduce((s, x) => s + (x?.cpuPercent ?? 0), 0),
        memoryUsed: samples.reduce((s, x) => s + (x?.memoryUsed ?? 0), 0),
        cpusReserved: usage.nanoCpus / 1e9,
        queued: hasDb ? queuedStarts(rt, agent) : 0,
        limits: { ...limitsByAgent[agent] },
      };
    }),
  );
}
