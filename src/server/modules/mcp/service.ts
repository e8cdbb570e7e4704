import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  type CallToolResult,
  ErrorCode,
  GetPromptRequestSchema,
  type GetPromptResult,
  ListPromptsRequestSchema,
  type ListPromptsResult,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from '../../context.js';
import { findDatabaseUnavailable } from '../../db/errors.js';
import { AppError, DatabaseUnavailableError } from '../../errors.js';
import { requireScope, type TokenScope } from '../tokens/personal-tokens.js';
import type { Viewer } from '../auth/viewer.js';
import { AlreadyCopiedError } from '../copies/errors.js';
import { recordCopy } from '../copies/service.js';
import type { CopyView } from '../copies/schemas.js';
import { type FlowListItem, flowListQuery, type FlowView } from '../flows/schemas.js';
import { getFlow, listFlows, resolveAccess } from '../flows/service.js';
import { formatCents } from '../ledger/money.js';
import { getMySubscription } from '../subscriptions/service.js';
import {
  copyFlowInput,
  copyFlowOutput,
  type FlowSummary,
  getFlowInput,
  getFlowOutput,
  myUsageOutput,
  PROMPTS_PAGE_SIZE,
  promptsCursor,
  SEARCH_PAGE_SIZE,
  searchFlowsInput,
  searchFlowsOutput,
} from './schemas.js';

/** The caller of one /mcp request: a member with an open session (a personal access token or a login). */
export type McpCaller = Viewer & { sessionId: string };

export type McpDependencies = { ctx: AppContext; log: FastifyBaseLogger; jsonSchemaValidator: jsonSchemaValidator };

/**
 * The Flowtab.Pro MCP server for one request (stateless: /mcp builds one per HTTP request, as the SDK's stateless
 * example does). Every tool calls the same service as its REST endpoint: search and get_flow the library's paywall,
 * copy_flow and prompts/get the copy endpoint's recordCopy (record_copy: same session check, dedupe, cap, earnings).
 */
