import type { Db, Tx } from '../../db/client.js';
import type { Viewer } from '../auth/viewer.js';
import { createExpiringMap, type ExpiringMap } from '../../expiring-map.js';
import { requireVerifiedEmail } from '../auth/service.js';
import { hasGoodStandingSubscription } from '../subscriptions/repository.js';
import { FeatureRequiresAdminError, FlowNotFoundError, FlowTakenDownError, NotFlowAuthorError } from './errors.js';
import {
  deleteLike,
  type FlowListRow,
  type FlowWithAuthor,
  findFlowByRef,
  findLikeState,
  insertLike,
  insertFlowWithFreeSlug,
  listPublishedFlows,
  listTags,
  setFlowDates,
  updateFlow,
} from './repository.js';
import type { FlowInput, FlowListItem, FlowListQuery, FlowPatch, FlowView } from './schemas.js';

const PREVIEW_STEPS = 2;

export function slugify(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return slug || 'flow';
}

/** Which premium bodies the viewer may read: computed once per request, then applied to every flow. */
export type Access = { viewer: Viewer | undefined; isSubscriber: boolean };

/**
 * Subscribers in good standing as this process last found them, by database handle and member, until when. The
 * paywall asks on every request a member makes, and the look-up was a fifth of a subscriber's search (a second round
 * trip). Only a yes is kept, for as long as http/viewer.ts keeps a session: a member who subscribes reads at once, and
 * one whose subscription ends (cancelled, unpaid, refunded) still reads premium bodies here for at most
 * SUBSCRIBER_KEPT_MS. Copies never ask this: a copy decides its standing in its own transaction (copies/).
 */
const SUBSCRIBER_KEPT_MS = 4_000;
const SUBSCRIBERS_KEPT = 20_000;
const subscribersSeen = new WeakMap<Db, ExpiringMap<string, true>>();

export async function resolveAccess(db: Db, viewer: Viewer | undefined, now = Date.now()): Promise<Access> {
  if (!viewer) return { viewer, isSubscriber: false };
  let seen = subscribersSeen.get(db);
  if (seen?.get(viewer.id, now)) return { viewer, isSubscriber: true };
  if (!(await hasGoodStandingSubscription(db, viewer.id))) return { viewer, isSubscriber: false };
  if (!seen) subscribersSeen.set(db, (seen = createExpiringMap<string, true>(SUBSCRIBERS_KEPT)));
  seen.set(viewer.id, true, now + SUBSCRIBER_KEPT_MS);
  return { viewer, isSubscriber: true };
}

export function canReadBody(flow: Pick<FlowWithAuthor, 'isPremium' | 'authorId'>, access: Access): boolean {
  if (!flow.isPremium) return true;
  const { viewer } = access;
  return access.isSubscriber || viewer?.role === 'admin' || viewer?.id === flow.authorId;
}

/** The paywall: a premium flow's full text only for subscribers, its author and admins; others get a preview. */
export function toFlowView(flow: FlowWithAuthor, access: Access): FlowView {
  const isLocked = !canReadBody(flow, access);
  return {
    id: flow.id,
    slug: flow.slug,
    title: flow.title,
    summary: flow.summary,
    body: isLocked ? flow.bodyPreview : flow.body,
    steps: isLocked ? flow.steps.slice(0, PREVIEW_STEPS) : flow.steps,
    notes: isLocked ? [] : flow.notes,
    target_sites: flow.targetSites,
    works_with: flow.worksWith,
    tags: flow.tags,
    is_premium: flow.isPremium,
    featured: flow.featured,
    status: flow.status,
    author: { id: flow.authorId, username: flow.authorUsername },
    copy_count: flow.copyCount,
    like_count: flow.likeCount,
    liked_by_me: flow.likedByMe,
    taken_down: flow.takenDownAt !== null,
    created_at: flow.createdAt.toISOString(),
    updated_at: flow.updatedAt.toISOString(),
    locked: isLocked,
  };
}

function isVisibleTo(flow: FlowWithAuthor, viewer: Viewer | undefined): boolean {
  switch (flow.status) {
    case 'published':
      return true;
    case 'draft':
    case 'archived':
      return viewer?.role === 'admin' || viewer?.id === flow.authorId;
  }
}

export async function getFlow(db: Db, ref: string, viewer: Viewer | undefined): Promise<FlowView> {
  const flow = await findFlowByRef(db, ref, viewer?.id);
  if (!flow || !isVisibleTo(flow, viewer)) throw new FlowNotFoundError();
  return toFlowView(flow, await resolveAccess(db, viewer));
}

/** A list item: the card's fields, and whether the caller could read the whole flow. */
function toFlowListItem(flow: FlowListRow, access: Access): FlowListItem {
  return {
    id: flow.id,
    slug: flow.slug,
    title: flow.title,
    summary: flow.summary,
    target_sites: flow.targetSites,
    works_with: flow.worksWith,
    tags: flow.tags,
    is_premium: flow.isPremium,
    featured: flow.featured,
    status: flow.status,
    author: { id: flow.authorId, username: flow.authorUsername },
    copy_count: flow.copyCount,
    like_count: flow.likeCount,
    liked_by_me: flow.likedByMe,
    taken_down: flow.takenDownAt !== null,
    created_at: flow.createdAt.toISOString(),
    updated_at: flow.updatedAt.toISOString(),
    locked: !canReadBody(flow, access),
  };
}

