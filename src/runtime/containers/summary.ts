// The summary of a container both the CLI table and the dashboard show, and the few facts about one that creating,
// updating and the lifecycle actions share.
import type Docker from 'dockerode';
import { ConflictError, type PortMapping } from '../core/index.js';

export interface ContainerSummary {
  id: string;
  name: string;
  room: string;
  kind: string;
  agent: string;
  role: string;
  image: string;
  state: string;
  status: string;
  created: string;
  ports: PortMapping[];
  /** Free-form tags for filtering (label berth.tags, comma-joined). */
  tags: string[];
  labels: Record<string, string>;
}

/** running, paused and restarting containers have a live process; stop/kill act on them, delete refuses them. */
export function isLive(state: string): boolean {
  return state === 'running' || state === 'paused' || state === 'restarting';
}

export function auditTarget(c: { room: string; name: string }): string {
  return `${c.room}/${c.name}`;
}

/** What updating a container reads through the container service. */
export interface ContainerLookup {
  resolve(room: string, ref: string, signal?: AbortSignal): Promise<ContainerSummary>;
  raw(id: string): Promise<Docker.ContainerInspectInfo>;
  summary(room: string, id: string, signal?: AbortSignal): Promise<ContainerSummary>;
}

/** A recreate refused because it would lose files written in the container; `paths` are all of them (a UI asks). */
export class UnsavedChangesError extends ConflictError {
  constructor(
    readonly paths: string[],
    message: string,
  ) {
    super(message);
  }
}
