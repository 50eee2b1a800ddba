// Rooms: a label, a bridge network berth-<room> and a storage directory; Docker is the source of truth.
import fs from 'node:fs';
import path from 'node:path';
import { roomDiskUsage, type RoomDiskUsage } from './disk-usage.js';
import { ConflictError, NotFoundError, withLock, LABEL, roomLabelFilter, roomNetworkName, storageVolumeName, type Runtime, validateRoomName, compareText } from '../core/index.js';

export interface RoomSummary {
  name: string;
  network: string;
  networkId: string;
  created: string;
  storage: string;
  containers: number;
  running: number;
  services: number;
  /** Set by list({ disk: true }): writable layers, logs and storage (disk-usage.ts). */
  disk?: RoomDiskUsage;
}

export interface RoomDetail extends RoomSummary {
  subnet?: string;
  gateway?: string;
  members: { id: string; name: string; kind: string; state: string }[];
}

export interface DeleteRoomOptions {
  force?: boolean;
  purgeStorage?: boolean;
}

export interface DeleteRoomResult {
  room: string;
  removedContainers: string[];
  removedNetwork: boolean;
  purgedStorage: boolean;
}

export class RoomService {
  constructor(private readonly rt: Runtime) {}

  storageDir(room: string): string {
    return path.join(this.rt.paths.roomsDir, room);
  }

  async create(name: string): Promise<RoomSummary> {
    validateRoomName(name);
    const engine = await this.rt.engine();
    return this.rt.audit.record({ actor: this.rt.actor, action: 'room.create', target: name }, async () => {
      // Docker's CheckDuplicate is not atomic: processes sharing this data dir take turns, and settleDuplicate
      // catches a race with a process that does not (another home on the same engine) as far as listing can.
      const created = await withLock(this.rt.db(), `room-create:${name}`, {}, async () => {
        if (await this.findNetwork(name)) throw new ConflictError(`room "${name}" already exists`);
        return engine.call(`create network for room ${name}`, (d) =>
          d.createNetwork({
            Name: roomNetworkName(name),
            Driver: 'bridge',
            CheckDuplicate: true,
            Labels: { [LABEL.room]: name, [LABEL.kind]: 'room', [LABEL.managed]: 'true' },
          }),
        );
      });
      await this.settleDuplicate(name, created.id);
      fs.mkdirSync(this.storageDir(name), { recursive: true });
      return this.inspect(name);
    });
  }

  /** Ensures a room exists (used when a container is started in a room nobody created yet). */
  async ensure(name: string): Promise<void> {
    validateRoomName(name);
    if (!(await this.findNetwork(name))) {
      try {
        await this.create(name);
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
      }
    }
  }

  /** Every room; with disk, also each room's disk use (slower: sizes every container's writable layer). */
  async list(signal?: AbortSignal, opts: { disk?: boolean } = {}): Promise<RoomSummary[]> {
    if (opts.disk) {
      const rooms = await this.list(signal);
      const disk = await roomDiskUsage(this.rt, { rooms: rooms.map((r) => r.name), signal });
      return rooms.map((r) => ({ ...r, disk: disk.get(r.name) }));
    }
    const engine = await this.rt.engine();
    const [networks, containers] = await Promise.all([
      engine.call('list networks', (d) =>
        d.listNetworks({ filters: { label: [`${LABEL.kind}=room`] }, abortSignal: signal } as object),
      ),
      engine.call('list containers', (d) =>
        d.listContainers({ all: true, filters: { label: roomLabelFilter() }, abortSignal: signal } as object),
      ),
    ]);
    return networks
      .map((net) => {
        const room = net.Labels?.[LABEL.room] ?? net.Name;
        const members = containers.filter((c) => c.Labels?.[LABEL.room] === room);
        return this.summarize(room, net.Id, net.Name, (net as { Created?: string }).Created ?? '', members);
      })
      .sort((a, b) => compareText(a.name, b.name));
  }

