import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { findDatabaseUnavailable, findDataException } from '../db/errors.js';
import { AppError, DatabaseUnavailableError, PaymentProviderRefusedError, PaymentProviderUnavailableError } from '../errors.js';
import { isStripeError, isStripeUnavailable } from '../integrations/stripe/availability.js';

const PROBLEM_BASE = 'https://flowtab.pro/problems/';

type Problem = { type: string; title: string; status: number; detail?: string; [extension: string]: unknown };

export function sendProblem(reply: FastifyReply, problem: Problem) {
  return reply.status(problem.status).type('application/problem+json').send({ ...problem, instance: reply.request.url });
}

/** Renders every error as application/problem+json; a 5xx never carries internals. */
export function registerErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // An outage is neither our bug nor the client's: a 503 it can act on, logged without the failed query.
    const outage = findDatabaseUnavailable(error);
    if (outage || error instanceof DatabaseUnavailableError) {
      if (outage) request.log.warn({ event: 'db.unavailable', code: outage.code, reason: outage.message }, 'database unavailable');
      const unavailable = error instanceof DatabaseUnavailableError ? error : new DatabaseUnavailableError();
      reply.header('retry-after', String(unavailable.retryAfterSeconds));
      return sendProblem(reply, { type: unavailable.type, title: unavailable.title, status: unavailable.status, detail: unavailable.message });
    }
    // A Stripe call made for the request failed, and its service did not turn that into an error of its own: a 503
    // when Stripe could not answer, a 502 when it refused (our request, not the client's), never Stripe's message.
    if (isStripeError(error)) {
      const unavailable = isStripeUnavailable(error);
      const stripe = { type: error.type, code: error.code, status: error.statusCode, request_id: error.requestId, message: error.message };
      if (unavailable) request.log.warn({ event: 'stripe.unavailable', stripe }, 'payment provider unavailable');
      else request.log.error({ event: 'stripe.refused', stripe }, 'payment provider refused a request');
      return sendAppError(reply, unavailable ? new PaymentProviderUnavailableError() : new PaymentProviderRefusedError());
    }
    if (error instanceof AppError) return sendAppError(reply, error);
    if (hasZodFastifySchemaValidationErrors(error)) {
      const errors = error.validation.map((issue) => ({
        location: error.validationContext ?? 'body',
        path: issue.instancePath || '/',
        message: issue.message,
      }));
      return sendProblem(reply, {
        type: `${PROBLEM_BASE}validation`,
        title: 'Invalid request',
        status: 400,
        detail: errors.map((e) => `${e.location}${e.path === '/' ? '' : e.path}: ${e.message}`).join('; '),
        errors,
      });
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error, event: 'http.response_invalid' }, 'response did not match its schema');
      return internalError(reply);
    }
    const status = error.statusCode ?? 500;
    if (status === 429) {
      return sendProblem(reply, { type: `${PROBLEM_BASE}rate-limited`, title: 'Too many requests', status, detail: error.message });
    }
    if (status >= 400 && status < 500) {
      // Fastify's own client errors: bad JSON, empty body, wrong content type, body too large.
      return sendProblem(reply, {
        type: `${PROBLEM_BASE}${error.code ? error.code.toLowerCase().replace(/^fst_err_/, '').replaceAll('_', '-') : 'bad-request'}`,
        title: status === 413 ? 'Request body too large' : status === 415 ? 'Unsupported media type' : 'Bad request',
        status,
        detail: error.message,
      });
    }
    // Safety net: the database refused a value (NUL, malformed uuid, too long...). The client sent bad input, but a
    // schema or the input guard should have caught it first: logged as an error so the gap gets fixed.
    const dataException = findDataException(error);
    if (dataException) {
      request.log.error({ err: error, event: 'http.input_reached_database', sqlstate: dataException }, 'the database refused a value from the request');
      return sendProblem(reply, {
        type: `${PROBLEM_BASE}bad-request`,
        title: 'Bad request',
        status: 400,
        detail: 'A value in the request cannot be stored or compared (invalid text, or out of range).',
      });
    }
    request.log.error({ err: error, event: 'http.internal_error' }, 'unhandled error');
    return internalError(reply);
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      type: `${PROBLEM_BASE}not-found`,
      title: 'Not found',
      status: 404,
      detail: `No route for ${request.method} ${request.url.split('?')[0]}.`,
    }),
  );
}

function sendAppError(reply: FastifyReply, error: AppError) {
  reply.headers(error.headers);
  return sendProblem(reply, { type: error.type, title: error.title, status: error.status, detail: error.message, ...error.extensions });
}

function internalError(reply: FastifyReply) {
  return sendProblem(reply, {
    type: `${PROBLEM_BASE}internal`,
    title: 'Internal server error',
    status: 500,
    detail: 'Something went wrong on our side. It has been logged; please try again.',
  });
}
