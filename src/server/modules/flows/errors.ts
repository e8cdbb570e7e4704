import { ForbiddenError, NotFoundError } from '../../errors.js';

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
