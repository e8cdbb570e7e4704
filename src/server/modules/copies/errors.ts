import { ConflictError, ForbiddenError, TooManyRequestsError } from '../../errors.js';

export type CopyCounts = { copies_this_month: number; copies_remaining: number; period_end: string | null };

export class SubscriptionRequiredError extends ForbiddenError {
  constructor() {
    super('Premium subscription required: subscribe to read and copy premium flows.', 'subscription-required', 'Premium subscription required', {
      upgrade_url: '/pricing',
    });
  }
}

export class SubscriptionPastDueError extends ForbiddenError {
  constructor(status: string) {
    super(
      `Premium subscription required: your subscription is ${status.replace('_', ' ')}. Update your payment method in the billing portal (POST /v1/subscriptions/portal) to restore access.`,
      'subscription-past-due',
      'Premium subscription required',
      { subscription_status: status, portal_endpoint: '/v1/subscriptions/portal' },
    );
  }
}

export class AlreadyCopiedError extends ConflictError {
  constructor(counts: CopyCounts & { text: string; flow_id: string }) {
    super('already-copied', 'Already copied this period', 'You already copied this flow in this billing period; it was not counted again.', counts);
  }
}

export class CopyLimitError extends TooManyRequestsError {
  constructor(counts: CopyCounts) {
    super('copy-limit', 'Copy limit reached', 'You reached the fair-use copy limit for this billing period.', counts);
  }
}

export class CopyRateLimitError extends TooManyRequestsError {
  constructor(retryAt: Date) {
    const seconds = Math.max(1, Math.ceil((retryAt.getTime() - Date.now()) / 1000));
    super('rate-limited', 'Too many requests', `Too many copies in a minute; try again in ${seconds} s.`, { retry_after_seconds: seconds });
    this.headers = { 'retry-after': String(seconds) };
  }
}
