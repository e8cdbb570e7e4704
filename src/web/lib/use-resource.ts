import { type UseQueryResult, useQuery } from '@tanstack/react-query';
import { type DependencyList, useCallback, useId } from 'react';
import { ApiError } from '../api/client.js';

type State<T> = { status: 'loading' } | { status: 'error'; error: ApiError } | { status: 'ready'; data: T };
export type Resource<T> = State<T> & { reload: () => void };

/**
 * Loads something one component needs (an account page, a console list) whenever `deps` change, showing the loading
 * state; `reload` fetches again and keeps what is on screen until the answer arrives. A TanStack Query keyed by this
 * component instance and `deps`: a newer request aborts the older one, and a slow answer never overwrites a fresh one.
 * Data several pages share, or that the server renders, has named queries instead (queries.ts).
 */
export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): Resource<T> {
  const instance = useId();
  const query = useQuery({
    queryKey: ['resource', instance, ...deps],
    queryFn: ({ signal }) => load(signal),
    // Each component instance has its own entries: nothing to share, so nothing worth keeping once it unmounts.
    gcTime: 0,
  });
  return useAsResource(query);
}

/** A query as the pages' loading / error / ready states; `reload` refetches, keeping what is shown meanwhile. */
export function useAsResource<T>(query: UseQueryResult<T>): Resource<T> {
  const { refetch } = query;
  const reload = useCallback(() => void refetch(), [refetch]);
  if (query.status === 'pending') return { status: 'loading', reload };
  if (query.status === 'error') return { status: 'error', error: toApiError(query.error), reload };
  return { status: 'ready', data: query.data, reload };
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
