import { QueryClient } from '@tanstack/react-query';

/** One per tab in the browser, one per rendered page on the server (never shared between requests). */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Pages show an error with a "Try again" button; retrying behind it would only delay that.
        retry: false,
        // What the server rendered is fresh for the first half minute: hydration does not fetch it again at once.
        staleTime: 30_000,
        refetchOnWindowFocus: false,
      },
    },
  });
}