export function createFlowtabMcpServer({ ctx, log, jsonSchemaValidator }: McpDependencies, caller: McpCaller): McpServer {
  const { economics } = ctx.config;
  const rate = formatCents(economics.ratePerCopyCents);
  const server = new McpServer(
    { name: 'flowtab', title: 'Flowtab.Pro', version: '1.0.0', websiteUrl: ctx.config.publicUrl },
    {
      capabilities: { prompts: {} },
      jsonSchemaValidator,
      instructions:
        'Flowtab.Pro is a library of flows: tested prompts and step-by-step recipes for browser AI agents. ' +
        'Find one with search_flows, read it with get_flow, and call copy_flow when you are going to use it: that returns ' +
        `the full text and counts as the user's copy, which pays the flow's creator (${rate} per paid copy of a premium flow). ` +
        'my_usage tells whether the user has a subscription and how many paid copies are left this billing period.',
    },
  );

  /** An answer the API would have given as problem+json, as a tool error carrying the same problem. */
  const run = async (scope: TokenScope, work: () => Promise<CallToolResult>): Promise<CallToolResult> => {
    try {
      requireScope(caller, scope);
      return await work();
    } catch (error) {
      return toolError(toProblem(error, log));
    }
  };

  server.registerTool(
    'search_flows',
    {
      title: 'Search flows',
      description:
        'Search the Flowtab.Pro library for a ready-made flow (a tested prompt or step-by-step recipe for a browser agent) ' +
        'that does what the user wants, e.g. research a LinkedIn profile, compare prices on Amazon, fill a form. Use it whenever ' +
        'the user asks for a flow, a prompt or a way to do a task on a website. Returns up to ' +
        `${SEARCH_PAGE_SIZE} flows per page (slug, title, summary, tags, sites, whether premium and whether locked for this user). ` +
        'Free, never counted. Next: get_flow to read one, copy_flow to use it.',
      inputSchema: searchFlowsInput,
      outputSchema: searchFlowsOutput.shape,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (input) =>
      run('flows:read', async () => {
        const query = flowListQuery.parse({
          q: input.query.trim() || undefined,
          tags: input.tags,
          works_with: input.works_with,
          premium: input.premium === undefined ? undefined : String(input.premium),
          sort: input.query.trim() ? 'relevance' : 'popular',
          page: input.page ?? 1,
          page_size: SEARCH_PAGE_SIZE,
        });
        const result = await listFlows(ctx.db, query, caller);
        const items = result.items.map((flow) => toSummary(flow, ctx.config.publicUrl));
        const structured = { items, total: result.total, page: result.page, has_more: result.has_more };
        const lines = items.map(
          (flow) =>
            `- ${flow.slug}: ${flow.title}${flow.is_premium ? (flow.locked ? ' [premium, locked: needs a subscription]' : ' [premium]') : ' [free]'}\n  ${flow.summary}`,
        );
        const text =
          items.length === 0
            ? 'No flows match. Try fewer or other words, or leave out tags and works_with.'
            : `${result.total} flow${result.total === 1 ? '' : 's'} match (page ${result.page}${result.has_more ? `; more with page ${result.page + 1}` : ''}):\n${lines.join('\n')}`;
        return { content: [{ type: 'text', text }], structuredContent: structured };
      }),
  );

  server.registerTool(
    'get_flow',
    {
      title: 'Read a flow',
      description:
        'Read one flow by its slug (from search_flows): summary, steps, pitfalls and text, as this user may see it. A premium ' +
        'flow is a preview (locked: true, the first steps and the start of the text) unless the user subscribes. Reading is ' +
        'not a copy and pays nobody: when you are going to follow the flow or hand its text over, call copy_flow.',
      inputSchema: getFlowInput,
      outputSchema: getFlowOutput.shape,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ slug }) =>
      run('flows:read', async () => {
        const flow = await getFlow(ctx.db, slug, caller);
        const url = flowUrl(ctx.config.publicUrl, flow.slug);
        return { content: [{ type: 'text', text: describeFlow(flow, url) }], structuredContent: { ...flow, url } };
      }),
  );

  server.registerTool(
    'copy_flow',
    {
      title: 'Copy a flow to use it',
      description:
        'Copy a flow to use it: returns its full text, exactly as the Copy button on Flowtab.Pro does, and counts as the ' +
        `user's copy. A premium flow copied by a subscriber earns its creator ${rate} (up to ${economics.paidCopiesPerPeriod} paid copies per ` +
        'billing period); free flows are never counted. Copying the same flow again in the same billing period is refused as a ' +
        'duplicate: the error still carries the text and nothing is counted twice. Premium flows need a subscription. ' +
        'Call it once for each flow you actually use.',
      inputSchema: copyFlowInput,
      outputSchema: copyFlowOutput.shape,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    ({ slug }) =>
      run('flows:copy', async () => {
        const copy = await copyAsCaller(slug, 'copy_flow');
        return { content: [{ type: 'text', text: describeCopy(copy, economics.ratePerCopyCents) }, { type: 'text', text: copy.text }], structuredContent: copy };
      }),
  );

  server.registerTool(
    'my_usage',
    {
      title: 'My subscription and copies',
      description:
        'The user’s Flowtab.Pro subscription (whether premium flows can be copied; its status and billing period) and this ' +
        'period’s usage: copies made and paid copies left. Use it before copying premium flows, or when the user asks about their plan.',
      outputSchema: myUsageOutput.shape,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    () =>
      run('flows:read', async () => {
        const usage = await getMySubscription(ctx, caller);
        const text = usage.is_subscriber
          ? `Subscribed (${usage.status}). This billing period: ${usage.copies_this_month} copies, ${usage.copies_remaining} of ${usage.paid_copies_per_period} paid copies left; the period ends ${usage.current_period_end}.`
          : `No subscription in good standing${usage.status ? ` (status: ${usage.status})` : ''}: free flows can be copied, premium flows only previewed. Subscribe at ${ctx.config.publicUrl}/pricing.`;
        return { content: [{ type: 'text', text }], structuredContent: usage };
      }),
  );

  // Prompts: every flow the caller may read, one page at a time; getting one is a copy (the same recordCopy).
  server.server.setRequestHandler(ListPromptsRequestSchema, async (request): Promise<ListPromptsResult> => {
    const page = parseCursor(request.params?.cursor);
    return guardPrompt('flows:read', async () => {
      const access = await resolveAccess(ctx.db, caller);
      const readsPremium = access.isSubscriber || caller.role === 'admin';
      const query = flowListQuery.parse({ sort: 'popular', page, page_size: PROMPTS_PAGE_SIZE, premium: readsPremium ? undefined : 'false' });
      const result = await listFlows(ctx.db, query, caller);
      return {
        prompts: result.items
          .filter((flow) => !flow.locked)
          .map((flow) => ({
            name: flow.slug,
            title: flow.title,
            description: `${flow.summary} (Using it counts as a copy${flow.is_premium ? ` and pays its creator ${rate}` : ''}.)`,
          })),
        ...(result.has_more ? { nextCursor: `p${page + 1}` } : {}),
      };
    });
  });

  server.server.setRequestHandler(GetPromptRequestSchema, async (request): Promise<GetPromptResult> =>
    guardPrompt('flows:copy', async () => {
      try {
        const copy = await copyAsCaller(request.params.name, 'prompts/get');
        return { description: describeCopy(copy, economics.ratePerCopyCents), messages: [{ role: 'user', content: { type: 'text', text: copy.text } }] };
      } catch (error) {
        // As the Copy button does: a flow copied already this period is handed over again, and not counted again.
        if (!(error instanceof AlreadyCopiedError) || typeof error.extensions.text !== 'string') throw error;
        return {
          description: 'Already copied this billing period: not counted again.',
          messages: [{ role: 'user', content: { type: 'text', text: error.extensions.text } }],
        };
      }
    }),
  );

  async function copyAsCaller(ref: string, via: 'copy_flow' | 'prompts/get'): Promise<CopyView> {
    const copy = await recordCopy(ctx.copyRecorder, { userId: caller.id, sessionId: caller.sessionId }, ref);
    log.info({ event: 'copy.recorded', copy_id: copy.id, flow_id: copy.flow_id, user_id: caller.id, counted: copy.counted_for_payout, via: `mcp.${via}` }, 'copy recorded');
    return copy;
  }

  /** prompts/* have no tool errors: a refusal is a JSON-RPC error whose data is the problem document. */
  async function guardPrompt<T>(scope: TokenScope, work: () => Promise<T>): Promise<T> {
    try {
      requireScope(caller, scope);
      return await work();
    } catch (error) {
      const problem = toProblem(error, log);
      const code = problem.status === 404 ? ErrorCode.InvalidParams : problem.status >= 500 ? ErrorCode.InternalError : ErrorCode.InvalidRequest;
      throw new McpError(code, `${problem.title}: ${problem.detail}`, problem);
    }
  }

  return server;
}

type Problem = { type: string; title: string; status: number; detail: string; [extension: string]: unknown };

/** The same problem document the REST API would answer; internals of unexpected failures are logged, never sent. */
function toProblem(error: unknown, log: FastifyBaseLogger): Problem {
  if (error instanceof McpError) throw error;
  if (error instanceof AppError) return { type: error.type, title: error.title, status: error.status, detail: error.message, ...error.extensions };
  if (error instanceof DatabaseUnavailableError || findDatabaseUnavailable(error)) {
    const unavailable = new DatabaseUnavailableError();
    return { type: unavailable.type, title: unavailable.title, status: 503, detail: unavailable.message, retry_after_seconds: unavailable.retryAfterSeconds };
  }
  if (isZodError(error)) {
    return { type: 'https://flowtab.pro/problems/validation', title: 'Invalid request', status: 400, detail: error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('; ') };
  }
  log.error({ err: error, event: 'mcp.internal_error' }, 'unhandled error in an MCP request');
  return { type: 'https://flowtab.pro/problems/internal', title: 'Internal server error', status: 500, detail: 'Something went wrong on our side. It has been logged; please try again.' };
}

function isZodError(error: unknown): error is { issues: { path: PropertyKey[]; message: string }[] } {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'ZodError' && Array.isArray((error as { issues?: unknown }).issues);
}

function toolError(problem: Problem): CallToolResult {
  return {
    isError: true,
    content: [
      { type: 'text', text: `${problem.title} (${problem.status}): ${problem.detail}` },
      { type: 'text', text: JSON.stringify(problem) },
    ],
  };
}

function parseCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 1;
  const parsed = promptsCursor.safeParse(cursor);
  if (!parsed.success) throw new McpError(ErrorCode.InvalidParams, 'Invalid cursor: pass the nextCursor of the previous prompts/list answer.');
  return parsed.data;
}

function flowUrl(publicUrl: string, slug: string): string {
  return `${publicUrl}/flows/${encodeURIComponent(slug)}`;
}

function toSummary(flow: FlowListItem, publicUrl: string): FlowSummary {
  return {
    slug: flow.slug,
    title: flow.title,
    summary: flow.summary,
    tags: flow.tags,
    works_with: flow.works_with,
    target_sites: flow.target_sites,
    is_premium: flow.is_premium,
    locked: flow.locked,
    author: flow.author.username,
    copy_count: flow.copy_count,
    url: flowUrl(publicUrl, flow.slug),
  };
}

/** A flow as Markdown for the model: what it is, its steps and pitfalls, and its text (or the preview, said so). */
function describeFlow(flow: FlowView, url: string): string {
  const parts = [`# ${flow.title}`, flow.summary, `Slug: ${flow.slug} · by ${flow.author.username} · ${flow.is_premium ? 'premium' : 'free'} · ${url}`];
  if (flow.locked) {
    parts.push('LOCKED: this is a preview. The full text needs a Flowtab.Pro subscription; copy_flow will be refused until the user subscribes.');
  }
  if (flow.steps.length > 0) parts.push(`## Steps\n${flow.steps.map((step, i) => `${i + 1}. ${step}`).join('\n')}${flow.locked ? '\n…' : ''}`);
  if (flow.notes.length > 0) parts.push(`## Pitfalls\n${flow.notes.map((note) => `- ${note}`).join('\n')}`);
  if (flow.works_with.length > 0) parts.push(`Works with: ${flow.works_with.join(', ')}`);
  parts.push(`## ${flow.locked ? 'Text (preview)' : 'Text'}\n${flow.body}`);
  return parts.join('\n\n');
}

function describeCopy(copy: CopyView, ratePerCopyCents: number): string {
  const counted = copy.counted_for_payout
    ? `Counted: the creator earned ${formatCents(ratePerCopyCents)}; ${copy.copies_remaining} paid copies left this billing period.`
    : 'Not counted for payout (a free flow, the user’s own, or past the paid copies of this period).';
  return `Copied. ${counted} The flow’s text follows; follow it as written.`;
}