export async function listFlows(db: Db, query: FlowListQuery, viewer: Viewer | undefined) {
  const access = await resolveAccess(db, viewer);
  const scope = { readsEveryBody: access.isSubscriber || viewer?.role === 'admin', authorId: viewer?.id };
  const { rows, hasMore, total, totalIsExact } = await listPublishedFlows(db, query, scope);
  return {
    items: rows.map((flow) => toFlowListItem(flow, access)),
    total,
    total_is_exact: totalIsExact,
    page: query.page,
    page_size: query.page_size,
    has_more: hasMore,
  };
}

export async function createFlow(tx: Tx, viewer: Viewer, input: FlowInput): Promise<FlowView> {
  if (input.featured && viewer.role !== 'admin') throw new FeatureRequiresAdminError();
  if (input.status === 'published') await requireVerifiedEmail(tx, viewer.id, 'publish flows');
  const now = new Date();
  const row = await insertFlowWithFreeSlug(
    tx,
    {
      title: input.title,
      summary: input.summary,
      body: input.body,
      steps: input.steps,
      notes: input.notes,
      targetSites: input.target_sites,
      worksWith: input.works_with,
      tags: input.tags,
      isPremium: input.is_premium,
      featured: input.featured ?? false,
      status: input.status,
      authorId: viewer.id,
      publishedAt: input.status === 'published' ? now : null,
    },
    slugify(input.title),
  );
  return getFlow(tx, row.id, viewer);
}

export async function editFlow(tx: Tx, viewer: Viewer, ref: string, patch: FlowPatch): Promise<FlowView> {
  const flow = await findEditableFlow(tx, viewer, ref);
  if (patch.featured !== undefined && viewer.role !== 'admin') throw new FeatureRequiresAdminError();
  // A taken-down flow is restored by an operator (the admin console), never republished here (SPEC §14).
  if (patch.status === 'published' && flow.takenDownAt !== null) throw new FlowTakenDownError();
  // Publishing needs the author's proven address (SPEC §13); an admin publishing someone else's flow is moderation.
  if (patch.status === 'published' && flow.status !== 'published' && viewer.id === flow.authorId) {
    await requireVerifiedEmail(tx, viewer.id, 'publish flows');
  }
  const changes = {
    title: patch.title,
    summary: patch.summary,
    body: patch.body,
    steps: patch.steps,
    notes: patch.notes,
    targetSites: patch.target_sites,
    worksWith: patch.works_with,
    tags: patch.tags,
    isPremium: patch.is_premium,
    featured: patch.featured,
    status: patch.status,
    publishedAt: patch.status === 'published' && !flow.publishedAt ? new Date() : undefined,
  };
  // The CHECK flows_taken_down_check decides when an operator takes the flow down while this edit runs.
  if ((await updateFlow(tx, flow.id, changes)) === 'taken_down') throw new FlowTakenDownError();
  return getFlow(tx, flow.id, viewer);
}

/** For the demo seed: the flow reads as published at `at` (the library's "new" order follows it). */
export async function backdateFlow(tx: Tx, flowId: string, at: Date): Promise<void> {
  await setFlowDates(tx, flowId, at);
}

/** Deleting archives: copies and the earnings they made are kept (SPEC §2). */
export async function archiveFlow(tx: Tx, viewer: Viewer, ref: string): Promise<FlowView> {
  const flow = await findEditableFlow(tx, viewer, ref);
  if (flow.status !== 'archived') await updateFlow(tx, flow.id, { status: 'archived' });
  return getFlow(tx, flow.id, viewer);
}

async function findEditableFlow(db: Db, viewer: Viewer, ref: string): Promise<FlowWithAuthor> {
  const flow = await findFlowByRef(db, ref);
  if (!flow || !isVisibleTo(flow, viewer)) throw new FlowNotFoundError();
  if (viewer.role !== 'admin' && viewer.id !== flow.authorId) throw new NotFlowAuthorError();
  return flow;
}

/** PUT /v1/flows/{ref}/like: members like published flows, once each (SPEC §15). */
export async function likeFlow(tx: Tx, viewer: Viewer, ref: string) {
  const liked = await insertLike(tx, ref, viewer.id);
  if (!liked) throw new FlowNotFoundError();
  return toLikeView(await findLikeState(tx, liked.flowId, viewer.id));
}

/** DELETE /v1/flows/{ref}/like: the like goes, if there was one. */
export async function unlikeFlow(tx: Tx, viewer: Viewer, ref: string) {
  const unliked = await deleteLike(tx, ref, viewer.id);
  if (!unliked) throw new FlowNotFoundError();
  return toLikeView(await findLikeState(tx, unliked.flowId, viewer.id));
}

function toLikeView(state: { likeCount: number; likedByMe: boolean }) {
  return { like_count: state.likeCount, liked_by_me: state.likedByMe };
}

/**
 * Counting the tags reads every published flow (a quarter of a second at 100,000), and the library page asks on every visit:
 * each process answers from its last count for TAG_COUNTS_TTL_MS, and requests that come while a count runs share it.
 * A flow published meanwhile shows in the counts within that time. A count that fails is not kept.
 */
const TAG_COUNTS_TTL_MS = 60_000;
const tagCounts = new WeakMap<Db, { until: number; items: Promise<{ tag: string; count: number }[]> }>();

export async function getTags(db: Db, now = Date.now()) {
  const known = tagCounts.get(db);
  if (known && known.until > now) return { items: await known.items };
  const items = listTags(db);
  tagCounts.set(db, { until: now + TAG_COUNTS_TTL_MS, items });
  items.catch(() => {
    if (tagCounts.get(db)?.items === items) tagCounts.delete(db);
  });
  return { items: await items };
}
