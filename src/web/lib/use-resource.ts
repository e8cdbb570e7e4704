import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client.js';

type State<T> = { status: 'loading' } | { status: 'error'; error: ApiError } | { status: 'ready'; data: T };
export type Resource<T> = State<T> & { reload: () => void };

/**
 * Loads something from the API whenever `deps` change, showing the loading state; `reload` fetches again
 * and keeps what is on screen until the answer arrives. A newer request aborts the older one, so a slow
 * answer never overwrites a fresh one.
 */
export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): Resource<T> {
  const [state, setState] = useState<State<T>>({ status: 'loading' });
  const [reloads, setReloads] = useState(0);
  const lastDeps = useRef<DependencyList | undefined>(undefined);

  useEffect(() => {
    const controller = new AbortController();
    const depsChanged = !sameDeps(lastDeps.current, deps);
    lastDeps.current = deps;
    if (depsChanged) setState({ status: 'loading' });
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ status: 'ready', data });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ status: 'error', error: toApiError(error) });
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `load` is a new closure on every render; `deps` say when it means something new
  }, [...deps, reloads]);

  const reload = useCallback(() => setReloads((n) => n + 1), []);
  return { ...state, reload };
}

function sameDeps(a: DependencyList | undefined, b: DependencyList): boolean {
  return a !== undefined && a.length === b.length && a.every((value, index) => Object.is(value, b[index]));
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError({
    type: 'about:blank#client',
    title: 'Something went wrong',
    status: 0,
    detail: error instanceof Error ? error.message : String(error),
  });
}
