import { isUtf8 } from 'node:buffer';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './error-handler.js';
import { AppError } from '../errors.js';

type InvalidText = { location: 'path' | 'querystring' | 'params' | 'body'; path: string; message: string };

/** Same shape as a schema validation problem (errors: [{location, path, message}]), so clients read one format. */
export class InvalidTextError extends AppError {
  constructor(problem: InvalidText) {
    super(400, 'validation', 'Invalid request', `${problem.location}${problem.path === '/' ? '' : problem.path}: ${problem.message}`, {
      errors: [problem],
    });
  }
}

const NUL_MESSAGE = 'must not contain NUL characters (U+0000)';
const UTF8_MESSAGE = 'must be valid UTF-8';
const UNICODE_MESSAGE = 'must be valid Unicode text (no lone surrogates)';

/**
 * Text that PostgreSQL cannot store or that is not text at all is refused at the edge, for every route at once:
 * NUL (text columns reject it, SQLSTATE 22021), invalid UTF-8 in the URL or a JSON body, and lone UTF-16 surrogates
 * (`"\ud800"` in JSON, which the driver would silently turn into U+FFFD). 400 problem+json naming the field.
 */
export function registerInputGuard(app: FastifyInstance) {
  // The router refuses invalid UTF-8 in the path (rejectBadUrl) and NUL in a path parameter is checked with the
  // params below; the query string is parsed leniently, so its raw bytes are checked here.
  app.addHook('onRequest', async (request) => {
    const problem = findInvalidQuery(request.raw.url ?? '/');
    if (problem) throw new InvalidTextError(problem);
  });
  app.addHook('preValidation', async (request) => {
    const problem =
      findInvalidText(request.params, 'params') ?? findInvalidText(request.query, 'querystring') ?? findInvalidText(request.body, 'body');
    if (problem) throw new InvalidTextError(problem);
  });
  // Fastify's JSON parser decodes invalid UTF-8 into U+FFFD without a word; check the bytes first.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (!isUtf8(bytes)) return done(new InvalidTextError({ location: 'body', path: '/', message: UTF8_MESSAGE }), undefined);
    return parseJson(request, bytes.toString('utf8'), done);
  });
}

/** Fastify's `frameworkErrors`: a path that is not valid percent-encoded UTF-8, or a too long path parameter. */
export function rejectBadUrl(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const [status, message] =
    error.code === 'FST_ERR_BAD_URL' ? [400, UTF8_MESSAGE] : error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? [414, 'a segment is too long'] : [400, error.message];
  // The reply is sent here; a framework error handler returns nothing (the reply is a thenable, not a result).
  void sendProblem(reply, {
    type: 'https://flowtab.pro/problems/validation',
    title: 'Invalid request',
    status,
    detail: `path: ${message}`,
    errors: [{ location: 'path', path: '/', message }],
  });
}

/** Each query parameter's name and value as bytes: the parsed query has already replaced invalid UTF-8 with U+FFFD. */
function findInvalidQuery(url: string): InvalidText | undefined {
  const queryStart = url.indexOf('?');
  if (queryStart < 0 || !/[%\0]/.test(url.slice(queryStart))) return undefined;
  for (const pair of url.slice(queryStart + 1).split('&')) {
    const [key = '', value = ''] = pair.split(/=(.*)/s);
    const keyBytes = percentDecode(key);
    const name = keyBytes.includes(0) || !isUtf8(keyBytes) ? '' : escapePointer(keyBytes.toString('utf8'));
    for (const bytes of [keyBytes, percentDecode(value)]) {
      if (bytes.includes(0)) return { location: 'querystring', path: `/${name}`, message: NUL_MESSAGE };
      if (!isUtf8(bytes)) return { location: 'querystring', path: `/${name}`, message: UTF8_MESSAGE };
    }
  }
  return undefined;
}

/** The bytes a percent-encoded URL part stands for (`%` not followed by two hex digits is a literal `%`). */
function percentDecode(part: string): Buffer {
  const bytes = Buffer.allocUnsafe(Buffer.byteLength(part));
  let length = 0;
  for (let i = 0; i < part.length; ) {
    const code = part.charCodeAt(i);
    if (code === 0x25 && isHexDigit(part.charCodeAt(i + 1)) && isHexDigit(part.charCodeAt(i + 2))) {
      bytes[length++] = Number.parseInt(part.slice(i + 1, i + 3), 16);
      i += 3;
    } else if (code < 0x80) {
      bytes[length++] = code;
      i += 1;
    } else {
      const char = String.fromCodePoint(part.codePointAt(i)!);
      length += bytes.write(char, length);
      i += char.length;
    }
  }
  return bytes.subarray(0, length);
}

const isHexDigit = (code: number) => (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function textProblem(text: string): string | undefined {
  if (text.includes('\0')) return NUL_MESSAGE;
  if (LONE_SURROGATE.test(text)) return UNICODE_MESSAGE;
  return undefined;
}

type Visit = { value: unknown; segment: string; parent: Visit | undefined };

/** Every string (and object key) in parsed input, without recursion: a deeply nested body cannot overflow the stack. */
function findInvalidText(value: unknown, location: InvalidText['location']): InvalidText | undefined {
  const pending: Visit[] = [{ value, segment: '', parent: undefined }];
  // The JSON Pointer of a visit, built only for the one that is reported.
  const pointer = (visit: Visit, key?: string): string => {
    const segments = key === undefined ? [] : [key];
    for (let at: Visit | undefined = visit; at?.parent; at = at.parent) segments.push(at.segment);
    return segments.length > 0 ? `/${segments.reverse().join('/')}` : '/';
  };
  for (let visit = pending.pop(); visit; visit = pending.pop()) {
    const current = visit.value;
    if (typeof current === 'string') {
      const message = textProblem(current);
      if (message) return { location, path: pointer(visit), message };
    } else if (Array.isArray(current)) {
      current.forEach((item, index) => pending.push({ value: item, segment: String(index), parent: visit }));
    } else if (typeof current === 'object' && current !== null && !Buffer.isBuffer(current)) {
      for (const [key, item] of Object.entries(current)) {
        const message = textProblem(key);
        if (message) return { location, path: pointer(visit, escapePointer(key)), message: `field names ${message}` };
        pending.push({ value: item, segment: escapePointer(key), parent: visit });
      }
    }
  }
  return undefined;
}

/** A JSON Pointer segment (RFC 6901), with anything unprintable shown as an escape so the problem stays readable. */
function escapePointer(key: string): string {
  return JSON.stringify(key.replaceAll('~', '~0').replaceAll('/', '~1')).slice(1, -1);
}
