import { ConflictError } from '../../../errors.js';

export class PayoutNotFailedError extends ConflictError {
  constructor(status: string) {
    super('payout-not-failed', 'Only a failed payout can be retried', `This payout is ${status}; only a failed payout can be retried.`, { payout_status: status });
  }
}

/** The failed payout was retried before: one retry per failed payout, so its money is never sent twice. */
export class PayoutAlreadyRetriedError extends ConflictError {
  constructor(retryPayoutId: string) {
    super('payout-already-retried', 'Already retried', 'This failed payout was already retried; see the payout it made.', { retry_payout_id: retryPayoutId });
  }
}

export class NothingToRetryError extends ConflictError {
  constructor(why: string, extensions: Record<string, unknown> = {}) {
    super('nothing-to-retry', 'Nothing to pay out', why, extensions);
  }
}

export class EventNotDeadError extends ConflictError {
  constructor(eventId: string, state: 'processed' | 'pending') {
    super(
      'event-not-dead',
      'Not a dead letter',
      state === 'processed'
        ? `Event ${eventId} was processed already; there is nothing to retry.`
        : `Event ${eventId} is not a dead letter: it is still retried automatically.`,
      { state },
    );
  }
}
