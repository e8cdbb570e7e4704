import { describe, expect, it } from 'vitest';
import { isPathOnThisSite, nextPath } from '../src/web/lib/next-path.js';

/** After logging in, the web app goes to `?next=`: only ever a path on this site (no open redirect). */
const next = (value: string) => nextPath(new URLSearchParams({ next: value }), '/fallback');

describe('the post-login next path', () => {
  it('keeps paths on this site, with their query and fragment', () => {
    for (const path of ['/', '/flows/some-flow', '/creator?connect=return', '/library?q=a b&tools=Playwright', '/pricing#faq', '/flows?q=%2F%2Fx']) {
      expect(next(path), path).toBe(path);
    }
  });

  it('refuses anything a browser would resolve to another site, encoded or not', () => {
    const offSite = [
      'https://evil.com',
      '//evil.com',
      '/\\evil.com',
      '\\\\evil.com',
      '/\\/evil.com',
      '/%5Cevil.com',
      '/%5cevil.com',
      '/%2F/evil.com',
      '/%2f%2fevil.com',
      '/\t/evil.com',
      '/\n/evil.com',
      '/\r/evil.com',
      '/%09/evil.com',
      '/%0A/evil.com',
      '/\u0000',
      '/%00',
      'javascript:alert(1)',
      ' /flows',
      'flows',
      '',
      '/%E0%A4%A',
    ];
    for (const value of offSite) {
      expect(isPathOnThisSite(value), JSON.stringify(value)).toBe(false);
      expect(next(value), JSON.stringify(value)).toBe('/fallback');
    }
    expect(nextPath(new URLSearchParams(), '/fallback')).toBe('/fallback');
  });

  it('reads the value as the browser puts it in the query: an encoded backslash arrives decoded and is refused', () => {
    expect(nextPath(new URLSearchParams('next=%2F%5Cevil.com'), '/fallback')).toBe('/fallback');
    expect(nextPath(new URLSearchParams('next=%2F%255Cevil.com'), '/fallback')).toBe('/fallback');
    expect(nextPath(new URLSearchParams('next=%2Fflows%2Fsome-flow'), '/fallback')).toBe('/flows/some-flow');
  });
});
