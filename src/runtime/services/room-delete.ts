// Deleting a room with what it holds in the services domain: its services (containers or Swarm services, their
// revisions in the state store, hence their proxy routes) and the room tokens they were given, then the room itself.
import { ConflictError, type Runtime, validateRoomName } from '../core/index.js';
import { RoomService, type DeleteRoomOptions, type DeleteRoomResult } from '../rooms/index.js';
import { SecretStore } from '../secrets/index.js';
import { DeployService } from './deploy.js';

export interface DeleteRoomWithServicesResult extends DeleteRoomResult {
  removedServices: string[];
  /** Room tokens (room-token.ROOM.AGENT) revoked with the room. */
  removedSecrets: string[];
}

/** Refuses while the room has services, unless force; with force removes them first, then the room. */
export async function deleteRoom(rt: Runtime, room: string, opts: DeleteRoomOptions = {}): Promise<DeleteRoomWithServicesResult> {
  validateRoomName(room);
  const rooms = new RoomService(rt);
  await rooms.inspect(room); // a room that does not exist is "not found" before anything else
  const deploys = new DeployService(rt);
  const services = await deploys.list(room);
  if (services.length && !opts.force) {
    const names = services.map((s) => s.name);
    throw new ConflictError(
      `room "${room}" has ${names.length} service${names.length === 1 ? '' : 's'} (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}): use --force to remove them with the room`,
    );
  }
  const removedServices: string[] = [];
  for (const s of services) {
    await deploys.remove(room, s.name);
    removedServices.push(s.name);
  }
  const secrets = new SecretStore(rt);
  const removedSecrets: string[] = [];
  if (opts.force) {
    for (const s of secrets.list().filter((i) => i.name.startsWith(`room-token.${room}.`))) {
      await secrets.delete(s.name);
      removedSecrets.push(s.name);
    }
  }
  const result = await rooms.delete(room, opts);
  return { ...result, removedServices, removedSecrets };
}
