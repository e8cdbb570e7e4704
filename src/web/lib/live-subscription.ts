import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError } from '../api/client.js';
import { api } from '../api/endpoints.js';
import type { Subscription } from '../api/types.js';
import { isBackFromPortal, readBeforePortal } from './portal-return.js';
import { navigate, useLocation } from './router.js';
import { useSession } from './session.js';
import { fingerprintSubscription } from './standing.js';
import { toApiError } from './use-resource.js';

/** Webhooks from the portal arrive within seconds; after this long the page stops saying "Updating…". */
const WATCH_FOR_MS = 20_000;
const FIRST_RETRY_MS = 600;
const LONGEST_RETRY_MS = 4_000;

export type LiveSubscription =
  | { status: 'loading' }
  | { status: 'error'; error: ApiError; retry: () => void }
  | { status: 'ready'; data: Subscription; isUpdating: boolean };

/**
 * The member's subscription for the account page, kept current: read on arrival; back from the billing portal,
 * read again with growing pauses until it differs from what the member had when they left (the portal's webhooks
 * have arrived) or WATCH_FOR_MS pass; read again whenever the tab comes back into view. Every answer also goes to the
 * session, so the header counter and this page never disagree.
 */
export function useLiveSubscription(): LiveSubscription {
  const { refreshSubscription } = useSession();
  const { search } = useLocation();
  // Read once: the return marker is taken off the URL at once, so a reload does not watch again.
  const [isReturn] = useState(() => isBackFromPortal(search));
  const [state, setState] = useState<{ status: 'loading' } | { status: 'error'; error: ApiError } | { status: 'ready'; data: Subscription }>({
    status: 'loading',
  });
  const [isWatching, setWatching] = useState(isReturn);
  const [attempt, setAttempt] = useState(0);
  const hasData = useRef(false);

  const read = useCallback(
    async (signal?: AbortSignal) => {
      const next = await api.subscription({ signal });
      if (signal?.aborted) return undefined;
      hasData.current = true;
      setState({ status: 'ready', data: next });
      void refreshSubscription(next);
      return next;
    },
    [refreshSubscription],
  );

  useEffect(() => {
    if (isReturn && isBackFromPortal(new URLSearchParams(window.location.search))) navigate('/account', { replace: true, scroll: false });
  }, [isReturn]);

  // The first read, then (back from the portal) the watch.
  useEffect(() => {
    const controller = new AbortController();
    const leftWith = isReturn ? readBeforePortal() : undefined;
    const watch = async () => {
      const startedAt = Date.now();
      let pause = FIRST_RETRY_MS;
      let first: string | undefined;
      for (;;) {
        try {
          const next = await read(controller.signal);
          if (!next) return;
          const seen = fingerprintSubscription(next);
          first ??= seen;
          // Without a record of what the member left with, a change from the first answer is the sign.
          if (!isReturn || seen !== (leftWith ?? first)) break;
        } catch (caught) {
          if (controller.signal.aborted) return;
          // A failed first read is shown; a failed re-read keeps what is on screen.
          if (!hasData.current) {
            setState({ status: 'error', error: toApiError(caught) });
            break;
          }
        }
        if (Date.now() - startedAt + pause > WATCH_FOR_MS) break;
        await sleep(pause, controller.signal);
        if (controller.signal.aborted) return;
        pause = Math.min(pause * 1.6, LONGEST_RETRY_MS);
      }
      setWatching(false);
    };
    void watch();
    return () => controller.abort();
  }, [read, isReturn, attempt]);

  // Back in view (another tab, the portal in a new window, a laptop opened again): read again, quietly.
  useEffect(() => {
    const readQuietly = () => {
      if (document.visibilityState === 'visible') void read().catch(() => undefined);
    };
    window.addEventListener('focus', readQuietly);
    document.addEventListener('visibilitychange', readQuietly);
    return () => {
      window.removeEventListener('focus', readQuietly);
      document.removeEventListener('visibilitychange', readQuietly);
    };
  }, [read]);

  const retry = useCallback(() => {
    setState({ status: 'loading' });
    setAttempt((n) => n + 1);
  }, []);

  if (state.status === 'ready') return { ...state, isUpdating: isWatching };
  if (state.status === 'error') return { ...state, retry };
  return state;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
