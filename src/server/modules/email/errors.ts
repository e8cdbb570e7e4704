import { AppError } from '../../errors.js';

export class InvalidUnsubscribeTokenError extends AppError {
  constructor() {
    super(400, 'invalid-unsubscribe-link', 'Invalid unsubscribe link', 'This unsubscribe link is not valid. Use the link from your latest summary email.');
  }
}
