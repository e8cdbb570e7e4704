import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { FlowQuery, FlowSort } from '../api/types.js';
import { FlowCard } from '../components/flow-card.js';
import { Pagination } from '../components/pagination.js';
import { EmptyState, ErrorState, Loading } from '../components/states.js';
import { formatCount, plural } from '../lib/format.js';
import { Link, navigate, useLocation, withQuery } from '../lib/router.js';
import { useDocumentTitle } from '../lib/use-document-title.js';
import { flowListQuery, tagsQuery, useViewerKey } from '../lib/queries.js';
import { useAsResource } from '../lib/use-resource.js';

const PAGE_SIZE = 12;
const TOOLS = ['Comet', 'ChatGPT Atlas', 'Manus', 'Opera Neon', 'Playwright'];
const SORTS: { value: FlowSort; label: string }[] = [
  { value: 'relevance', label: 'Best match' },
  { value: 'new', label: 'Newest' },
  { value: 'popular', label: 'Most copied' },
  { value: 'liked', label: 'Most liked' },
];

/** The library's filters live in the URL, so a search can be shared, reloaded and navigated back to. */
type Filters = { q: string; tags: string[]; tools: string[]; premium: '' | 'true' | 'false'; sort: FlowSort | ''; page: number };

function readFilters(search: URLSearchParams): Filters {
  const list = (key: string) => (search.get(key) ?? '').split(',').filter(Boolean);
  const premium = search.get('premium');
  const sort = search.get('sort');
  return {
    q: search.get('q') ?? '',
    tags: list('tags'),
    tools: list('tools'),
    premium: premium === 'true' || premium === 'false' ? premium : '',
    sort: SORTS.some((s) => s.value === sort) ? (sort as FlowSort) : '',
    page: Math.max(1, Number(search.get('page')) || 1),
  };
}

function queryOf(filters: Filters): FlowQuery {
  return {
    q: filters.q || undefined,
    tags: filters.tags,
    works_with: filters.tools,
    premium: filters.premium === '' ? undefined : filters.premium === 'true',
    sort: filters.sort || undefined,
    page: filters.page,
    page_size: PAGE_SIZE,
  };
}

/** The list the library shows for a URL's query: what the server fetches before rendering it. */
export function libraryQueryOf(search: URLSearchParams): FlowQuery {
  return queryOf(readFilters(search));
}

function filtersUrl(filters: Filters): string {
  return withQuery('/', {
    q: filters.q,
    tags: filters.tags.join(','),
    tools: filters.tools.join(','),
    premium: filters.premium,
    sort: filters.sort,
    page: filters.page > 1 ? filters.page : undefined,
  });
}

export function LibraryPage() {
  useDocumentTitle('Library');
  const { search } = useLocation();
  const filters = readFilters(search);
  const setFilters = (changes: Partial<Filters>) => navigate(filtersUrl({ ...filters, page: 1, ...changes }), { scroll: false });
  const showPage = (page: number) => {
    setFilters({ page });
    document.getElementById('results-heading')?.scrollIntoView({ block: 'start' });
  };
  // "Best match" only means something with a query.
  const searchFor = (q: string) => setFilters({ q, sort: !q && filters.sort === 'relevance' ? '' : filters.sort });

  const flows = useAsResource(useQuery(flowListQuery(queryOf(filters), useViewerKey())));
  const hasFilters = Boolean(filters.q || filters.tags.length || filters.tools.length || filters.premium);

  return (
    <div className="library">
      <section className="hero">
        <h1>Flows for browser AI agents</h1>
        <p className="lede">
          Tested prompts and step-by-step recipes for Comet, ChatGPT Atlas, Manus and friends. Copy one in a click; the
          creator earns on every copy.
        </p>
        <SearchBox initial={filters.q} onSearch={searchFor} />
      </section>

      <div className="library-layout">
        <FilterPanel filters={filters} onChange={setFilters} />
        <section className="library-results" aria-labelledby="results-heading">
          <div className="results-bar">
            <h2 id="results-heading" className="results-count" aria-live="polite">
              {flows.status === 'ready' ? `${flows.data.total_is_exact ? '' : 'About '}${plural(flows.data.total, 'flow')}` : 'Flows'}
              {filters.q && ` for “${filters.q}”`}
            </h2>
            <label className="inline-field">
              <span>Sort</span>
              <select value={filters.sort || (filters.q ? 'relevance' : 'new')} onChange={(e) => setFilters({ sort: e.target.value as FlowSort })}>
                {SORTS.filter((s) => s.value !== 'relevance' || filters.q).map((s) => (
                  <option key={s.value} value={s.value}>
                    {s.label}
                  </option>
                ))}
              </select>
            </label>
          </div>
          {flows.status === 'loading' && <Loading label="Loading flows…" />}
          {flows.status === 'error' && <ErrorState error={flows.error} onRetry={flows.reload} what="the library" />}
          {flows.status === 'ready' && flows.data.items.length === 0 && (
            <EmptyState title="No flows match">
              {hasFilters ? (
                <p>
                  Try fewer filters or another word. <Link to="/">Clear all filters</Link>
                </p>
              ) : (
                <p>
                  The library is empty. <Link to="/publish">Publish the first flow</Link>.
                </p>
              )}
            </EmptyState>
          )}
          {flows.status === 'ready' && flows.data.items.length > 0 && (
            <>
              <ul className="flow-grid">
                {flows.data.items.map((flow) => (
                  <li key={flow.id}>
                    <FlowCard flow={flow} />
                  </li>
                ))}
              </ul>
              <Pagination
                page={flows.data.page}
                pageSize={flows.data.page_size}
                total={flows.data.total}
                hasMore={flows.data.has_more}
                isTotalExact={flows.data.total_is_exact}
                onPage={showPage}
              />
            </>
          )}
        </section>
      </div>
    </div>
  );
}

