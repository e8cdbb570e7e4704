import { AppError, ConflictError } from '../../http/errors.js';

export class AccountTakenError extends ConflictError {
  constructor(field: 'email' | 'username') {
    super('account-taken', 'Account already exists', `An account with this ${field} already exists.`, { field });
  }
}

export class InvalidCredentialsError extends AppError {
  constructor() {
    super(401, 'invalid-credentials', 'Invalid credentials', 'The login or password is wrong.');
  }
}
