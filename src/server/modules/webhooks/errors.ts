import { AppError, BadRequestError, NotFoundError } from '../../errors.js';

/** Correctly signed, but not a Stripe event: nothing to store or retry. */
export class NotAnEventError extends BadRequestError {
  constructor(issues: string[]) {
    super(`The signed body is not a Stripe event: ${issues.join('; ')}.`, { issues });
  }
}

export class StoredEventNotFoundError extends NotFoundError {
  constructor(eventId: string) {
    super(`Stripe event ${eventId} (in the webhook inbox)`);
  }
}

/** A delivery whose processing failed: 500, so Stripe delivers it again (the sweep retries it too). */
export class EventNotProcessedError extends AppError {
  constructor() {
    super(500, 'event-not-processed', 'Event not processed yet', 'The event is stored and will be retried.');
  }
}
