import { type AnyRouter, useRouter, useRouterState } from '@tanstack/react-router';
import type { AnchorHTMLAttributes, MouseEvent } from 'react';

/**
 * The app's few words for navigation, on TanStack Router (routes.tsx): pages link with plain paths and query strings
 * (`/flows/x?tab=y`) and read the query as URLSearchParams, the way the web platform does, so no page depends on the
 * router's typed route tree. The router itself renders on the server as well as in the browser.
 */
export type Location = { path: string; search: URLSearchParams; href: string };

export function useLocation(): Location {
  const { pathname, searchStr } = useRouterState({ select: (state) => state.location });
  return { path: pathname, search: new URLSearchParams(searchStr), href: pathname + searchStr };
}

/** The browser's router, set once by main.tsx: `navigate` is called from event handlers, outside React. */
let browserRouter: AnyRouter | undefined;

export function setBrowserRouter(router: AnyRouter): void {
  browserRouter = router;
}

/** Goes to `to`; a new entry scrolls to the top unless `scroll: false` (e.g. a filter changing in place). */
export function navigate(to: string, { replace = false, scroll = !replace }: { replace?: boolean; scroll?: boolean } = {}) {
  if (!browserRouter) return;
  const { pathname, searchStr } = browserRouter.state.location;
  if (to === pathname + searchStr) return;
  void browserRouter.navigate({ href: to, replace, resetScroll: scroll });
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

/** An ordinary link that the router handles; modified clicks (new tab, download) stay the browser's. */
export function Link({ to, onClick, ...props }: LinkProps) {
  const router = useRouter();
  const handleClick = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (props.target && props.target !== '_self') return;
    event.preventDefault();
    void router.navigate({ href: to });
  };
  return <a href={to} onClick={handleClick} {...props} />;
}

/** Builds a URL from a path and query values, dropping empty ones. */
export function withQuery(path: string, query: Record<string, string | number | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}
