import { ConflictError, ForbiddenError } from '../../../errors.js';

export class AccountDeletedError extends ConflictError {
  constructor() {
    super('account-deleted', 'Account deleted', 'This account was deleted: its status, role and payouts can no longer be changed.');
  }
}

/** The console never takes an admin's own access away (it could lose its last admin by accident): another admin must. */
export class OwnAccountError extends ConflictError {
  constructor() {
    super(
      'own-account',
      'Not on your own account',
      'You cannot suspend, demote or pause the payouts of your own account; ask another admin (so the console always keeps an admin).',
    );
  }
}

/** The acting admin was demoted or suspended a moment ago (their session still remembered the old role). */
export class NoLongerAdminError extends ForbiddenError {
  constructor() {
    super('Only admins can do this.', 'admin-only', 'Admins only');
  }
}
