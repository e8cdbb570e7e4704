import { dehydrate, QueryClientProvider } from '@tanstack/react-query';
import { createMemoryHistory, RouterProvider } from '@tanstack/react-router';
import { StrictMode } from 'react';
import { renderToString } from 'react-dom/server';
import { setApiTransport } from './api/client.js';
import type { Flow, PublicProfile } from './api/types.js';
import { createAppRouter, SERVER_RENDERED_PATHS, type ServerResponse } from './app.js';
import { createQueryClient } from './lib/query-client.js';
import { flowQuery, GUEST, profileQuery } from './lib/queries.js';
import { flowHead, jsonForScript, libraryHead, notFoundHead, type PageHead, pricingHead, profileHead, renderHead } from './ssr/head.js';

/**
 * Server rendering of the public pages (built by `vite build --ssr`, loaded by src/server/http/web.ts): the same
 * React components as in the browser, rendered as a guest, with the data they used embedded for hydration. Nothing
 * personal ever reaches this HTML: there is no session here (the token lives in the browser's storage).
 */
export type RenderedPage =
  /** Not a public page (an account or console page): the server sends the app's shell and the browser renders it. */
  | { kind: 'shell' }
  | { kind: 'page'; status: 200 | 404; head: string; body: string; state: string };

export type RenderOptions = {
  /** Path and query, as requested. */
  url: string;
  /** PUBLIC_URL: canonical and OpenGraph URLs are absolute against it. */
  origin: string;
  /** The API, in-process: GET requests as a guest. */
  transport: (url: string, init: RequestInit) => Promise<Response>;
};

export async function renderPage({ url, origin, transport }: RenderOptions): Promise<RenderedPage> {
  const { pathname, searchParams } = new URL(url, 'http://flowtab.invalid');
  setApiTransport(transport);
  const queryClient = createQueryClient();
  const response: ServerResponse = { status: 200 };
  const router = createAppRouter({ history: createMemoryHistory({ initialEntries: [url] }), queryClient, isServer: true, response });
  await router.load();
  const matches = router.state.matches;
  // A loader failed for another reason (the database is down): the browser will try again, with its own message.
  if (matches.some((match) => match.status === 'error')) return { kind: 'shell' };
  // No route but the root matched (an unknown path), or a loader found no such flow or person.
  const isNotFound = matches.length <= 1 || response.status === 404;
  if (!isNotFound && !SERVER_RENDERED_PATHS.some((pattern) => pattern.test(pathname))) return { kind: 'shell' };

  const body = renderToString(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </StrictMode>,
  );
  const head = isNotFound ? notFoundHead(pathname) : headOf(pathname, searchParams, (key) => queryClient.getQueryData(key));
  return {
    kind: 'page',
    status: isNotFound ? 404 : 200,
    head: renderHead(head, origin),
    body,
    state: jsonForScript(dehydrate(queryClient)),
  };
}

function headOf(pathname: string, search: URLSearchParams, cached: (key: readonly unknown[]) => unknown): PageHead {
  const [, section, name] = pathname.split('/').map((part) => decodeURIComponent(part));
  if (section === 'flows' && name) {
    const flow = cached(flowQuery(name, GUEST).queryKey) as Flow | undefined;
    if (flow) return flowHead(flow);
  }
  if (section === 'u' && name) {
    const profile = cached(profileQuery(name).queryKey) as PublicProfile | undefined;
    if (profile) return profileHead(profile);
  }
  if (section === 'pricing') return pricingHead();
  return libraryHead(search);
}

