import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/server/config.js';

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
    const env = {
      FLOWTAB_ENV: 'production',
      DATABASE_URL: 'postgres://x@db/flowtab',
      JWT_SECRET: 'y'.repeat(40),
      STRIPE_SECRET_KEY: 'sk_live_x',
      STRIPE_WEBHOOK_SECRET: 'whsec_x',
      STRIPE_PRICE_ID: 'price_x',
      PUBLIC_URL: 'https://flowtab.example.com',
    };
    expect(loadConfig(env).isProduction).toBe(true);
    expect(() => loadConfig({ ...env, STRIPE_API_BASE: 'http://127.0.0.1:12111' })).toThrowError(/STRIPE_API_BASE/);
  });

  it('rejects bad values with a message that names them', () => {
    expect(() => loadConfig({ PORT: 'eighty', JWT_SECRET: 'x'.repeat(32) })).toThrowError(/PORT/);
    expect(() => loadConfig({ CREATOR_SHARE_PERCENT: '120', JWT_SECRET: 'x'.repeat(32) })).toThrowError(/CREATOR_SHARE_PERCENT/);
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrowError(/JWT_SECRET/);
  });
});
