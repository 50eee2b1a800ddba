// Container refs for batch delete/exec: positional names plus a file of names (strings or objects with name/id).
import { UsageError } from '../../runtime/core/index.js';

export async function batchRefs(
  positional: (string | number)[] | undefined,
  file: string | undefined,
  read: (file: string) => Promise<unknown[]>,
): Promise<string[]> {
  const refs = (positional ?? []).map(String);
  if (file) {
    for (const entry of await read(file)) {
      if (typeof entry === 'string') refs.push(entry);
      else if (entry && typeof entry === 'object' && typeof ((entry as { name?: unknown; id?: unknown }).name ?? (entry as { id?: unknown }).id) === 'string') {
        refs.push(String((entry as { name?: string; id?: string }).name ?? (entry as { id: string }).id));
      } else throw new UsageError(`--file "${file}": each item must be a name, or an object with "name" or "id"`);
    }
  }
  return refs;
}
