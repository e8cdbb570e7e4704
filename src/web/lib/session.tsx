import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { ApiError, onUnauthorized, tokenStore } from '../api/client.js';
import { api } from '../api/endpoints.js';
import type { Subscription, User } from '../api/types.js';

/**
 * Who is using the app. The bearer token lives in localStorage, so a reload keeps the session; the user and
 * subscription are fetched again on start. `subscription` is undefined until known, or when the server
 * cannot tell (the subscriptions API is missing or failing): the app then acts as for a non-subscriber.
 */
export type Session = {
  status: 'loading' | 'guest' | 'member';
  user: User | undefined;
  subscription: Subscription | undefined;
  logIn: (token: string, user?: User) => Promise<void>;
  /** Ends the session on the server (the token stops working everywhere), then forgets it here. */
  logOut: () => void;
  /** Forgets the session here only: the server already ended it (log out everywhere, password reset, deletion). */
  forget: () => void;
  /** Reads the member again (after a profile, email or verification change), or takes the answer the API just gave. */
  refreshUser: (next?: User) => Promise<void>;
  /** Reads the subscription again, or takes the answer the API just gave (the account page's own reads). */
  refreshSubscription: (next?: Subscription) => Promise<Subscription | undefined>;
  updateCopyCounts: (counts: Pick<Subscription, 'copies_this_month' | 'copies_remaining'>) => void;
};

const SessionContext = createContext<Session | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  // 'loading' on the first render everywhere, token or not: the server renders public pages as nobody in particular,
  // and the browser's first render must match that HTML; who it is is known right after.
  const [status, setStatus] = useState<Session['status']>('loading');
  const [user, setUser] = useState<User | undefined>(undefined);
  const [subscription, setSubscription] = useState<Subscription | undefined>(undefined);

  const refreshSubscription = useCallback(async (known?: Subscription) => {
    if (!tokenStore.get()) return undefined;
    if (known) {
      setSubscription(known);
      return known;
    }
    try {
      const next = await api.subscription();
      setSubscription(next);
      return next;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      setSubscription(undefined);
      return undefined;
    }
  }, []);

  // Forgets the token in this tab only: after a 401, or when another tab logged out.
  const forget = useCallback(() => {
    tokenStore.clear();
    setUser(undefined);
    setSubscription(undefined);
    setStatus('guest');
  }, []);

  const logOut = useCallback(() => {
    // Forgotten here at once; if the server cannot be reached, the token still expires on its own.
    if (tokenStore.get()) void api.logOut().catch(() => undefined);
    forget();
  }, [forget]);

  const logIn = useCallback(
    async (token: string, knownUser?: User) => {
      tokenStore.set(token);
      const [me] = await Promise.all([knownUser ?? api.me(), refreshSubscription()]);
      setUser(me);
      setStatus('member');
    },
    [refreshSubscription],
  );

  const refreshUser = useCallback(async (next?: User) => {
    if (!tokenStore.get()) return;
    setUser(next ?? (await api.me()));
  }, []);

  useEffect(() => onUnauthorized(forget), [forget]);

  useEffect(() => {
    const token = tokenStore.get();
    if (!token) {
      // eslint-disable-next-line react-hooks/set-state-in-effect -- the token is in storage, which only the browser has
      setStatus('guest');
      return;
    }
    // A failure other than 401 (which logs out) keeps the token for the next reload; until then, a guest.
    logIn(token).catch(() => setStatus('guest'));
  }, [logIn]);

  // Another tab logged in or out.
  useEffect(() => {
    const onStorage = (event: StorageEvent) => {
      if (event.key !== 'flowtab.token') return;
      if (event.newValue) void logIn(event.newValue).catch(forget);
      else forget();
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, [logIn, forget]);

  // Copies made elsewhere (another tab, the API, an extension) move the counter: refresh when the tab comes back.
  useEffect(() => {
    if (status !== 'member') return;
    const onVisible = () => {
      if (document.visibilityState === 'visible') void refreshSubscription();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [status, refreshSubscription]);

  const updateCopyCounts = useCallback((counts: Pick<Subscription, 'copies_this_month' | 'copies_remaining'>) => {
    setSubscription((current) => (current ? { ...current, ...counts } : current));
    // The header counter is paid_copies_used, which a copy's answer does not carry (a free or uncounted copy
    // leaves it): the server says what it is now.
    void refreshSubscription().catch(() => undefined);
  }, [refreshSubscription]);

  const session = useMemo<Session>(
    () => ({ status, user, subscription, logIn, logOut, forget, refreshUser, refreshSubscription, updateCopyCounts }),
    [status, user, subscription, logIn, logOut, forget, refreshUser, refreshSubscription, updateCopyCounts],
  );
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession must be used inside <SessionProvider>');
  return session;
}
