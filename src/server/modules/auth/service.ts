import { createHash } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { Db } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import { type TokenService, TOKEN_TTL_SECONDS } from '../../http/tokens.js';
import type { SessionClaims } from '../../http/viewer.js';
import { enqueueWelcomeEmail } from '../email/service.js';
import { findUserByLogin, insertUser, type UserRow } from '../users/repository.js';
import { AccountSuspendedError } from '../../http/errors.js';
import { countRateLimitHit, uncountRateLimitHit } from '../rate-limits/repository.js';
import { AccountTakenError, InvalidCredentialsError, LoginRateLimitError } from './errors.js';
import { insertSession, revokeAllSessions, revokeSession } from './repository.js';
import type { RegisterInput } from './schemas.js';

// Algorithm.Argon2id is an ambient const enum, which isolated modules cannot read: its value is 2.
const ARGON2 = { algorithm: 2 } as const;
// Verified when the login is unknown, so a wrong login and a wrong password take the same time.
const DECOY_HASH = await hash('decoy password', ARGON2);

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

/** What an account is made of once its password is hashed (hash first: argon2 should not hold a transaction open). */
export type NewAccount = { email: string; username: string; passwordHash: string; role?: UserRow['role'] };

export async function withPasswordHash(input: RegisterInput): Promise<NewAccount> {
  return { email: input.email, username: input.username, passwordHash: await hashPassword(input.password) };
}

export async function createAccount(db: Db, account: NewAccount): Promise<UserRow> {
  try {
    return await insertUser(db, { ...account, role: account.role ?? 'member' });
  } catch (error) {
    if (isUniqueViolation(error, 'users_email_lower_key')) throw new AccountTakenError('email');
    if (isUniqueViolation(error, 'users_username_lower_key')) throw new AccountTakenError('username');
    throw error;
  }
}

/** Self-service sign-up: the account and its welcome mail, in the caller's transaction. */
export async function signUpMember(db: Db, account: NewAccount): Promise<UserRow> {
  const user = await createAccount(db, account);
  await enqueueWelcomeEmail(db, user);
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
  if (!user || !isValid) throw new InvalidCredentialsError();
  await uncountRateLimitHit(db, key);
  if (user.status === 'suspended') throw new AccountSuspendedError();
  return user;
}

/** Opens a session and returns the bearer token that names it (log in, sign up). */
export async function startSession(db: Db, tokens: TokenService, user: UserRow, userAgent: string | undefined) {
  const expiresAt = new Date(Date.now() + TOKEN_TTL_SECONDS * 1000);
  const session = await insertSession(db, { userId: user.id, userAgent: userAgent?.slice(0, 512), expiresAt });
  return {
    access_token: tokens.issue({ userId: user.id, sessionId: session.id, expiresAt }),
    token_type: 'bearer' as const,
    expires_in: TOKEN_TTL_SECONDS,
  };
}

export async function endSession(db: Db, claims: SessionClaims): Promise<void> {
  await revokeSession(db, claims.sessionId, claims.userId);
}

export async function endAllSessions(db: Db, userId: string): Promise<number> {
  return revokeAllSessions(db, userId);
}
