import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { Db, Tx } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import { type TokenService, TOKEN_TTL_SECONDS } from './session-tokens.js';
import type { SessionClaims } from './viewer.js';
import {
  enqueueEmailChangedEmail,
  enqueueEmailChangeEmail,
  enqueueVerifyEmail,
  enqueueWelcomeEmail,
  passwordResetMail,
} from '../email/service.js';
import { isErasedEmail } from '../users/erasure.js';
import {
  findUserByEmail,
  findUserById,
  findUserByLogin,
  insertUser,
  markEmailVerified,
  setEmailVerified,
  setPasswordHash,
  type UserRow,
} from '../users/repository.js';
import { AccountSuspendedError, BadRequestError } from '../../errors.js';
import { countRateLimitHit, uncountRateLimitHit } from '../rate-limits/repository.js';
import {
  AccountTakenError,
  AlreadyVerifiedError,
  EmailNotVerifiedError,
  InvalidAccountTokenError,
  InvalidCredentialsError,
  LoginRateLimitError,
  MailRateLimitError,
  WeakPasswordError,
  WrongPasswordError,
} from './errors.js';
import {
  type AccountTokenPurpose,
  type AccountTokenRow,
  commitWithoutWaitingForDisk,
  consumeAccountToken,
  findAccountToken,
  insertAccountToken,
  insertPasswordReset,
  insertSession,
  revokeAllSessions,
  revokeOtherSessions,
  revokeSession,
  retireAccountTokens,
} from './repository.js';
import type { RegisterInput } from './schemas.js';

// Algorithm.Argon2id is an ambient const enum, which isolated modules cannot read: its value is 2.
const ARGON2 = { algorithm: 2 } as const;
// Verified when the login is unknown, so a wrong login and a wrong password take the same time.
const DECOY_HASH = await hash('decoy password', ARGON2);

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

// ---------------------------------------------------------------------------------------------------------------
// The password rule (SPEC §13), the one authority for the API, the CLI and the seed.

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

/** What is wrong with a password for this account, in words for the person typing it; undefined when it is fine. */
export function passwordRuleViolation(password: string, account: { email: string; username: string }): string | undefined {
  // Counted in characters as people see them (code points), not UTF-16 units.
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  const folded = password.trim().toLowerCase();
  if (folded === account.username.trim().toLowerCase()) return 'must not be your username';
  if (folded === account.email.trim().toLowerCase()) return 'must not be your email address';
  return undefined;
}

export function checkPasswordRule(password: string, account: { email: string; username: string }, field = 'password'): void {
  const violation = passwordRuleViolation(password, account);
  if (violation) throw new WeakPasswordError(field, violation);
}

/** Checks the length part of the rule (which needs no account), then hashes: for a new password whose account is known later. */
export async function hashNewPassword(password: string, field = 'password'): Promise<string> {
  checkPasswordRule(password, { email: '', username: '' }, field);
  return hashPassword(password);
}

/** What an account is made of once its password is hashed (hash first: argon2 should not hold a transaction open). */
export type NewAccount = { email: string; username: string; passwordHash: string; role?: UserRow['role']; emailVerifiedAt?: Date | null };

/** Checks the password rule, then hashes: every account (API, CLI, seed) is made through here. */
export async function withPasswordHash(input: RegisterInput): Promise<NewAccount> {
  checkPasswordRule(input.password, input);
  refuseErasedAddress(input.email);
  return { email: input.email, username: input.username, passwordHash: await hashPassword(input.password) };
}

/** Addresses under the erased domain belong to deleted accounts (users/erasure.ts): no one may take one. */
export function refuseErasedAddress(email: string, field = 'email'): void {
  if (isErasedEmail(email)) {
    throw new BadRequestError(`${field}: this address cannot be used`, { errors: [{ location: 'body', path: `/${field}`, message: 'this address cannot be used' }] });
  }
}

export async function createAccount(tx: Tx, account: NewAccount): Promise<UserRow> {
  try {
    return await insertUser(tx, { ...account, role: account.role ?? 'member' });
  } catch (error) {
    if (isUniqueViolation(error, 'users_email_lower_key')) throw new AccountTakenError('email');
    if (isUniqueViolation(error, 'users_username_lower_key')) throw new AccountTakenError('username');
    throw error;
  }
}

/** Self-service sign-up: the account and its welcome mail (with the link that verifies the address), in the caller's transaction. */
export async function signUpMember(tx: Tx, account: NewAccount, mail: { secret: string }): Promise<UserRow> {
  const user = await createAccount(tx, { ...account, emailVerifiedAt: null });
  const link = await issueAccountToken(tx, { userId: user.id, purpose: 'verify_email', newEmail: user.email });
  await enqueueWelcomeEmail(tx, user, { token: link.token, secret: mail.secret });
  return user;
}

