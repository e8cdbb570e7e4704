import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTokenService } from '../src/server/modules/auth/session-tokens.js';

// The session token's checks, on a token the service has already verified once (it remembers verified tokens).
describe('session tokens', () => {
  const secret = 'token-test-secret-token-test-secret-0123';
  const session = () => ({ userId: randomUUID(), sessionId: randomUUID() });
  afterEach(() => vi.useRealTimers());

  it('a known token gives the same claims; one altered after it was verified is refused', () => {
    const tokens = createTokenService(secret);
    const claims = session();
    const token = tokens.issue({ ...claims, expiresAt: new Date(Date.now() + 3_600_000) });
    expect(tokens.verify(token)).toEqual({ kind: 'session', ...claims });
    expect(tokens.verify(token)).toEqual({ kind: 'session', ...claims });
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    expect(tokens.verify(`${token.slice(0, -1)}${last}`)).toBeUndefined();
    const [header, payload, signature] = token.split('.');
    // The same signature spelled another way (the last character's two unused bits set): it decodes to the same bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const respelled = `${signature!.slice(0, -1)}${alphabet[alphabet.indexOf(signature!.at(-1)!) ^ 1]}`;
    expect(Buffer.from(respelled, 'base64url')).toEqual(Buffer.from(signature!, 'base64url'));
    expect(tokens.verify(`${header}.${payload}.${respelled}`)).toBeUndefined();
    const otherPayload = Buffer.from(JSON.stringify({ sub: randomUUID(), sid: claims.sessionId, iss: 'flowtab', exp: 9_999_999_999 })).toString('base64url');
    expect(tokens.verify(`${header}.${otherPayload}.${signature}`)).toBeUndefined();
    expect(createTokenService(`${secret}-other`).verify(token)).toBeUndefined();
    expect(tokens.verify(token)).toEqual({ kind: 'session', ...claims });
  });

  it('a known token stops at its expiry', () => {
    vi.useFakeTimers({ now: new Date('2026-12-04T12:00:00Z') });
    const tokens = createTokenService(secret);
    const claims = session();
    const token = tokens.issue({ ...claims, expiresAt: new Date('2026-12-04T12:00:10Z') });
    expect(tokens.verify(token)).toEqual({ kind: 'session', ...claims });
    vi.setSystemTime(new Date('2026-12-04T12:00:09Z'));
    expect(tokens.verify(token)).toEqual({ kind: 'session', ...claims });
    vi.setSystemTime(new Date('2026-12-04T12:00:10Z'));
    expect(tokens.verify(token)).toBeUndefined();
    expect(tokens.verify(token)).toBeUndefined();
  });

  it('an operator token too', () => {
    vi.useFakeTimers({ now: new Date('2026-12-04T12:00:00Z') });
    const tokens = createTokenService(secret);
    const token = tokens.issueOperator();
    expect(tokens.verify(token)).toEqual({ kind: 'operator' });
    vi.setSystemTime(new Date('2026-12-04T12:01:00Z'));
    expect(tokens.verify(token)).toBeUndefined();
  });
});
