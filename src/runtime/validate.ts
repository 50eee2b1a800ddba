// Validation of user-supplied names and values: each failure is one UsageError line naming what is wrong.
import { UsageError } from './errors.js';
import { ROOM_NAME } from './labels.js';

export function validateRoomName(name: string): string {
  if (!ROOM_NAME.test(name)) {
    throw new UsageError(
      `invalid room name "${name}": use 1-32 lowercase letters, digits and inner hyphens (e.g. "team-a")`,
    );
  }
  return name;
}
