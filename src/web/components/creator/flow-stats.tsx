import { api } from '../../api/endpoints.js';
import type { AnalyticsDay, CreatorFlowStats } from '../../api/types.js';
import { formatCents, formatCount, plural } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import { type Resource, useResource } from '../../lib/use-resource.js';
import { EmptyState, ErrorState, Loading } from '../states.js';
import { addDays, type DateRange, describeRange, MAX_RANGE_DAYS, previousRange, todayUtc } from './date-range.js';

type Figures = { copies: number; earned: number };
type FlowTrend = { range: Figures; previous: Figures; month: Figures; perDay: number[] };

const ZERO: Figures = { copies: 0, earned: 0 };

function sumDays(days: AnalyticsDay[], from: string, to: string): Figures {
  return days.reduce((sum, day) => (day.date >= from && day.date <= to ? { copies: sum.copies + day.copies, earned: sum.earned + day.earned_cents } : sum), ZERO);
}

/** One flow's days from `from` to `to`, in as many requests as the endpoint's 366-day limit needs. */
async function flowDays(flowId: string, from: string, to: string, signal: AbortSignal): Promise<AnalyticsDay[]> {
  const days: AnalyticsDay[] = [];
  for (let start = from; start <= to; start = addDays(start, MAX_RANGE_DAYS)) {
    const end = [addDays(start, MAX_RANGE_DAYS - 1), to].sort()[0]!;
    days.push(...(await api.analytics({ from: start, to: end, flow_id: flowId }, { signal })).days);
  }
  return days;
}

/**
 * Each flow's range, the equal range before it (the trend) and this UTC month, from one span of the analytics per
 * flow (the endpoint filters by one flow at a time). Flows never copied need no request: they are all zeros.
 */
async function loadTrends(flows: CreatorFlowStats[], range: DateRange, signal: AbortSignal): Promise<Map<string, FlowTrend>> {
  const today = todayUtc();
  const monthStart = `${today.slice(0, 7)}-01`;
  const previous = previousRange(range);
  const spanFrom = [previous.from, monthStart].sort()[0]!;
  const spanTo = [range.to, today].sort()[1]!;
  const entries = await Promise.all(
    flows.map(async (flow): Promise<[string, FlowTrend]> => {
      if (flow.copy_count === 0) return [flow.flow_id, { range: ZERO, previous: ZERO, month: ZERO, perDay: new Array<number>(range.days).fill(0) }];
      const days = await flowDays(flow.flow_id, spanFrom, spanTo, signal);
      const inRange = days.filter((day) => day.date >= range.from && day.date <= range.to);
      return [
        flow.flow_id,
        {
          range: sumDays(days, range.from, range.to),
          previous: sumDays(days, previous.from, previous.to),
          month: sumDays(days, monthStart, today),
          perDay: inRange.map((day) => day.copies),
        },
      ];
    }),
  );
  return new Map(entries);
}

/**
 * Per flow: copies and net earnings in the range with a sparkline and the change against the equal range before,
 * this month, and all time. A table on wide screens; at 600 px and below each flow is a card (the CSS shows one or
 * the other), so nothing scrolls sideways on a phone.
 */
export function FlowStats({ flows, range, rateCents }: { flows: Resource<{ items: CreatorFlowStats[] }>; range: DateRange; rateCents: number | undefined }) {
  if (flows.status === 'loading') return <Loading label="Loading your flows…" />;
  if (flows.status === 'error') return <ErrorState error={flows.error} onRetry={flows.reload} what="per-flow statistics" />;
  if (flows.data.items.length === 0) {
    return (
      <EmptyState title="No flows yet">
        <p>
          <Link to="/publish">Publish your first flow</Link>: premium flows earn{rateCents === undefined ? '' : ` ${formatCents(rateCents)}`} per paid copy.
        </p>
      </EmptyState>
    );
  }
  return <FlowStatsLoaded items={flows.data.items} range={range} />;
}