function SearchBox({ initial, onSearch }: { initial: string; onSearch: (q: string) => void }) {
  const [value, setValue] = useState(initial);
  // A new search from outside (back button, a tag link) replaces what is typed; adjusted while rendering.
  const [shownInitial, setShownInitial] = useState(initial);
  if (shownInitial !== initial) {
    setShownInitial(initial);
    setValue(initial);
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSearch(value.trim());
  };
  return (
    // action and name: before the page is interactive (or without JavaScript) the browser submits it as /?q=…,
    // which the server renders.
    <form role="search" className="search" action="/" onSubmit={submit}>
      <label htmlFor="library-search" className="visually-hidden">
        Search flows
      </label>
      <input
        id="library-search"
        name="q"
        type="search"
        placeholder="Search flows, e.g. linkedin outreach"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        maxLength={200}
      />
      <button type="submit" className="button button-primary">
        Search
      </button>
    </form>
  );
}

/** Always shown beside the results on wide screens; behind a "Filters" button on phones. */
function FilterPanel({ filters, onChange }: { filters: Filters; onChange: (changes: Partial<Filters>) => void }) {
  const tags = useAsResource(useQuery(tagsQuery()));
  const [isOpen, setOpen] = useState(false);
  const toggle = (list: string[], value: string) => (list.includes(value) ? list.filter((v) => v !== value) : [...list, value]);
  const activeCount = filters.tags.length + filters.tools.length + (filters.premium ? 1 : 0);

  return (
    <aside className={isOpen ? 'filters is-open' : 'filters'} aria-label="Filters">
      <button type="button" className="button filters-toggle" aria-expanded={isOpen} aria-controls="filter-fields" onClick={() => setOpen((open) => !open)}>
        Filters{activeCount > 0 ? ` (${activeCount})` : ''}
      </button>
      <div id="filter-fields" className="filter-fields">
      <fieldset>
        <legend>Access</legend>
        {(
          [
            ['', 'All flows'],
            ['true', 'Premium'],
            ['false', 'Free'],
          ] as const
        ).map(([value, label]) => (
          <label key={value} className="choice">
            <input type="radio" name="premium" checked={filters.premium === value} onChange={() => onChange({ premium: value })} />
            {label}
          </label>
        ))}
      </fieldset>

      <fieldset>
        <legend>Works with</legend>
        {TOOLS.map((tool) => (
          <label key={tool} className="choice">
            <input type="checkbox" checked={filters.tools.includes(tool)} onChange={() => onChange({ tools: toggle(filters.tools, tool) })} />
            {tool}
          </label>
        ))}
      </fieldset>

      <fieldset>
        <legend>Tags</legend>
        {tags.status === 'loading' && <p className="muted">Loading tags…</p>}
        {tags.status === 'error' && <p className="muted">Tags could not be loaded.</p>}
        {tags.status === 'ready' && tags.data.items.length === 0 && <p className="muted">No tags yet.</p>}
        {tags.status === 'ready' && tags.data.items.length > 0 && (
          <div className="tag-filter">
            {tags.data.items.slice(0, 24).map(({ tag, count }) => {
              const isOn = filters.tags.includes(tag);
              return (
                <button
                  key={tag}
                  type="button"
                  className={isOn ? 'chip chip-toggle is-on' : 'chip chip-toggle'}
                  aria-pressed={isOn}
                  onClick={() => onChange({ tags: toggle(filters.tags, tag) })}
                >
                  {tag} <span className="chip-count">{formatCount(count)}</span>
                </button>
              );
            })}
          </div>
        )}
      </fieldset>
      {(filters.tags.length > 0 || filters.tools.length > 0 || filters.premium) && (
        <button type="button" className="button button-ghost" onClick={() => onChange({ tags: [], tools: [], premium: '' })}>
          Clear filters
        </button>
      )}
      </div>
    </aside>
  );
}
