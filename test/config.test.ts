import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/server/config.js';

/** Everything production requires, with a JWT_SECRET as `openssl rand -base64 48` makes one. */
const PRODUCTION_ENV = {
  FLOWTAB_ENV: 'production',
  DATABASE_URL: 'postgres://x@db/flowtab',
  JWT_SECRET: randomBytes(48).toString('base64'),
  STRIPE_SECRET_KEY: 'sk_live_x',
  STRIPE_WEBHOOK_SECRET: 'whsec_x',
  STRIPE_PRICE_ID: 'price_x',
  PUBLIC_URL: 'https://flowtab.example.com',
};

describe('configuration', () => {
  it('has the SPEC defaults', () => {
    const config = loadConfig({ JWT_SECRET: 'x'.repeat(32) });
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      publicUrl: 'http://localhost:3000',
      holdDays: 14,
      minPayoutCents: 1000,
      payoutCron: '0 6 1 * *',
      economics: { paidCopiesPerPeriod: 100, ratePerCopyCents: 7, creatorSharePercent: 70, copyLimitPerPeriod: 1000 },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('production refuses to start without real secrets and DATABASE_URL, naming each', () => {
    expect(() => loadConfig({ FLOWTAB_ENV: 'production' })).toThrowError(ConfigError);
    try {
      loadConfig({ FLOWTAB_ENV: 'production', STRIPE_SECRET_KEY: 'sk_live_x' });
    } catch (error) {
      const message = (error as Error).message;
      for (const name of ['DATABASE_URL', 'JWT_SECRET', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_PRICE_ID', 'PUBLIC_URL']) expect(message).toContain(name);
      expect(message).not.toContain('STRIPE_SECRET_KEY');
    }
  });

  it('production refuses the emulator', () => {
    expect(loadConfig(PRODUCTION_ENV).isProduction).toBe(true);
    expect(() => loadConfig({ ...PRODUCTION_ENV, STRIPE_API_BASE: 'http://127.0.0.1:12111' })).toThrowError(/STRIPE_API_BASE/);
  });

  it('production accepts generated JWT secrets (openssl rand -base64 48, -hex 32) and refuses short or patterned ones, saying why', () => {
    for (let i = 0; i < 200; i++) {
      for (const secret of [randomBytes(48).toString('base64'), randomBytes(32).toString('hex'), randomBytes(32).toString('base64url')]) {
        expect(loadConfig({ ...PRODUCTION_ENV, JWT_SECRET: secret }).jwtSecret).toBe(secret);
      }
    }
    const refused: [string, RegExp][] = [
      ['a'.repeat(32), /too short/],
      ['a'.repeat(200), /only 1 distinct character/],
      ['ab'.repeat(64), /only 2 distinct characters/],
      ['password'.repeat(16), /only 7 distinct characters/],
      ['abcdefghijklmnopqrstuvwxyz'.repeat(4), /compresses to \d+ bits/],
      [randomBytes(16).toString('hex'), /too short: 32 characters of hex carry at most 128 bits/],
      [randomBytes(24).toString('base64'), /too short/],
    ];
    for (const [secret, reason] of refused) {
      expect(() => loadConfig({ ...PRODUCTION_ENV, JWT_SECRET: secret }), secret).toThrowError(ConfigError);
      expect(() => loadConfig({ ...PRODUCTION_ENV, JWT_SECRET: secret }), secret).toThrowError(reason);
      expect(() => loadConfig({ ...PRODUCTION_ENV, JWT_SECRET: secret }), secret).toThrowError(/JWT_SECRET/);
    }
    // Development and tests keep the length rule only.
    expect(loadConfig({ JWT_SECRET: 'a'.repeat(32) }).jwtSecret).toBe('a'.repeat(32));
  });

  it('FLOWTAB_ENV defaults to what the command asks for: development unless told, production for serve and worker', () => {
    const { FLOWTAB_ENV: _unset, ...unsetEnv } = PRODUCTION_ENV;
    expect(loadConfig(unsetEnv).env).toBe('development');
    const production = loadConfig(unsetEnv, { defaultEnv: 'production' });
    expect(production).toMatchObject({ env: 'production', isProduction: true, isDocsPublic: false, metricsToken: undefined });
    expect(loadConfig({ ...unsetEnv, FLOWTAB_ENV: 'development' }, { defaultEnv: 'production' }).isProduction).toBe(false);
    // Defaulted to production, it still refuses to start without the real secrets, and says where production came from.
    expect(() => loadConfig({ STRIPE_SECRET_KEY: 'sk_live_x' }, { defaultEnv: 'production' })).toThrowError(
      /FLOWTAB_ENV=production \(the default for this command\) refuses to start without: DATABASE_URL, JWT_SECRET/,
    );
  });

  it('DOCS_PUBLIC defaults to true outside production and false in it; METRICS_TOKEN is read as given', () => {
    expect(loadConfig({ JWT_SECRET: 'x'.repeat(32) }).isDocsPublic).toBe(true);
    expect(loadConfig({ JWT_SECRET: 'x'.repeat(32), DOCS_PUBLIC: 'false' }).isDocsPublic).toBe(false);
    expect(loadConfig(PRODUCTION_ENV).isDocsPublic).toBe(false);
    expect(loadConfig({ ...PRODUCTION_ENV, DOCS_PUBLIC: 'true' }).isDocsPublic).toBe(true);
    expect(() => loadConfig({ ...PRODUCTION_ENV, DOCS_PUBLIC: 'yes' })).toThrowError(/DOCS_PUBLIC/);
    const token = randomBytes(24).toString('base64url');
    expect(loadConfig({ ...PRODUCTION_ENV, METRICS_TOKEN: token }).metricsToken).toBe(token);
    expect(() => loadConfig({ ...PRODUCTION_ENV, METRICS_TOKEN: 'short' })).toThrowError(/METRICS_TOKEN/);
  });

  it('rejects bad values with a message that names them', () => {
    expect(() => loadConfig({ PORT: 'eighty', JWT_SECRET: 'x'.repeat(32) })).toThrowError(/PORT/);
    expect(() => loadConfig({ CREATOR_SHARE_PERCENT: '120', JWT_SECRET: 'x'.repeat(32) })).toThrowError(/CREATOR_SHARE_PERCENT/);
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrowError(/JWT_SECRET/);
  });

  it('DATABASE_DIRECT_URL (the session beside a transaction pooler) is read as given, and only beside DATABASE_URL', () => {
    const direct = 'postgres://x@db:5432/flowtab';
    const config = loadConfig({ ...PRODUCTION_ENV, DATABASE_URL: 'postgres://x@pgbouncer:6432/flowtab', DATABASE_DIRECT_URL: direct });
    expect(config).toMatchObject({ databaseUrl: 'postgres://x@pgbouncer:6432/flowtab', databaseDirectUrl: direct });
    expect(loadConfig(PRODUCTION_ENV).databaseDirectUrl).toBeUndefined();
    expect(() => loadConfig({ JWT_SECRET: 'x'.repeat(32), DATABASE_DIRECT_URL: direct })).toThrowError(/DATABASE_DIRECT_URL: set DATABASE_URL too/);
  });
});
