import type { QueryClient } from '@tanstack/react-query';
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  lazyRouteComponent,
  notFound,
  Outlet,
  type RouteComponent,
  type RouterHistory,
} from '@tanstack/react-router';
import { Suspense, useEffect, useRef } from 'react';
import { ApiError } from './api/client.js';
import { ErrorBoundary } from './components/error-boundary.js';
import { Header } from './components/header.js';
import { Loading } from './components/states.js';
import { flowListQuery, flowQuery, GUEST, profileQuery, publicConfigQuery, tagsQuery } from './lib/queries.js';
import { useLocation } from './lib/router.js';
import { SessionProvider } from './lib/session.js';
import { FlowPage } from './pages/flow-page.js';
import { libraryQueryOf, LibraryPage } from './pages/library-page.js';
import { LogInPage } from './pages/log-in-page.js';
import { NotFoundPage } from './pages/not-found-page.js';
import { ProfilePage, profileFlowsQueryOf } from './pages/profile-page.js';
import { RegisterPage } from './pages/register-page.js';

/**
 * What the route loaders need. `isServer`: the page is being rendered for a shared HTML response, as a guest; the
 * loaders then fetch what the page shows, so the HTML holds it. In the browser the components fetch for the viewer.
 */
export type RouterContext = { queryClient: QueryClient; isServer: boolean; response: ServerResponse };

/** What a server render answers besides its HTML: a loader that finds no such flow or person makes it a 404. */
export type ServerResponse = { status: 200 | 404 };

/** After a client-side navigation, move focus to the page so keyboard and screen reader users start at its top. */
function useFocusOnNavigation() {
  const mainRef = useRef<HTMLElement>(null);
  const { path } = useLocation();
  const isFirstRender = useRef(true);
  useEffect(() => {
    if (isFirstRender.current) {
      isFirstRender.current = false;
      return;
    }
    mainRef.current?.focus({ preventScroll: true });
  }, [path]);
  return mainRef;
}

/** Marks the page interactive once React has taken over the server's HTML (what browser tests wait for). */
function useMarkInteractive() {
  useEffect(() => {
    document.documentElement.dataset.interactive = 'true';
  }, []);
}

function Layout() {
  const mainRef = useFocusOnNavigation();
  useMarkInteractive();
  const { path } = useLocation();
  return (
    <SessionProvider>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <Header />
      <main id="main" ref={mainRef} tabIndex={-1} className="site-main">
        {/* A crash stays on its page: navigating elsewhere starts with a fresh boundary. */}
        <ErrorBoundary key={path}>
          <Suspense fallback={<Loading />}>
            <Outlet />
          </Suspense>
        </ErrorBoundary>
      </main>
      <footer className="site-footer">
        <p>
          Flowtab.Pro · flows for browser AI agents · <a href="/docs">API docs</a>
        </p>
      </footer>
    </SessionProvider>
  );
}

/** On the server, an unknown flow or person is the page's 404, not an error message in a 200 page. */
async function orNotFound<T>(context: RouterContext, load: Promise<T>): Promise<T> {
  try {
    return await load;
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
    context.response.status = 404;
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- TanStack Router's not-found signal is thrown, by design
    throw notFound();
  }
}

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: Layout,
  // The numbers every page may show (price, rate per copy, paid copies): in the server's HTML too.
  loader: async ({ context }) => {
    if (context.isServer) await context.queryClient.ensureQueryData(publicConfigQuery());
  },
  notFoundComponent: NotFoundPage,
  // Layout has its own Suspense around the page; the router adds one in the browser only, which would not match the
  // server's HTML.
  wrapInSuspense: false,
});

const libraryRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/',
  component: LibraryPage,
  loader: async ({ context, location }) => {
    if (!context.isServer) return;
    const query = libraryQueryOf(new URLSearchParams(location.searchStr));
    await Promise.all([context.queryClient.ensureQueryData(flowListQuery(query, GUEST)), context.queryClient.ensureQueryData(tagsQuery())]);
  },
});

const flowRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/flows/$slug',
  component: function FlowRoute() {
    const { slug } = flowRoute.useParams();
    return <FlowPage key={slug} slug={slug} />;
  },
  loader: async ({ context, params }) => {
    if (context.isServer) await orNotFound(context, context.queryClient.ensureQueryData(flowQuery(params.slug, GUEST)));
  },
});

const profileRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/u/$username',
  component: function ProfileRoute() {
    const { username } = profileRoute.useParams();
    return <ProfilePage key={username} username={username} />;
  },
  loader: async ({ context, params, location }) => {
    if (!context.isServer) return;
    await orNotFound(context, context.queryClient.ensureQueryData(profileQuery(params.username)));
    const flows = profileFlowsQueryOf(params.username, new URLSearchParams(location.searchStr));
    await context.queryClient.ensureQueryData(flowListQuery(flows, GUEST));
  },
});

const pricingRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/pricing',
  component: lazyRouteComponent(() => import('./pages/pricing-page.js'), 'PricingPage'),
});

const FlowEditorPage = lazyRouteComponent(() => import('./pages/flow-editor-page.js'), 'FlowEditorPage');
// The operator console is its own chunk: members never download it.
const AdminPage = lazyRouteComponent(() => import('./pages/admin/admin-page.js'), 'AdminPage');

const flowEditRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/flows/$slug/edit',
  component: function FlowEditRoute() {
    const { slug } = flowEditRoute.useParams();
    return <FlowEditorPage key={slug} slug={slug} />;
  },
});

const adminUserRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/admin/users/$id',
  component: function AdminUserRoute() {
    return <AdminPage userId={adminUserRoute.useParams().id} />;
  },
});

const adminSectionRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/admin/$section',
  component: function AdminSectionRoute() {
    return <AdminPage section={adminSectionRoute.useParams().section} />;
  },
});

function pageRoute(path: string, component: RouteComponent) {
  return createRoute({ getParentRoute: () => rootRoute, path, component });
}

/** Pages with no parameters; most visitors never open the ones past log-in, so they load on demand. */
const simpleRoutes = [
  pageRoute('/login', LogInPage),
  pageRoute('/register', RegisterPage),
  pageRoute('/publish', () => <FlowEditorPage />),
  pageRoute('/admin', () => <AdminPage />),
  pageRoute('/subscribe/return', lazyRouteComponent(() => import('./pages/subscribe-return-page.js'), 'SubscribeReturnPage')),
  pageRoute('/account', lazyRouteComponent(() => import('./pages/account-page.js'), 'AccountPage')),
  pageRoute('/account/deleted', lazyRouteComponent(() => import('./pages/account-deleted-page.js'), 'AccountDeletedPage')),
  pageRoute('/creator', lazyRouteComponent(() => import('./pages/creator-page.js'), 'CreatorPage')),
  pageRoute('/verify-email', lazyRouteComponent(() => import('./pages/verify-email-page.js'), 'VerifyEmailPage')),
  pageRoute('/forgot-password', lazyRouteComponent(() => import('./pages/forgot-password-page.js'), 'ForgotPasswordPage')),
  pageRoute('/reset-password', lazyRouteComponent(() => import('./pages/reset-password-page.js'), 'ResetPasswordPage')),
];

const routeTree = rootRoute.addChildren([
  libraryRoute,
  flowRoute,
  flowEditRoute,
  profileRoute,
  pricingRoute,
  adminUserRoute,
  adminSectionRoute,
  ...simpleRoutes,
]);

/** One router per page render on the server (memory history), one for the life of the tab in the browser. */
export function createAppRouter(options: { history?: RouterHistory; queryClient: QueryClient; isServer: boolean; response?: ServerResponse }) {
  return createRouter({
    routeTree,
    history: options.history,
    context: { queryClient: options.queryClient, isServer: options.isServer, response: options.response ?? { status: 200 } },
    isServer: options.isServer,
    // Pages show their own loading states; the router never holds a navigation back for data.
    defaultPendingMs: 0,
    // In the browser only: on the server it would render an inline script, which the Content-Security-Policy forbids.
    scrollRestoration: !options.isServer,
  });
}

// The route tree's types for every useParams and navigate (TanStack Router's registration).
declare module '@tanstack/react-router' {
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions -- declaration merging needs an interface
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}

/** The routes that are rendered on the server for guests and crawlers; every other path gets the app's shell. */
export const SERVER_RENDERED_PATHS = [/^\/$/, /^\/flows\/[^/]+$/, /^\/u\/[^/]+$/, /^\/pricing$/];
