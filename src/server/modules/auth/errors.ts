import { AppError, ConflictError, TooManyRequestsError } from '../../errors.js';

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

/** A password that breaks SPEC §13's rule; the detail names the rule, `errors` points at the field (as validation does). */
export class WeakPasswordError extends AppError {
  constructor(
    field: string,
    readonly rule: string,
  ) {
    super(400, 'weak-password', 'Password too weak', `${field}: ${rule}`, { errors: [{ location: 'body', path: `/${field}`, message: rule }] });
  }
}

/**
 * A password check on an account that is logged in (change password or email, delete): one message for every wrong
 * password. Same problem type as a failed login, so clients handle both alike — and a 401 that is not the end of the
 * session (the web app keeps its token).
 */
export class WrongPasswordError extends AppError {
  constructor(field = 'password') {
    super(401, 'invalid-credentials', 'Invalid credentials', 'The password is wrong.', { field });
  }
}

export type AccountTokenPurpose = 'verify_email' | 'reset_password' | 'change_email';
/** Why a mailed link does not work: the detail names it, `reason` carries it for clients. */
export type InvalidTokenReason = 'unknown' | 'expired' | 'used' | 'wrong_purpose' | 'stale';

const PURPOSE_WORDS: Record<AccountTokenPurpose, string> = {
  verify_email: 'verifying an email address',
  reset_password: 'resetting a password',
  change_email: 'confirming a new email address',
};

export class InvalidAccountTokenError extends AppError {
  constructor(reason: InvalidTokenReason, details: { expected: AccountTokenPurpose[]; actual?: AccountTokenPurpose }) {
    const again =
      details.expected[0] === 'reset_password' ? 'Ask for a new password reset link.' : 'Ask for a new link from your account page.';
    const detail = ((): string => {
      switch (reason) {
        case 'unknown':
          return `This link is not valid (unknown token): check that you opened the whole link from the mail. ${again}`;
        case 'expired':
          return `This link has expired. ${again}`;
        case 'used':
          return `This link was already used; each link works once. ${again}`;
        case 'wrong_purpose':
          return `This link is for ${PURPOSE_WORDS[details.actual ?? 'verify_email']}, not for ${details.expected.map((p) => PURPOSE_WORDS[p]).join(' or ')}.`;
        case 'stale':
          return `This link was for an email address your account no longer uses. ${again}`;
      }
    })();
    super(400, 'invalid-token', 'Invalid link', detail, { reason });
  }
}

/** Publishing and Connect onboarding need a proven address (SPEC §13); the detail says how to get one. */
export class EmailNotVerifiedError extends AppError {
  constructor(action: string) {
    super(
      403,
      'email-not-verified',
      'Email address not verified',
      `Verify your email address to ${action}: open the link in the mail we sent you, or send a new one from your account page (POST /v1/auth/verify-email/resend).`,
    );
  }
}

export class AlreadyVerifiedError extends ConflictError {
  constructor() {
    super('already-verified', 'Already verified', 'Your email address is already verified.');
  }
}

/** Mails asked for too often (verification resends, password resets per address). */
export class MailRateLimitError extends TooManyRequestsError {
  constructor(retryAfterSeconds: number) {
    super('rate-limited', 'Too many requests', `Too many mails asked for; try again in ${retryAfterSeconds} s.`, { retry_after_seconds: retryAfterSeconds });
    this.headers = { 'retry-after': String(retryAfterSeconds) };
  }
}
