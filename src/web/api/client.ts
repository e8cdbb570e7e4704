import type { Problem } from './types.js';

const TOKEN_KEY = 'flowtab.token';

/** An error answer from the API (or no answer at all), with the problem document's title and detail. */
export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail ?? problem.title);
    this.name = 'ApiError';
    this.status = problem.status;
    this.title = problem.title;
    this.detail = problem.detail ?? '';
    this.problem = problem;
  }

  /** The last segment of the problem type: `https://flowtab.pro/problems/already-copied` → `already-copied`. */
  get kind(): string {
    return this.problem.type.split('/').pop() ?? '';
  }

  /** A route the server does not have (yet): a 404 for the path, not for a missing record. */
  get isMissingRoute(): boolean {
    return this.status === 404 && /^No route for /.test(this.detail);
  }

  /** Validation messages keyed by the first segment of the field path (`/steps/2` → `steps`). */
  get fieldErrors(): Record<string, string> {
    const fields: Record<string, string> = {};
    for (const issue of this.problem.errors ?? []) {
      const field = issue.path.split('/').filter(Boolean)[0] ?? '';
      fields[field] ??= issue.message;
    }
    return fields;
  }
}

export const tokenStore = {
  get: (): string | null => safeStorage(() => localStorage.getItem(TOKEN_KEY)),
  set: (token: string) => safeStorage(() => localStorage.setItem(TOKEN_KEY, token)),
  clear: () => safeStorage(() => localStorage.removeItem(TOKEN_KEY)),
};

function safeStorage<T>(run: () => T): T | null {
  try {
    return run();
  } catch {
    return null; // storage disabled (private mode, blocked cookies): the session lasts until the tab closes
  }
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();

/** Called when the API rejects our token (expired, or signed with another secret): the session is over. */
export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export type QueryValue = string | number | boolean | string[] | undefined | null;
export type RequestOptions = {
  query?: Record<string, QueryValue>;
  body?: unknown;
  signal?: AbortSignal;
  /** Extra request headers (an Idempotency-Key for a console refund). */
  headers?: Record<string, string>;
};

export function toQueryString(query: Record<string, QueryValue> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length > 0) params.set(key, value.join(','));
    } else {
      params.set(key, String(value));
    }
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * How requests reach the API: the browser's fetch against this origin, or, when pages render on the server, the
 * server's own in-process transport (always as a guest: shared HTML never holds anyone's data).
 */
let transport: (url: string, init: RequestInit) => Promise<Response> = (url, init) => fetch(url, init);

export function setApiTransport(next: (url: string, init: RequestInit) => Promise<Response>): void {
  transport = next;
}

/** One call to the API: JSON in, JSON out, bearer token when logged in, problem+json errors as ApiError. */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const token = tokenStore.get();
  const headers: Record<string, string> = { ...options.headers, accept: 'application/json, application/problem+json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';

  let response: Response;
  try {
    response = await transport(`${path}${toQueryString(options.query)}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError({
      type: 'about:blank#network',
      title: 'Network error',
      status: 0,
      detail: 'Could not reach Flowtab. Check your connection and try again.',
    });
  }

  const payload = await readBody(response);
  if (response.ok) return payload as T;

  const problem = toProblem(response, payload);
  // A wrong password typed while logged in (change password or email, delete) is a 401 too, but the session is fine.
  const isWrongPassword = problem.type.endsWith('/invalid-credentials');
  if (response.status === 401 && token && !isWrongPassword) {
    tokenStore.clear();
    unauthorizedListeners.forEach((listener) => listener());
  }
  throw new ApiError(problem);
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204) return undefined;
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toProblem(response: Response, payload: unknown): Problem {
  if (payload && typeof payload === 'object' && 'title' in payload) {
    return { status: response.status, type: 'about:blank', ...(payload as Partial<Problem>) } as Problem;
  }
  return {
    type: 'about:blank',
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    detail: response.status >= 500 ? 'Something went wrong on our side. Please try again.' : undefined,
  };
}
