import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerErrorHandler } from '../../src/server/http/error-handler.js';
import { registerSecurityHeaders } from '../../src/server/http/security-headers.js';
import { registerWebApp } from '../../src/server/http/web.js';
import { buildWebIfStale } from '../../src/server/web-build.js';

/** How the server hands out the built web app: files, client-side routes, and the API's own 404s left alone. */
const root = path.resolve(import.meta.dirname, '../..');
const distDir = path.join(root, 'dist', 'web');

async function appServing(dir: string): Promise<FastifyInstance> {
  const app = Fastify();
  registerSecurityHeaders(app, { publicUrl: 'http://localhost:3000' });
  registerErrorHandler(app);
  app.get('/v1/ping', async () => ({ ok: true }));
  await registerWebApp(app, dir, { origin: 'http://localhost' });
  await app.ready();
  return app;
}

describe('the built web app', () => {
  let app: FastifyInstance;
  const logged: string[] = [];

  beforeAll(async () => {
    await buildWebIfStale(root, (line) => logged.push(line));
    app = await appServing(distDir);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
  });

  it('is built once, then left alone while its sources are unchanged', async () => {
    expect(existsSync(path.join(distDir, 'index.html'))).toBe(true);
    const before = logged.length;
    await buildWebIfStale(root, (line) => logged.push(line));
    expect(logged.slice(before)).toEqual([]);
  });

  it('answers client-side routes with index.html, never cached', async () => {
    for (const url of ['/', '/flows/some-flow', '/creator?connect=return', '/subscribe/return?session_id=cs_1']) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toContain('text/html');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.body).toContain('<div id="root"></div>');
    }
  });

  it('ships no source maps, and no inline script for the Content-Security-Policy to block', async () => {
    const files = readdirSync(distDir, { recursive: true, encoding: 'utf8' });
    expect(files.filter((name) => name.endsWith('.map'))).toEqual([]);
    for (const name of files.filter((file) => file.endsWith('.js'))) {
      expect(readFileSync(path.join(distDir, name), 'utf8'), name).not.toContain('sourceMappingURL');
    }
    const index = await app.inject({ url: '/' });
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    const scripts = index.body.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toMatch(/\ssrc="\//);
    // The theme script that runs before the first paint is a file of its own, served like any other.
    const theme = await app.inject({ url: '/theme.js' });
    expect(theme.statusCode).toBe(200);
    expect(theme.body).toContain('flowtab.theme');
  });

  it('serves hashed assets for a year and a missing file as a 404, not as the app', async () => {
    const asset = readdirSync(path.join(distDir, 'assets')).find((name) => name.endsWith('.js'))!;
    const found = await app.inject({ url: `/assets/${asset}` });
    expect(found.statusCode).toBe(200);
    expect(found.headers['content-type']).toContain('javascript');
    expect(found.headers['cache-control']).toBe('public, max-age=31536000, immutable');

    for (const url of ['/assets/index-gone.js', '/favicon.png', '/../package.json', '/%2e%2e/package.json', '/assets/..%2f..%2fpackage.json']) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(404);
      expect(response.headers['content-type'], url).toContain('application/problem+json');
    }
  });

  it('leaves API and operational paths to the server: routes answer, unknown ones stay problem+json 404s', async () => {
    expect((await app.inject({ url: '/v1/ping' })).json()).toEqual({ ok: true });
    for (const url of ['/v1/nope', '/docs/nope', '/healthz/x', '/metrics/x', '/dev/nope', '/openapi.json']) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json(), url).toMatchObject({ status: 404, title: 'Not found' });
    }
  });
});

describe('without a build', () => {
  let app: FastifyInstance;
  let emptyDir: string;

  beforeAll(async () => {
    emptyDir = mkdtempSync(path.join(tmpdir(), 'flowtab-no-web-'));
    app = await appServing(emptyDir);
  });

  afterAll(async () => {
    await app?.close();
    rmSync(emptyDir, { recursive: true, force: true });
  });

  it('says so on every page, and the API still works', async () => {
    const page = await app.inject({ url: '/flows/x' });
    expect(page.statusCode).toBe(503);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('The web app is not built');
    expect((await app.inject({ url: '/v1/ping' })).statusCode).toBe(200);
  });
});
