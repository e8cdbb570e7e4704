/** Where to go after logging in: the `next` query value when it is a path on this site, else the fallback. */
export function nextPath(search: URLSearchParams, fallback = '/'): string {
  const next = search.get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : fallback;
}
