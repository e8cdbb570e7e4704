import { AppError, ConflictError, TooManyRequestsError } from '../../http/errors.js';

export class AccountTakenError extends ConflictError {
  constructor(field: 'email' | 'username') {
    super('account-taken', 'Account already exists', `An account with this ${field} already exists.`, { field });
  }
}

/** Too many failed logins for one login name, from any address: the same answer whether the account exists or not. */
export class LoginRateLimitError extends TooManyRequestsError {
  constructor(retryAfterSeconds: number) {
    super('rate-limited', 'Too many requests', `Too many failed logins for this account; try again in ${retryAfterSeconds} s.`, {
      retry_after_seconds: retryAfterSeconds,
    });
    this.headers = { 'retry-after': String(retryAfterSeconds) };
  }
}

export class InvalidCredentialsError extends AppError {
  constructor() {
    super(401, 'invalid-credentials', 'Invalid credentials', 'The login or password is wrong.');
  }
}