/** The window in which RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT failed logins are allowed per login name. */
export const LOGIN_FAILURE_WINDOW_MS = 15 * 60_000;

/**
 * Per login name, not per account row: the key is the same whether the account exists or not (no enumeration, and
 * no tying a username to its email), and is a hash so the table holds no typed emails.
 */
function loginFailureKey(login: string): string {
  return `login:${createHash('sha256').update(login.toLowerCase()).digest('base64url')}`;
}

/**
 * Takes the pool, not a transaction: each count is its own atomic statement, committed at once, so a failure's
 * count survives the 401 that follows (a transaction would roll it back with the error).
 *
 * Checks a login, at most `maxFailures` failed attempts per login name in LOGIN_FAILURE_WINDOW_MS from all addresses
 * together. The attempt is counted before the password is checked (one atomic upsert, so concurrent guesses cannot
 * slip past the limit) and taken back if the password was right: only failures use up the budget. Past the limit
 * no password is checked at all.
 */
export async function authenticate(db: Db, login: string, password: string, limit: { maxFailures: number }): Promise<UserRow> {
  const key = loginFailureKey(login);
  const attempt = await countRateLimitHit(db, key, LOGIN_FAILURE_WINDOW_MS);
  if (attempt.hits > limit.maxFailures) throw new LoginRateLimitError(Math.max(1, Math.ceil(attempt.resetInMs / 1000)));
  const user = await findUserByLogin(db, login);
  const isValid = await verify(user?.passwordHash ?? DECOY_HASH, password);
  // A deleted account's hash is of a random secret no one knows; it is refused here too, in the same time.
  if (!user || !isValid || user.deletedAt) throw new InvalidCredentialsError();
  await uncountRateLimitHit(db, key);
  if (user.status === 'suspended') throw new AccountSuspendedError();
  return user;
}

/** Opens a session of the member until `expiresAt`; returns its row (startSession names it in a bearer token). */
export async function openSession(tx: Tx, userId: string, userAgent: string | undefined, expiresAt: Date) {
  return insertSession(tx, { userId, userAgent: userAgent?.slice(0, 512), expiresAt });
}

/** Opens a session and returns the bearer token that names it (log in, sign up). */
export async function startSession(tx: Tx, tokens: TokenService, user: UserRow, userAgent: string | undefined) {
  const expiresAt = new Date(Date.now() + TOKEN_TTL_SECONDS * 1000);
  const session = await openSession(tx, user.id, userAgent, expiresAt);
  return {
    access_token: tokens.issue({ userId: user.id, sessionId: session.id, expiresAt }),
    token_type: 'bearer' as const,
    expires_in: TOKEN_TTL_SECONDS,
  };
}

export async function endSession(tx: Tx, claims: SessionClaims): Promise<void> {
  await revokeSession(tx, claims.sessionId, claims.userId);
}

export async function endAllSessions(tx: Tx, userId: string): Promise<number> {
  return revokeAllSessions(tx, userId);
}

// ---------------------------------------------------------------------------------------------------------------
// Checking the password of a logged-in member (change password or email, delete the account).

/** Failed password checks per account allowed in LOGIN_FAILURE_WINDOW_MS: a stolen session cannot guess on and on. */
const PASSWORD_CHECK_FAILURES = 10;

/**
 * Verifies the member's password, counted like failed logins (per account, only failures use up the budget). Call it
 * with the pool, before the mutation's transaction: the count of a failure must survive the 401 that follows, and
 * argon2 should not hold a transaction open.
 */
export async function confirmPassword(db: Db, userId: string, password: string, field = 'password'): Promise<UserRow> {
  const key = `password-check:${userId}`;
  const attempt = await countRateLimitHit(db, key, LOGIN_FAILURE_WINDOW_MS);
  if (attempt.hits > PASSWORD_CHECK_FAILURES) throw new LoginRateLimitError(Math.max(1, Math.ceil(attempt.resetInMs / 1000)));
  const user = await findUserById(db, userId);
  const isValid = await verify(user?.passwordHash ?? DECOY_HASH, password);
  if (!user || !isValid || user.deletedAt) throw new WrongPasswordError(field);
  await uncountRateLimitHit(db, key);
  return user;
}

// ---------------------------------------------------------------------------------------------------------------
// Account tokens: the links mailed to verify an address, reset a password or confirm a new address.

/** How long each kind of link works. */
export const ACCOUNT_TOKEN_TTL_MS: Record<AccountTokenPurpose, number> = {
  verify_email: 48 * 3_600_000,
  reset_password: 60 * 60_000,
  change_email: 24 * 3_600_000,
};

/** 256 random bits, URL-safe; only its SHA-256 (hex) is stored. */
function newAccountToken(): { token: string; tokenHash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenHash: hashAccountToken(token) };
}

