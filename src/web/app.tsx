import { lazy, type ReactNode, Suspense, useEffect, useRef } from 'react';
import { ErrorBoundary } from './components/error-boundary.js';
import { Header } from './components/header.js';
import { Loading } from './components/states.js';
import { matchPath, useLocation } from './lib/router.js';
import { SessionProvider } from './lib/session.js';
import { FlowPage } from './pages/flow-page.js';
import { LibraryPage } from './pages/library-page.js';
import { LogInPage } from './pages/log-in-page.js';
import { NotFoundPage } from './pages/not-found-page.js';
import { ProfilePage } from './pages/profile-page.js';
import { RegisterPage } from './pages/register-page.js';

// Pages most visitors never open load on demand, keeping the first download small.
const PricingPage = lazy(() => import('./pages/pricing-page.js').then((m) => ({ default: m.PricingPage })));
const SubscribeReturnPage = lazy(() => import('./pages/subscribe-return-page.js').then((m) => ({ default: m.SubscribeReturnPage })));
const AccountPage = lazy(() => import('./pages/account-page.js').then((m) => ({ default: m.AccountPage })));
const FlowEditorPage = lazy(() => import('./pages/flow-editor-page.js').then((m) => ({ default: m.FlowEditorPage })));
const CreatorPage = lazy(() => import('./pages/creator-page.js').then((m) => ({ default: m.CreatorPage })));
const VerifyEmailPage = lazy(() => import('./pages/verify-email-page.js').then((m) => ({ default: m.VerifyEmailPage })));
const ForgotPasswordPage = lazy(() => import('./pages/forgot-password-page.js').then((m) => ({ default: m.ForgotPasswordPage })));
const ResetPasswordPage = lazy(() => import('./pages/reset-password-page.js').then((m) => ({ default: m.ResetPasswordPage })));
const AccountDeletedPage = lazy(() => import('./pages/account-deleted-page.js').then((m) => ({ default: m.AccountDeletedPage })));
// The operator console is its own chunk: members never download it.
const AdminPage = lazy(() => import('./pages/admin/admin-page.js').then((m) => ({ default: m.AdminPage })));

type Route = { pattern: string; render: (params: Record<string, string>) => ReactNode };

const routes: Route[] = [
  { pattern: '/', render: () => <LibraryPage /> },
  { pattern: '/flows/:slug', render: ({ slug }) => <FlowPage key={slug} slug={slug!} /> },
  { pattern: '/flows/:slug/edit', render: ({ slug }) => <FlowEditorPage key={slug} slug={slug} /> },
  { pattern: '/publish', render: () => <FlowEditorPage /> },
  { pattern: '/u/:username', render: ({ username }) => <ProfilePage key={username} username={username!} /> },
  { pattern: '/pricing', render: () => <PricingPage /> },
  { pattern: '/subscribe/return', render: () => <SubscribeReturnPage /> },
  { pattern: '/account', render: () => <AccountPage /> },
  { pattern: '/creator', render: () => <CreatorPage /> },
  { pattern: '/login', render: () => <LogInPage /> },
  { pattern: '/register', render: () => <RegisterPage /> },
  { pattern: '/verify-email', render: () => <VerifyEmailPage /> },
  { pattern: '/forgot-password', render: () => <ForgotPasswordPage /> },
  { pattern: '/reset-password', render: () => <ResetPasswordPage /> },
  { pattern: '/account/deleted', render: () => <AccountDeletedPage /> },
  { pattern: '/admin', render: () => <AdminPage /> },
  { pattern: '/admin/users/:id', render: ({ id }) => <AdminPage userId={id} /> },
  { pattern: '/admin/:section', render: ({ section }) => <AdminPage section={section} /> },
];

function CurrentPage() {
  const { path } = useLocation();
  for (const route of routes) {
    const params = matchPath(route.pattern, path);
    if (params) return route.render(params);
  }
  return <NotFoundPage />;
}

/** A crash stays on its page: navigating elsewhere starts with a fresh boundary. */
function Page() {
  const { path } = useLocation();
  return (
    <ErrorBoundary key={path}>
      <Suspense fallback={<Loading />}>
        <CurrentPage />
      </Suspense>
    </ErrorBoundary>
  );
}

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

export function App() {
  const mainRef = useFocusOnNavigation();
  return (
    <SessionProvider>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <Header />
      <main id="main" ref={mainRef} tabIndex={-1} className="site-main">
        <Page />
      </main>
      <footer className="site-footer">
        <p>
          Flowtab.Pro · flows for browser AI agents · <a href="/docs">API docs</a>
        </p>
      </footer>
    </SessionProvider>
  );
}
