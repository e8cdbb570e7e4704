import { BadRequestError, ConflictError } from '../../../errors.js';

export class InvoiceNotRefundableError extends ConflictError {
  constructor(invoiceId: string, why: string) {
    super('invoice-not-refundable', 'Invoice cannot be refunded', `Invoice ${invoiceId} cannot be refunded: ${why}.`);
  }
}

/** More than what is left to refund: the detail and `max_refundable_cents` name the maximum. */
export class RefundExceedsRefundableError extends ConflictError {
  constructor(maxRefundableCents: number, requestedCents: number) {
    super(
      'refund-exceeds-refundable',
      'Refund larger than what is left',
      maxRefundableCents > 0
        ? `At most ${maxRefundableCents} cents can still be refunded on this invoice (asked: ${requestedCents}).`
        : 'Nothing is left to refund on this invoice: it was refunded in full (max_refundable_cents is 0).',
      { max_refundable_cents: maxRefundableCents },
    );
  }
}

/** Stripe refused the refund (e.g. another refund took the rest first): nothing was refunded. */
export class RefundRefusedError extends ConflictError {
  constructor(reason: string, maxRefundableCents: number | undefined, refund: unknown) {
    super('refund-refused', 'Stripe refused the refund', `Stripe refused the refund: ${reason}`, {
      ...(maxRefundableCents === undefined ? {} : { max_refundable_cents: maxRefundableCents }),
      refund,
    });
  }
}

export class IdempotencyKeyReusedError extends ConflictError {
  constructor() {
    super(
      'idempotency-key-reused',
      'Idempotency key already used',
      'This Idempotency-Key was used for a different refund (another invoice or amount); use a new key for a new refund.',
    );
  }
}

export class BadIdempotencyKeyError extends BadRequestError {
  constructor() {
    super('The Idempotency-Key header must be 1 to 255 characters.');
  }
}
