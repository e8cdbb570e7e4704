import { NotFoundError } from '../../errors.js';

export class TokenNotFoundError extends NotFoundError {
  constructor() {
    super('The token');
  }
}
