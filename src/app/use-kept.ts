// A value a view keeps across visits (ViewApi.keep) held as React state: the view re-renders when it is set, and
// comes back to it after switching away.
import { useCallback, useMemo, useState } from 'react';
import type { ViewApi } from './view-layout.js';

/** [value, set, now]: `now` reads the kept value outside a render (a key handler that runs before the re-render). */
export function useKept<T>(api: ViewApi, key: string, initial: () => T): [T, (value: T) => void, () => T] {
  const kept = useMemo(() => api.keep(key, initial), [api, key]); // eslint-disable-line react-hooks/exhaustive-deps
  const [value, setValue] = useState(kept.get);
  const set = useCallback(
    (next: T) => {
      kept.set(next);
      setValue(next);
    },
    [kept],
  );
  return [value, set, kept.get];
}
