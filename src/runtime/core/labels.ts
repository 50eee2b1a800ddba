// The Docker labels and names berth puts on every object it owns; rooms are found by these, never by a copy.

export const LABEL = {
  room: 'berth.room',
  kind: 'berth.kind',
  name: 'berth.name',
  agent: 'berth.agent',
  role: 'berth.role',
  tags: 'berth.tags',
  managed: 'berth.managed',
  /** Where a container's own files volume is mounted (the API's /app): the volume goes when the container does. */
  files: 'berth.files',
  /** On a job: the berth process that runs it (holderTag), so a job whose berth was killed can be cleaned up. */
  holder: 'berth.holder',
} as const;

export type ObjectKind = 'room' | 'container' | 'job' | 'service';

/** Room names double as DNS labels and Docker name prefixes: lowercase letters, digits and inner hyphens. */
export const ROOM_NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

export function roomNetworkName(room: string): string {
  return `berth-${room}`;
}

/** The volume that stands for a room's storage when a directory inside it is mounted (storage-mounts.ts). */
export function storageVolumeName(room: string): string {
  return `berth-storage-${room}`;
}

/** A container's own files volume (RunOptions.filesDir), named after it so a recreate keeps it. */
export function filesVolumeName(room: string, name: string): string {
  return `berth-files-${room}.${name}`;
}

/** Docker names are engine-wide; berth scopes them to a room as ROOM.NAME so two rooms can each have a "web". */
export function dockerContainerName(room: string, name: string): string {
  return `${room}.${name}`;
}

export function roomLabelFilter(room?: string): string[] {
  return [room ? `${LABEL.room}=${room}` : LABEL.room];
}
