/** Where to go after logging in: the `next` query value when it is a path on this site, else the fallback. */
export function nextPath(search: URLSearchParams, fallback = '/'): string {
  const next = search.get('next');
  return next !== null && isPathOnThisSite(next) ? next : fallback;
}

const ORIGIN = 'https://flowtab.invalid';

/**
 * Whether a browser resolves `value` to this site. Browsers read `\` as `/` and drop tabs and newlines, so
 * `/\evil.com` and `/\t/evil.com` are `//evil.com`; the same characters percent-encoded (`/%5Cevil.com`, `/%2F/…`)
 * in the path are refused too, since a router or a later redirect may decode them.
 */
export function isPathOnThisSite(value: string): boolean {
  let decodedPath: string;
  try {
    decodedPath = decodeURIComponent(value.split(/[?#]/, 1)[0]!);
  } catch {
    return false;
  }
  for (const candidate of [value, decodedPath]) {
    // eslint-disable-next-line no-control-regex -- control characters are exactly what browsers drop from a URL
    if (!candidate.startsWith('/') || candidate.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(candidate)) return false;
  }
  return new URL(value, ORIGIN).origin === ORIGIN;
}
