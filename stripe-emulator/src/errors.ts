// Stripe's error envelope: {error: {type, code, message, param, ...}} with Stripe's HTTP statuses.

export type StripeErrorType =
  | 'invalid_request_error'
  | 'card_error'
  | 'api_error'
  | 'idempotency_error'
  | 'authentication_error';

export class StripeError extends Error {
  readonly status: number;
  readonly type: StripeErrorType;
  readonly code: string | undefined;
  readonly param: string | undefined;
  readonly extra: Record<string, unknown>;

  constructor(
    status: number,
    type: StripeErrorType,
    message: string,
    options: { code?: string; param?: string; extra?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.status = status;
    this.type = type;
    this.code = options.code;
    this.param = options.param;
    this.extra = options.extra ?? {};
  }

  toJSON(): { error: Record<string, unknown> } {
    const error: Record<string, unknown> = { type: this.type, message: this.message };
    if (this.code !== undefined) error.code = this.code;
    if (this.param !== undefined) error.param = this.param;
    if (this.code !== undefined) error.doc_url = `https://stripe.com/docs/error-codes/${this.code.replaceAll('_', '-')}`;
    return { error: { ...error, ...this.extra } };
  }
}

export function notFound(kind: string, id: string, param = 'id'): StripeError {
  return new StripeError(404, 'invalid_request_error', `No such ${kind}: '${id}'`, { code: 'resource_missing', param });
}

export function missingParam(param: string): StripeError {
  return new StripeError(400, 'invalid_request_error', `Missing required param: ${param}.`, {
    code: 'parameter_missing',
    param,
  });
}

export function invalidParam(param: string, message: string, code = 'parameter_invalid_string'): StripeError {
  return new StripeError(400, 'invalid_request_error', message, { code, param });
}

export function badRequest(message: string, code?: string, param?: string): StripeError {
  return new StripeError(400, 'invalid_request_error', message, {
    ...(code ? { code } : {}),
    ...(param ? { param } : {}),
  });
}
