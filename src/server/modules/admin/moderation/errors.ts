import { AppError, ConflictError, NotFoundError } from '../../../errors.js';

export class ReportedFlowNotFoundError extends NotFoundError {
  constructor() {
    super('The flow');
  }
}

export class ReportNotFoundError extends NotFoundError {
  constructor() {
    super('The report');
  }
}

/** The unique key flow_reports_once_per_member_key decides: one report per member and flow. */
export class AlreadyReportedError extends ConflictError {
  constructor() {
    super('already-reported', 'Already reported', 'You already reported this flow; an operator will look at it.');
  }
}

/** 400, not 409: 409 on this route means only "already reported". */
export class OwnFlowReportError extends AppError {
  constructor() {
    super(400, 'own-flow-report', 'Your own flow', 'You cannot report your own flow: edit or archive it instead.');
  }
}

export class ReportAlreadyDecidedError extends ConflictError {
  constructor(status: string) {
    super('report-already-decided', 'Report already decided', `This report was already ${status}.`, { report_status: status });
  }
}

/** A deleted member's flows stay archived: publishing them again would show a flow nobody owns any more. */
export class AuthorDeletedError extends ConflictError {
  constructor() {
    super('author-deleted', 'Author deleted', 'The author deleted their account: this flow cannot be published again.');
  }
}
