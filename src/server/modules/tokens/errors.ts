import { NotFoundError } from '../../http/errors.js';

export class TokenNotFoundError extends NotFoundError {
  constructor() {
    super('The token');
  }
}
