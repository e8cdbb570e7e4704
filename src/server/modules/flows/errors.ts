import { ConflictError, ForbiddenError, NotFoundError } from '../../errors.js';

export class FlowNotFoundError extends NotFoundError {
  constructor() {
    super('The flow');
  }
}

export class NotFlowAuthorError extends ForbiddenError {
  constructor() {
    super('Only the flow’s author or an admin can change it.', 'not-flow-author', 'Not your flow');
  }
}

export class FeatureRequiresAdminError extends ForbiddenError {
  constructor() {
    super('Only admins can feature a flow.', 'admin-only', 'Admins only');
  }
}

/** SPEC §14: a flow an operator took down stays unpublished until an operator restores it. */
export class FlowTakenDownError extends ConflictError {
  constructor() {
    super(
      'flow-taken-down',
      'Flow taken down',
      'An operator took this flow down, so it cannot be published again. You can still edit it or keep it as a draft; contact support to have it reviewed and restored.',
    );
  }
}
