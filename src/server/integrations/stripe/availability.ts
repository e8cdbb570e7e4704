import Stripe from 'stripe';

/** An error Stripe's SDK raised: Stripe answered with an error, or could not be reached. */
export function isStripeError(error: unknown): error is InstanceType<typeof Stripe.errors.StripeError> {
  return error instanceof Stripe.errors.StripeError;
}

/**
 * Stripe refused an idempotency key because it was first used with other parameters (not because a request with it
 * is still running: that is `idempotency_key_in_use`, and its twin will answer).
 */
export function isIdempotencyKeyReusedError(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeIdempotencyError;
}

/**
 * Stripe could not answer — unreachable, a 5xx, or rate limited — so the same request may well succeed later. A
 * webhook event failing this way is not at fault and does not become a dead letter.
 */
export function isStripeUnavailable(error: unknown): boolean {
  if (error instanceof Stripe.errors.StripeRateLimitError || error instanceof Stripe.errors.StripeConnectionError) return true;
  return error instanceof Stripe.errors.StripeError && (error.statusCode ?? 0) >= 500;
}
