import { queryOptions } from '@tanstack/react-query';
import { api } from '../api/endpoints.js';
import type { FlowQuery } from '../api/types.js';
import { useSession } from './session.js';

/**
 * The data public pages show, as TanStack Query options shared by the route loaders (which fetch it first, on the
 * server and before a client-side navigation) and the components (which read it). `viewer` is part of every key that
 * an answer depends on: a member's `liked_by_me` or unlocked body must never be served from a guest's cache entry,
 * nor the other way round. The server always renders as a guest.
 */
export type ViewerKey = string;
export const GUEST: ViewerKey = 'guest';

/**
 * Who the answers are for: a guest until the session is known (so the first render in the browser matches the
 * server's guest HTML), then the member, and whether they subscribe (which unlocks premium bodies).
 */
export function useViewerKey(): ViewerKey {
  const { user, subscription } = useSession();
  return user ? `${user.id}:${subscription?.is_subscriber ? 'subscriber' : 'member'}` : GUEST;
}

export const flowListQuery = (query: FlowQuery, viewer: ViewerKey) =>
  queryOptions({ queryKey: ['flows', query, viewer], queryFn: ({ signal }) => api.flows(query, { signal }) });

export const flowQuery = (slug: string, viewer: ViewerKey) =>
  queryOptions({ queryKey: ['flow', slug, viewer], queryFn: ({ signal }) => api.flow(slug, { signal }) });

export const tagsQuery = () => queryOptions({ queryKey: ['tags'], queryFn: ({ signal }) => api.tags({ signal }) });

export const publicConfigQuery = () =>
  queryOptions({ queryKey: ['config', 'public'], queryFn: ({ signal }) => api.publicConfig({ signal }), staleTime: 10 * 60_000 });

export const profileQuery = (username: string) =>
  queryOptions({ queryKey: ['profile', username.toLowerCase()], queryFn: ({ signal }) => api.profile(username, { signal }) });
