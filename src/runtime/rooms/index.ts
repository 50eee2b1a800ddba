// The rooms: rooms (label, network, storage dir), their disk use and what the engine gets as a mount under room storage.
export { type DataRootUsage, type RoomDiskUsage, dataRootUsage, engineIsLocal, roomDiskUsage } from './disk-usage.js';
export { type DeleteRoomOptions, type DeleteRoomResult, RoomService, type RoomSummary } from './rooms.js';
export {
  type EngineMount,
  type StorageMount,
  assertMountable,
  engineMount,
  ensureOwnedDir,
  ensureStorageVolume,
  normalizeSubpath,
} from './storage-mounts.js';
