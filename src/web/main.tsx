import { type DehydratedState, hydrate, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { StrictMode } from 'react';
import { createRoot, hydrateRoot } from 'react-dom/client';
import { createAppRouter } from './app.js';
import { createQueryClient } from './lib/query-client.js';
import { setBrowserRouter } from './lib/router.js';
import './styles.css';

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');

const queryClient = createQueryClient();
// A server-rendered page carries the data it was rendered from: the first render uses it instead of fetching again.
const serverState = document.getElementById('flowtab-state');
if (serverState?.textContent) hydrate(queryClient, JSON.parse(serverState.textContent) as DehydratedState);

const router = createAppRouter({ queryClient, isServer: false });
setBrowserRouter(router);

const app = (
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>
);

if (container.dataset.ssr) {
  // Tells the router this page came from the server, so its first render has the server's shape (no Suspense of its
  // own around the pages), as TanStack's own hydration does.
  router.ssr = { manifest: undefined };
  // The page's route (and its code, when it is a lazy page) is ready before React adopts the server's HTML.
  void router.load().then(() => hydrateRoot(container, app));
} else {
  createRoot(container).render(app);
}
