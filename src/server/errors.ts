/**
 * One base error for everything the API reports on purpose. Each subclass maps to one HTTP status and is rendered
 * as RFC 9457 problem+json by the error handler; `extensions` become extra members of the problem document.
 */
export class AppError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly extensions: Record<string, unknown>;
  /** Response headers that belong to the problem (Retry-After on 429 and 503). */
  headers: Record<string, string> = {};

  constructor(status: number, slug: string, title: string, detail?: string, extensions: Record<string, unknown> = {}) {
    super(detail ?? title);
    this.status = status;
    this.type = `https://flowtab.pro/problems/${slug}`;
    this.title = title;
    this.extensions = extensions;
  }
}

export class BadRequestError extends AppError {
  constructor(detail: string, extensions?: Record<string, unknown>) {
    super(400, 'bad-request', 'Bad request', detail, extensions);
  }
}

export class UnauthorizedError extends AppError {
  constructor(detail = 'Log in to do this: send an Authorization: Bearer <token> header.') {
    super(401, 'unauthorized', 'Authentication required', detail);
  }
}

/** The token is genuine but names a session that was ended (logout, password change) or has expired. */
export class SessionEndedError extends UnauthorizedError {
  constructor() {
    super('Your session has ended (you logged out, or it expired); log in again.');
  }
}

export class ForbiddenError extends AppError {
  constructor(detail = 'You are not allowed to do this.', slug = 'forbidden', title = 'Forbidden', extensions?: Record<string, unknown>) {
    super(403, slug, title, detail, extensions);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super(404, 'not-found', 'Not found', `${what} was not found.`);
  }
}

export class ConflictError extends AppError {
  constructor(slug: string, title: string, detail: string, extensions?: Record<string, unknown>) {
    super(409, slug, title, detail, extensions);
  }
}

export class TooManyRequestsError extends AppError {
  constructor(slug: string, title: string, detail: string, extensions?: Record<string, unknown>) {
    super(429, slug, title, detail, extensions);
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(detail: string) {
    super(503, 'service-unavailable', 'Service unavailable', detail);
  }
}

/** Stripe did not answer (unreachable, a 5xx, or its rate limit) a call made for this request: try again later. */
export class PaymentProviderUnavailableError extends AppError {
  constructor() {
    super(503, 'payment-provider-unavailable', 'Payment provider unavailable', 'Our payment provider did not answer. Nothing was changed; please try again in a minute.');
    this.headers = { 'retry-after': '30' };
  }
}

/**
 * Stripe refused a call made for this request (a 4xx: a missing object, a configuration of ours it does not accept,
 * a reused idempotency key). Not the client's doing, so not a 400, and Stripe's own message (ids, a masked key) is
 * logged, not sent.
 */
export class PaymentProviderRefusedError extends AppError {
  constructor() {
    super(502, 'payment-provider-refused', 'Payment provider refused the request', 'Our payment provider refused a request we made for you. It has been logged for us to fix; please try again later.');
  }
}

export class AccountSuspendedError extends ForbiddenError {
  constructor() {
    super('This account is suspended. Contact support.', 'account-suspended', 'Account suspended');
  }
}

/** How long a client is asked to wait (Retry-After) when the database is unreachable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** The database cannot be reached (outage, restart, failover, no free connection in time): 503 with Retry-After. */
export class DatabaseUnavailableError extends AppError {
  readonly retryAfterSeconds = DATABASE_RETRY_AFTER_SECONDS;

  constructor() {
    super(503, 'database-unavailable', 'Service unavailable', 'The service cannot reach its database right now. Please retry in a few seconds.');
  }
}