export function hashAccountToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new link for the member; `newEmail` is the address it proves (the current one, or the one to change to). */
export async function issueAccountToken(tx: Tx, input: { userId: string; purpose: AccountTokenPurpose; newEmail: string }) {
  const { token, tokenHash } = newAccountToken();
  const row = await insertAccountToken(tx, { ...input, tokenHash, expiresInMs: ACCOUNT_TOKEN_TTL_MS[input.purpose] });
  return { token, row };
}

/**
 * Uses a link once, for one of `purposes`, or throws 400 naming why it cannot be used: unknown, expired, used, or
 * meant for something else. Nothing is changed when it throws.
 */
export async function redeemAccountToken(tx: Tx, token: string, purposes: AccountTokenPurpose[]): Promise<AccountTokenRow> {
  const tokenHash = hashAccountToken(token);
  const row = await consumeAccountToken(tx, tokenHash, purposes);
  if (row) return row;
  const found = await findAccountToken(tx, tokenHash);
  if (!found) throw new InvalidAccountTokenError('unknown', { expected: purposes });
  if (!purposes.includes(found.purpose)) throw new InvalidAccountTokenError('wrong_purpose', { expected: purposes, actual: found.purpose });
  if (found.usedAt) throw new InvalidAccountTokenError('used', { expected: purposes });
  throw new InvalidAccountTokenError('expired', { expected: purposes });
}

// ---------------------------------------------------------------------------------------------------------------
// Email verification

/** Publishing and Connect need a proven address (SPEC §13): accounts made before verification existed count as proven. */
export async function requireVerifiedEmail(db: Db, userId: string, action: string): Promise<void> {
  const user = await findUserById(db, userId);
  if (!user?.emailVerifiedAt) throw new EmailNotVerifiedError(action);
}

export type VerifiedEmail =
  | { kind: 'verified'; user: UserRow }
  /** A change-email link: the account now has the new address; `previous` is the account as it was. */
  | { kind: 'changed'; user: UserRow; previous: UserRow; tokenId: string };

/**
 * POST /v1/auth/verify-email: a verification link proves the address it was sent to (if the account still has it);
 * a change-email link proves the new address and moves the account to it. The caller mails the old address.
 */
export async function verifyEmailToken(tx: Tx, token: string): Promise<VerifiedEmail> {
  const row = await redeemAccountToken(tx, token, ['verify_email', 'change_email']);
  switch (row.purpose) {
    case 'verify_email': {
      const user = await findUserById(tx, row.userId);
      if (!user || user.deletedAt || !row.newEmail || user.email.toLowerCase() !== row.newEmail.toLowerCase()) {
        throw new InvalidAccountTokenError('stale', { expected: ['verify_email'] });
      }
      return { kind: 'verified', user: (await markEmailVerified(tx, user.id)) ?? user };
    }
    case 'change_email':
      return applyEmailChange(tx, row);
    case 'reset_password':
      throw new InvalidAccountTokenError('wrong_purpose', { expected: ['verify_email', 'change_email'], actual: row.purpose });
  }
}

/** Mails asked for per account or address: a few per window, so no one is flooded from our address. */
export const MAIL_REQUEST_LIMIT = { max: 5, windowMs: 15 * 60_000 };

async function countMailRequest(tx: Tx, key: string): Promise<void> {
  const hit = await countRateLimitHit(tx, key, MAIL_REQUEST_LIMIT.windowMs);
  if (hit.hits > MAIL_REQUEST_LIMIT.max) throw new MailRateLimitError(Math.max(1, Math.ceil(hit.resetInMs / 1000)));
}

/** POST /v1/auth/verify-email/resend: a new link to the member's address (older links keep working until they expire). */
export async function resendVerification(tx: Tx, userId: string, mail: { secret: string }): Promise<void> {
  const user = await findUserById(tx, userId);
  if (!user || user.deletedAt) throw new InvalidCredentialsError();
  if (user.emailVerifiedAt) throw new AlreadyVerifiedError();
  await countMailRequest(tx, `verify-resend:${user.id}`);
  const link = await issueAccountToken(tx, { userId: user.id, purpose: 'verify_email', newEmail: user.email });
  await enqueueVerifyEmail(tx, user, { token: link.token, secret: mail.secret, tokenId: link.row.id });
}

// ---------------------------------------------------------------------------------------------------------------
// Password reset

/**
 * POST /v1/auth/password-reset: the same work whether the address has an account or not — the per-address count, a
 * fresh token, its hash and its sealed copy, and one statement that stores the token and queues the mail only for a
 * known address. No argon2, no network, no branch: the answer is 202 in the same time either way. Returns the
 * account's id when a mail was queued (for the log line, never for the answer).
 */
