import { useEffect, useState } from 'react';
import type { Problem } from '../api.ts';
import { useConsole } from '../context.ts';

/** How long typing must pause before the form asks the API's dry run again. */
const PREVIEW_DELAY_MS = 400;

export type DryRunPreview<T> =
  | { state: 'idle' }
  | { state: 'loading' }
  | { state: 'ready'; data: T }
  | { state: 'refused'; problem: Problem };

/**
 * A submission form's live preview: once the request is `complete`, and typing has paused, POSTs it to the
 * route's `?dryRun=true` (which writes nothing) and answers what the API would say; a newer request wins over
 * an older answer. With `keepWhileLoading` the last answer stays on screen until the next one arrives.
 */
export function useDryRunPreview<T>(
  path: string,
  request: object,
  complete: boolean,
  options: { keepWhileLoading?: boolean } = {},
): DryRunPreview<T> {
  const { api } = useConsole();
  const [preview, setPreview] = useState<DryRunPreview<T>>({ state: 'idle' });
  const requestKey = JSON.stringify(request);
  const keep = options.keepWhileLoading ?? false;
  useEffect(() => {
    if (!complete) {
      setPreview({ state: 'idle' });
      return;
    }
    setPreview((previous) => (keep && previous.state !== 'idle' ? previous : { state: 'loading' }));
    let live = true;
    const timer = setTimeout(async () => {
      const result = await api.post<T>(`${path}?dryRun=true`, JSON.parse(requestKey));
      if (!live) return;
      setPreview(
        result.ok ? { state: 'ready', data: result.data } : { state: 'refused', problem: result.problem },
      );
    }, PREVIEW_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, path, complete, requestKey, keep]);
  return preview;
}
