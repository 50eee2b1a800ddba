// Containers in a room: listing and the summary shape both the CLI table and the dashboard show.
import type Docker from 'dockerode';
import { NotFoundError, UsageError } from './errors.js';
import { LABEL, roomLabelFilter } from './labels.js';
import type { Runtime } from './runtime.js';

export interface PortMapping {
  hostIp?: string;
  hostPort?: number;
  containerPort: number;
  protocol: string;
}

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
  labels: Record<string, string>;
}

export function toSummary(info: Docker.ContainerInfo): ContainerSummary {
  const labels = info.Labels ?? {};
  const dockerName = (info.Names?.[0] ?? '').replace(/^\//, '');
  return {
    id: info.Id,
    name: labels[LABEL.name] ?? dockerName,
    room: labels[LABEL.room] ?? '',
    kind: labels[LABEL.kind] ?? 'container',
    agent: labels[LABEL.agent] ?? '',
    role: labels[LABEL.role] ?? '',
    image: info.Image,
    state: info.State,
    status: info.Status,
    created: new Date(info.Created * 1000).toISOString(),
    ports: (info.Ports ?? []).map((p) => ({
      hostIp: p.IP,
      hostPort: p.PublicPort,
      containerPort: p.PrivatePort,
      protocol: p.Type,
    })),
    labels,
  };
}

export class ContainerService {
  constructor(private readonly rt: Runtime) {}

  /** Containers of one room (or every room when room is undefined), newest first. */
  async list(room: string | undefined, opts: { all?: boolean; signal?: AbortSignal } = {}): Promise<ContainerSummary[]> {
    const engine = await this.rt.engine();
    const infos = await engine.call('list containers', (d) =>
      d.listContainers({ all: opts.all ?? true, filters: { label: roomLabelFilter(room) }, abortSignal: opts.signal } as object),
    );
    return infos.map(toSummary).sort((a, b) => b.created.localeCompare(a.created) || a.name.localeCompare(b.name));
  }

  /**
   * Finds one container of a room by its room-local name, full id or a unique id prefix. Unknown is NotFoundError;
   * a prefix matching several is a UsageError listing how many.
   */
  async resolve(room: string, ref: string, signal?: AbortSignal): Promise<ContainerSummary> {
    if (!ref) throw new UsageError('a container name or id is required');
    const all = await this.list(room, { all: true, signal });
    const byName = all.find((c) => c.name === ref);
    if (byName) return byName;
    const byId = all.filter((c) => c.id.startsWith(ref));
    if (byId.length === 1) return byId[0]!;
    if (byId.length > 1) throw new UsageError(`id prefix "${ref}" matches ${byId.length} containers in room "${room}": give more characters`);
    throw new NotFoundError(`container "${ref}" not found in room "${room}"`);
  }
}
