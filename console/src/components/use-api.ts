import { useCallback, useEffect, useState } from 'react';
import type { ApiResult, Problem } from '../api.ts';

export type Loadable<T> =
  | { state: 'loading' }
  | { state: 'error'; problem: Problem }
  | { state: 'ready'; data: T };

/** Loads once per change of `key` (and on `reload()`), ignoring answers that arrive after a newer request. */
export function useLoad<T>(load: () => Promise<ApiResult<T>>, key: string): [Loadable<T>, () => void] {
  const [value, setValue] = useState<Loadable<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  // Deliberately keyed: `key` names everything `load` reads, `round` is a reload.
  useEffect(() => {
    let current = true;
    setValue((previous) => (previous.state === 'ready' ? previous : { state: 'loading' }));
    load().then((result) => {
      if (!current) return;
      setValue(
        result.ok ? { state: 'ready', data: result.data } : { state: 'error', problem: result.problem },
      );
    });
    return () => {
      current = false;
    };
  }, [key, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return [value, reload];
}