export async function requestPasswordReset(tx: Tx, email: string, mail: { secret: string }): Promise<string | undefined> {
  await commitWithoutWaitingForDisk(tx);
  await countMailRequest(tx, `password-reset:${createHash('sha256').update(email.trim().toLowerCase()).digest('base64url')}`);
  const { token, tokenHash } = newAccountToken();
  const ttl = ACCOUNT_TOKEN_TTL_MS.reset_password;
  return insertPasswordReset(tx, {
    email: email.trim(),
    tokenHash,
    expiresInMs: ttl,
    mail: passwordResetMail({ token, secret: mail.secret, validMinutes: ttl / 60_000 }),
  });
}

/**
 * POST /v1/auth/password-reset/confirm: the link's account gets the new password (hashed by the caller, outside the
 * transaction), every session ends and every other reset link is retired. Returns the account.
 */
export async function confirmPasswordReset(tx: Tx, input: { token: string; password: string; passwordHash: string }): Promise<UserRow> {
  const row = await redeemAccountToken(tx, input.token, ['reset_password']);
  const user = await findUserById(tx, row.userId);
  if (!user || user.deletedAt) throw new InvalidAccountTokenError('stale', { expected: ['reset_password'] });
  checkPasswordRule(input.password, user);
  await setPasswordHash(tx, user.id, input.passwordHash);
  await retireAccountTokens(tx, user.id, ['reset_password']);
  await revokeAllSessions(tx, user.id);
  return user;
}

// ---------------------------------------------------------------------------------------------------------------
// Changing credentials while logged in

/** First half of a password change, outside any transaction: the current password (401), the rule (400), the hash. */
export async function preparePasswordChange(db: Db, userId: string, input: { currentPassword: string; newPassword: string }) {
  const user = await confirmPassword(db, userId, input.currentPassword, 'current_password');
  checkPasswordRule(input.newPassword, user, 'new_password');
  return { user, newPassword: input.newPassword, passwordHash: await hashPassword(input.newPassword) };
}

/**
 * POST /v1/users/me/password, after preparePasswordChange: the new password (rule checked, hashed by the caller outside
 * the transaction) replaces the old one and every other session of the member ends; this one goes on.
 */
export async function changePassword(tx: Tx, user: UserRow, input: { newPassword: string; passwordHash: string; keepSessionId: string | undefined }) {
  checkPasswordRule(input.newPassword, user, 'new_password');
  await setPasswordHash(tx, user.id, input.passwordHash);
  await retireAccountTokens(tx, user.id, ['reset_password']);
  return revokeOtherSessions(tx, user.id, input.keepSessionId);
}

/**
 * POST /v1/users/me/email, after confirmPassword: a change-email link to the new address (which must be free), older
 * change links retired. The account keeps its address until the link is used (verifyEmailToken).
 */
export async function requestEmailChange(tx: Tx, user: UserRow, input: { newEmail: string; secret: string }) {
  const newEmail = input.newEmail.trim();
  refuseErasedAddress(newEmail, 'new_email');
  if (newEmail.toLowerCase() === user.email.toLowerCase()) {
    throw new BadRequestError('new_email: this is already your address', { errors: [{ location: 'body', path: '/new_email', message: 'this is already your address' }] });
  }
  // Taken, verified or not: the same 409 as at sign-up (nothing says whose it is or whether it is proven).
  if (await findUserByEmail(tx, newEmail)) throw new AccountTakenError('email');
  await countMailRequest(tx, `email-change:${user.id}`);
  const link = await issueAccountToken(tx, { userId: user.id, purpose: 'change_email', newEmail });
  await retireAccountTokens(tx, user.id, ['change_email'], link.row.id);
  await enqueueEmailChangeEmail(tx, user, { token: link.token, secret: input.secret, tokenId: link.row.id, newEmail });
  return { newEmail, expiresAt: link.row.expiresAt };
}

/** A change-email link was used: the account moves to the proven address (409 if someone took it meanwhile), the old address is told. */
async function applyEmailChange(tx: Tx, row: AccountTokenRow): Promise<VerifiedEmail> {
  const previous = await findUserById(tx, row.userId);
  if (!previous || previous.deletedAt || !row.newEmail) throw new InvalidAccountTokenError('stale', { expected: ['change_email'] });
  let user: UserRow | undefined;
  try {
    user = await setEmailVerified(tx, previous.id, row.newEmail);
  } catch (error) {
    if (isUniqueViolation(error, 'users_email_lower_key')) throw new AccountTakenError('email');
    throw error;
  }
  // Links sent to the old address (verification, password reset) no longer belong to this account's address.
  await retireAccountTokens(tx, previous.id, ['verify_email', 'reset_password', 'change_email']);
  await enqueueEmailChangedEmail(tx, previous, { tokenId: row.id, newEmail: row.newEmail });
  return { kind: 'changed', user: user ?? previous, previous, tokenId: row.id };
}