function FlowStatsLoaded({ items, range }: { items: CreatorFlowStats[]; range: DateRange }) {
  const key = items.map((flow) => `${flow.flow_id}:${flow.copy_count}`).join(',');
  const trends = useResource((signal) => loadTrends(items, range, signal), [range.from, range.to, key]);
  const trendOf = (flowId: string) => (trends.status === 'ready' ? trends.data.get(flowId) : undefined);
  const rangeLabel = describeRange(range);
  const previousLabel = `the ${formatCount(range.days)} days before`;

  return (
    <>
      {trends.status === 'error' && <ErrorState error={trends.error} onRetry={trends.reload} what="the per-flow trends" />}
      <div className="flow-stats-table">
        <table data-testid="creator-flows">
          <caption className="visually-hidden">Your flows: {rangeLabel}, this month and all time</caption>
          <thead>
            <tr>
              <th scope="col">Flow</th>
              <th scope="col" className="num">
                Copies
              </th>
              <th scope="col" className="num">
                Earned
              </th>
              <th scope="col">Trend</th>
              <th scope="col" className="num">
                This month
              </th>
              <th scope="col" className="num">
                All time
              </th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody aria-busy={trends.status === 'loading' || undefined}>
            {items.map((flow) => {
              const trend = trendOf(flow.flow_id);
              return (
                <tr key={flow.flow_id} data-flow-id={flow.flow_id}>
                  <td>
                    <FlowName flow={flow} />
                  </td>
                  <td className="num" data-testid="range-copies">
                    {trend ? formatCount(trend.range.copies) : '…'}
                  </td>
                  <td className="num" data-testid="range-earned">
                    {trend ? formatCents(trend.range.earned) : '…'}
                  </td>
                  <td>{trend && <Trend trend={trend} previousLabel={previousLabel} />}</td>
                  <td className="num">{trend ? <MonthFigures figures={trend.month} /> : '…'}</td>
                  <td className="num">
                    {formatCents(flow.earnings_cents)}
                    <span className="muted small flow-stats-sub">{plural(flow.copy_count, 'copy', 'copies')}</span>
                  </td>
                  <td>
                    <Link to={`/flows/${flow.slug}/edit`} aria-label={`Edit ${flow.title}`}>
                      Edit
                    </Link>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>

      <ul className="flow-stats-cards" data-testid="creator-flow-cards">
        {items.map((flow) => {
          const trend = trendOf(flow.flow_id);
          return (
            <li key={flow.flow_id} className="flow-stats-card">
              <div className="flow-stats-card-head">
                <FlowName flow={flow} />
                <Link to={`/flows/${flow.slug}/edit`} aria-label={`Edit ${flow.title}`}>
                  Edit
                </Link>
              </div>
              <dl className="flow-stats-card-figures">
                <div>
                  <dt>Copies, {rangeLabel}</dt>
                  <dd>{trend ? formatCount(trend.range.copies) : '…'}</dd>
                </div>
                <div>
                  <dt>Earned, {rangeLabel}</dt>
                  <dd>{trend ? formatCents(trend.range.earned) : '…'}</dd>
                </div>
                <div>
                  <dt>This month</dt>
                  <dd>{trend ? <MonthFigures figures={trend.month} /> : '…'}</dd>
                </div>
                <div>
                  <dt>All time</dt>
                  <dd>
                    {formatCents(flow.earnings_cents)} · {plural(flow.copy_count, 'copy', 'copies')}
                  </dd>
                </div>
              </dl>
              {trend && <Trend trend={trend} previousLabel={previousLabel} />}
            </li>
          );
        })}
      </ul>
    </>
  );
}

function FlowName({ flow }: { flow: CreatorFlowStats }) {
  return (
    <span className="flow-stats-name">
      <Link to={`/flows/${flow.slug}`}>{flow.title}</Link>
      <span className="muted small">
        {' '}
        · {flow.is_premium ? 'premium' : 'free'}
        {flow.status !== 'published' && ` · ${flow.status}`}
        {flow.taken_down && ' · taken down'}
      </span>
    </span>
  );
}

function MonthFigures({ figures }: { figures: Figures }) {
  return (
    <>
      {formatCents(figures.earned)}
      <span className="muted small flow-stats-sub">{plural(figures.copies, 'copy', 'copies')}</span>
    </>
  );
}

/** A sparkline of copies per day (decoration) and the change in copies against the equal range before (the text). */
function Trend({ trend, previousLabel }: { trend: FlowTrend; previousLabel: string }) {
  const { copies } = trend.range;
  const before = trend.previous.copies;
  let text: string;
  let direction: 'up' | 'down' | 'flat';
  if (copies === before) {
    direction = 'flat';
    text = copies === 0 ? 'no copies' : 'no change';
  } else if (before === 0) {
    direction = 'up';
    text = '▲ new';
  } else {
    const change = Math.round(((copies - before) / before) * 100);
    direction = copies > before ? 'up' : 'down';
    text = `${direction === 'up' ? '▲' : '▼'} ${Math.abs(change)} %`;
  }
  return (
    <span className={`flow-trend is-${direction}`} data-testid="flow-trend">
      <Sparkline values={trend.perDay} />
      <span title={`${plural(copies, 'copy', 'copies')} vs ${formatCount(before)} in ${previousLabel}`}>
        {text}
        <span className="visually-hidden">
          {' '}
          ({plural(copies, 'copy', 'copies')} vs {formatCount(before)} in {previousLabel})
        </span>
      </span>
    </span>
  );
}

const SPARK = { width: 72, height: 20 };

function Sparkline({ values }: { values: number[] }) {
  if (values.length < 2) return null;
  const max = Math.max(...values, 1);
  const step = SPARK.width / (values.length - 1);
  const points = values.map((value, index) => `${(index * step).toFixed(1)},${(SPARK.height - 1 - (value / max) * (SPARK.height - 2)).toFixed(1)}`).join(' ');
  return (
    <svg className="sparkline" width={SPARK.width} height={SPARK.height} viewBox={`0 0 ${SPARK.width} ${SPARK.height}`} aria-hidden="true" focusable="false">
      <polyline points={points} />
    </svg>
  );
}

