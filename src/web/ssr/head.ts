import type { Flow, PublicProfile } from '../api/types.js';

/**
 * What a public page tells search engines and link previews (Slack, X, iMessage): title, description, canonical
 * URL, OpenGraph and Twitter tags, and schema.org JSON-LD. Built from the same data the page renders, on the server
 * only; the page's own title updates in the browser come from useDocumentTitle.
 */
export type PageHead = {
  title: string;
  description: string;
  /** Path and query of the canonical URL (the origin is the server's PUBLIC_URL). */
  canonicalPath: string;
  type: 'website' | 'article' | 'profile';
  jsonLd: Record<string, unknown>;
  /** Pages that must not be indexed (a 404, a search result page). */
  noIndex?: boolean;
};

const SITE = 'Flowtab.Pro';
const DEFAULT_DESCRIPTION = 'Reusable flows for browser AI agents: tested prompts and step-by-step recipes. Copy one in a click; creators earn on every copy.';
const DESCRIPTION_MAX = 200;

export function libraryHead(search: URLSearchParams): PageHead {
  const isFiltered = [...search.keys()].length > 0;
  return {
    title: `${SITE}: flows for browser AI agents`,
    description: DEFAULT_DESCRIPTION,
    canonicalPath: '/',
    type: 'website',
    // A filtered or paged list is a view of the library, not a page of its own.
    noIndex: isFiltered,
    jsonLd: {
      '@context': 'https://schema.org',
      '@type': 'WebSite',
      name: SITE,
      url: '/',
      potentialAction: { '@type': 'SearchAction', target: '/?q={search_term_string}', 'query-input': 'required name=search_term_string' },
    },
  };
}

export function flowHead(flow: Flow): PageHead {
  const path = `/flows/${encodeURIComponent(flow.slug)}`;
  return {
    title: `${flow.title} · ${SITE}`,
    description: clip(flow.summary || flow.body),
    canonicalPath: path,
    type: 'article',
    jsonLd: {
      '@context': 'https://schema.org',
      '@type': 'HowTo',
      name: flow.title,
      description: flow.summary,
      url: path,
      datePublished: flow.created_at,
      dateModified: flow.updated_at,
      keywords: flow.tags.join(', '),
      author: { '@type': 'Person', name: flow.author.username, url: `/u/${encodeURIComponent(flow.author.username)}` },
      // A premium flow's steps are for subscribers: the page holds a preview, and says so (Google's paywall markup).
      isAccessibleForFree: !flow.is_premium,
      ...(flow.is_premium
        ? { hasPart: { '@type': 'WebPageElement', isAccessibleForFree: false, cssSelector: '.flow-locked' } }
        : { step: flow.steps.map((text, index) => ({ '@type': 'HowToStep', position: index + 1, text })) }),
      interactionStatistic: [
        { '@type': 'InteractionCounter', interactionType: 'https://schema.org/LikeAction', userInteractionCount: flow.like_count },
        { '@type': 'InteractionCounter', interactionType: 'https://schema.org/ShareAction', userInteractionCount: flow.copy_count },
      ],
    },
  };
}

export function profileHead(profile: PublicProfile): PageHead {
  const path = `/u/${encodeURIComponent(profile.username)}`;
  const name = profile.display_name || profile.username;
  return {
    title: `${name} (@${profile.username}) · ${SITE}`,
    description: clip(profile.bio || `${name} shares ${profile.flows_count} flow${profile.flows_count === 1 ? '' : 's'} for browser AI agents on ${SITE}.`),
    canonicalPath: path,
    type: 'profile',
    jsonLd: {
      '@context': 'https://schema.org',
      '@type': 'ProfilePage',
      url: path,
      dateCreated: profile.joined_at,
      mainEntity: {
        '@type': 'Person',
        name,
        alternateName: profile.username,
        description: profile.bio ?? undefined,
        ...(profile.avatar_url ? { image: profile.avatar_url } : {}),
        sameAs: profile.links,
      },
    },
  };
}

export function pricingHead(): PageHead {
  return {
    title: `Pricing · ${SITE}`,
    description: 'One subscription to read and copy every flow. Creators earn on every copy of their flows.',
    canonicalPath: '/pricing',
    type: 'website',
    jsonLd: { '@context': 'https://schema.org', '@type': 'WebPage', name: `Pricing · ${SITE}`, url: '/pricing' },
  };
}

export function notFoundHead(pathname: string): PageHead {
  return {
    title: `Not found · ${SITE}`,
    description: DEFAULT_DESCRIPTION,
    canonicalPath: pathname,
    type: 'website',
    noIndex: true,
    jsonLd: { '@context': 'https://schema.org', '@type': 'WebPage', name: 'Not found' },
  };
}

/** The head as HTML, with every URL made absolute against `origin` and every value escaped. */
export function renderHead(head: PageHead, origin: string): string {
  const absolute = (path: string) => new URL(path, origin).toString();
  const canonical = absolute(head.canonicalPath);
  const jsonLd = absolutizeUrls(head.jsonLd, absolute);
  const meta = (attribute: 'name' | 'property', key: string, value: string) => `<meta ${attribute}="${key}" content="${escapeHtml(value)}" />`;
  return [
    `<title>${escapeHtml(head.title)}</title>`,
    meta('name', 'description', head.description),
    `<link rel="canonical" href="${escapeHtml(canonical)}" />`,
    ...(head.noIndex ? [meta('name', 'robots', 'noindex')] : []),
    meta('property', 'og:site_name', SITE),
    meta('property', 'og:type', head.type),
    meta('property', 'og:title', head.title),
    meta('property', 'og:description', head.description),
    meta('property', 'og:url', canonical),
    meta('name', 'twitter:card', 'summary'),
    meta('name', 'twitter:title', head.title),
    meta('name', 'twitter:description', head.description),
    `<script type="application/ld+json">${jsonForScript(jsonLd)}</script>`,
  ].join('\n    ');
}

/** JSON that is safe inside a <script> element: no `</script>`, no `<!--`, no line separators that break JS. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function clip(text: string): string {
  // Markdown's marks (headings, emphasis, code, quotes) are not words; everything else is kept, and escaped later.
  const flat = text.replace(/^\s*(#+|>+)\s*/gm, '').replace(/[*_`]/g, '').replace(/\s+/g, ' ').trim();
  return flat.length <= DESCRIPTION_MAX ? flat : `${flat.slice(0, DESCRIPTION_MAX - 1).trimEnd()}…`;
}

/** Site-relative `url`, `target` and author links in JSON-LD become absolute, as schema.org consumers expect. */
function absolutizeUrls(value: unknown, absolute: (path: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => absolutizeUrls(item, absolute));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        (key === 'url' || key === 'target') && typeof item === 'string' && item.startsWith('/') ? absolute(item).replace(/%7B/g, '{').replace(/%7D/g, '}') : absolutizeUrls(item, absolute),
      ]),
    );
  }
  return value;
}