  async inspect(name: string): Promise<RoomDetail> {
    validateRoomName(name);
    const engine = await this.rt.engine();
    const net = await this.findNetwork(name);
    if (!net) throw new NotFoundError(`room "${name}" not found`);
    const [detail, containers] = await Promise.all([
      engine.call(`inspect room ${name}`, (d) => d.getNetwork(net.Id).inspect()),
      this.members(name),
    ]);
    const ipam = (detail.IPAM?.Config ?? [])[0] as { Subnet?: string; Gateway?: string } | undefined;
    return {
      ...this.summarize(name, net.Id, net.Name, detail.Created ?? '', containers),
      subnet: ipam?.Subnet,
      gateway: ipam?.Gateway,
      members: containers.map((c) => ({
        id: c.Id,
        name: c.Labels?.[LABEL.name] ?? (c.Names?.[0] ?? '').replace(/^\//, ''),
        kind: c.Labels?.[LABEL.kind] ?? 'container',
        state: c.State,
      })),
    };
  }

  async delete(name: string, opts: DeleteRoomOptions = {}): Promise<DeleteRoomResult> {
    validateRoomName(name);
    const engine = await this.rt.engine();
    const net = await this.findNetwork(name);
    if (!net) throw new NotFoundError(`room "${name}" not found`);
    const members = await this.members(name);
    if (members.length > 0 && !opts.force) {
      throw new ConflictError(
        `room "${name}" has ${members.length} container${members.length === 1 ? '' : 's'}: use --force to remove them with the room`,
      );
    }
    // A container of no room (or another room) on the network would stop its removal after the members are gone.
    const memberIds = new Set(members.map((c) => c.Id));
    const attached = (await engine.call(`inspect network ${net.Name}`, (d) => d.getNetwork(net.Id).inspect())).Containers ?? {};
    const others = Object.entries(attached as Record<string, { Name?: string }>)
      .filter(([id]) => !memberIds.has(id))
      .map(([id, c]) => c.Name || id.slice(0, 12));
    if (others.length > 0) {
      throw new ConflictError(
        `room "${name}": its network ${net.Name} is also used by ${others.join(', ')}, not of the room: disconnect ${others.length === 1 ? 'it' : 'them'} first (docker network disconnect ${net.Name} ${others[0]})`,
      );
    }
    return this.rt.audit.record(
      { actor: this.rt.actor, action: 'room.delete', target: name, details: { force: !!opts.force, purgeStorage: !!opts.purgeStorage } },
      async () => {
        const removedContainers: string[] = [];
        for (const c of members) {
          await engine.call(`remove container ${c.Id.slice(0, 12)}`, (d) => d.getContainer(c.Id).remove({ force: true, v: true }));
          removedContainers.push(c.Id);
        }
        await engine.call(`remove network ${net.Name}`, (d) => d.getNetwork(net.Id).remove()).catch((err: unknown) => {
          // Nothing is attached (checked above, and the members are gone), yet the engine counts endpoints: dockerd's
          // stale endpoint count (moby/moby#42119), seen on docker 20.10 after many containers went at once.
          if (!(err instanceof ConflictError) || !/active endpoints/.test(err.message)) throw err;
          throw new ConflictError(
            `room "${name}": the engine still counts endpoints on network ${net.Name}, though no container is attached (a dockerd fault, moby/moby#42119); restart dockerd, then delete the room again`,
          );
        });
        // The volume that stood for the storage in subpath mounts (storage-mounts.ts); the directory stays.
        await engine.call('remove storage volume', (d) => d.getVolume(storageVolumeName(name)).remove()).catch(() => {});
        let purgedStorage = false;
        if (opts.purgeStorage) {
          // No container of the room is left to swap a directory during the walk.
          fs.rmSync(this.storageDir(name), { recursive: true, force: true });
          fs.rmSync(path.join(this.rt.paths.dataDir, 'workspaces', name), { recursive: true, force: true });
          purgedStorage = true;
        }
        return { room: name, removedContainers, removedNetwork: true, purgedStorage };
      },
    );
  }

  /**
   * The engine does not always refuse a second network of the same name (two processes creating one room at once).
   * Every racer keeps the earliest created (a later creator always sees it) and removes its own if that is not it.
   */
  /**
   * A room that does not exist is NotFoundError (`room "x" not found`, exit 3): the one check every room-scoped
   * listing makes when it comes back empty, so a mistyped room is never an empty table.
   */
  async assertExists(name: string, signal?: AbortSignal): Promise<void> {
    validateRoomName(name);
    const engine = await this.rt.engine();
    const nets = await engine.call('list networks', (d) => d.listNetworks({ filters: { name: [roomNetworkName(name)] }, abortSignal: signal } as object));
    if (!nets.some((n) => n.Name === roomNetworkName(name))) throw new NotFoundError(`room "${name}" not found`);
  }

  private async settleDuplicate(room: string, ownId: string): Promise<void> {
    const engine = await this.rt.engine();
    const nets = await engine.call('list networks', (d) => d.listNetworks({ filters: { name: [roomNetworkName(room)] } }));
    const same = nets
      .filter((n) => n.Name === roomNetworkName(room))
      .map((n) => ({ id: n.Id, created: sortableTime((n as { Created?: string }).Created ?? '') }))
      .sort((a, b) => compareText(a.created, b.created) || compareText(a.id, b.id));
    if (same.length > 1 && same[0]!.id !== ownId) {
      await engine.call(`remove duplicate network of room ${room}`, (d) => d.getNetwork(ownId).remove());
      throw new ConflictError(`room "${room}" already exists`);
    }
  }

  private async findNetwork(room: string) {
    const engine = await this.rt.engine();
    const nets = await engine.call('list networks', (d) =>
      d.listNetworks({ filters: { label: [`${LABEL.room}=${room}`, `${LABEL.kind}=room`] } }),
    );
    return nets.find((n) => n.Name === roomNetworkName(room));
  }

  private async members(room: string) {
    const engine = await this.rt.engine();
    return engine.call('list containers', (d) => d.listContainers({ all: true, filters: { label: roomLabelFilter(room) } }));
  }

  private summarize(
    room: string,
    networkId: string,
    network: string,
    created: string,
    members: { State: string; Labels: Record<string, string> }[],
  ): RoomSummary {
    const services = members.filter((c) => c.Labels?.[LABEL.kind] === 'service');
    const containers = members.filter((c) => c.Labels?.[LABEL.kind] !== 'service');
    return {
      name: room,
      network,
      networkId,
      created,
      storage: this.storageDir(room),
      containers: containers.length,
      running: containers.filter((c) => c.State === 'running').length,
      services: services.length,
    };
  }
}

/** Docker's RFC 3339 times trim trailing zeros from the fraction; pad it so the strings sort in time order. */
function sortableTime(time: string): string {
  return time.replace(/(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/, (_m, frac: string | undefined, zone: string) => `.${(frac ?? '').padEnd(9, '0')}${zone}`);
}
