import { badRequest, invalidParam, missingParam, notFound, StripeError } from '../errors.js';
import type { FormObject, FormValue } from '../form.js';
import type { Store, StripeObject } from '../store.js';

// Parameter readers that fail the way Stripe does (400 with `param`), list pagination and `expand`.

export type Params = FormObject;

export type Settings = {
  baseUrl: () => string;
  /** days after the first failed attempt when a renewal invoice is retried */
  retryDays: number[];
  /** what happens to the subscription after the last retry fails */
  afterFinalFailure: 'cancel' | 'unpaid';
  /** The platform account's public business name: what the hosted pages show as the merchant (Stripe's Public details). */
  businessName: string;
};

export type Ctx = { store: Store; settings: Settings };

export function allowParams(params: Params, allowed: string[]): void {
  for (const key of Object.keys(params)) {
    if (key === 'expand' || allowed.includes(key)) continue;
    throw new StripeError(400, 'invalid_request_error', `Received unknown parameter: ${key}`, {
      code: 'parameter_unknown',
      param: key,
    });
  }
}

export function optString(params: Params, key: string): string | undefined {
  const value = params[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidParam(key, `Invalid string: ${JSON.stringify(value)}`);
  return value;
}

export function reqString(params: Params, key: string): string {
  const value = optString(params, key);
  if (value === undefined || value === '') throw missingParam(key);
  return value;
}

export function optInt(params: Params, key: string): number | undefined {
  const value = params[key];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) {
    throw invalidParam(key, `Invalid integer: ${typeof value === 'string' ? value : JSON.stringify(value)}`, 'parameter_invalid_integer');
  }
  return Number(value);
}

export function reqInt(params: Params, key: string): number {
  const value = optInt(params, key);
  if (value === undefined) throw missingParam(key);
  return value;
}

export function optBool(params: Params, key: string): boolean | undefined {
  const value = params[key];
  if (value === undefined || value === '') return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalidParam(key, `Invalid boolean: ${typeof value === 'string' ? value : JSON.stringify(value)}`, 'parameter_invalid_boolean');
}

export function optObject(params: Params, key: string): Params | undefined {
  const value = params[key];
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string' || Array.isArray(value)) throw invalidParam(key, `Invalid object`, 'parameter_invalid_object');
  return value;
}

export function optArray(params: Params, key: string): FormValue[] | undefined {
  const value = params[key];
  if (value === undefined || value === '') return undefined;
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return [value];
  throw invalidParam(key, `Invalid array`, 'parameter_invalid_array');
}

export function asParams(value: FormValue | undefined, param: string): Params {
  if (value === undefined || typeof value === 'string' || Array.isArray(value)) {
    throw invalidParam(param, `Invalid object`, 'parameter_invalid_object');
  }
  return value;
}

/** Stripe metadata: string values; an empty string deletes a key; `metadata=` clears all. */
export function applyMetadata(current: Record<string, string>, params: Params): Record<string, string> {
  const value = params.metadata;
  if (value === undefined) return current;
  if (value === '') return {};
  if (typeof value === 'string' || Array.isArray(value)) throw invalidParam('metadata', 'Invalid object', 'parameter_invalid_object');
  const next = { ...current };
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw invalidParam(`metadata[${key}]`, 'Metadata values must be strings');
    if (v === '') delete next[key];
    else next[key] = v;
  }
  return next;
}

export function metadataParam(value: FormValue | undefined): Record<string, string> {
  if (value === undefined || typeof value === 'string' || Array.isArray(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string' && v !== '') out[k] = v;
  return out;
}

export function getOrThrow<T extends StripeObject>(store: Store, id: string, object: string, kind: string, param = 'id'): T {
  const found = store.find<T>(id, object);
  if (!found) throw notFound(kind, id, param);
  return found;
}

export type ListEnvelope<T> = { object: 'list'; data: T[]; has_more: boolean; url: string };

/** `created` filter: `created=N` or `created[gte]=N` etc. */
export function matchesCreated(params: Params, created: number | undefined): boolean {
  const filter = params.created;
  if (filter === undefined || created === undefined) return true;
  if (typeof filter === 'string') return created === Number(filter);
  if (Array.isArray(filter)) return true;
  const bound = (k: string) => (typeof filter[k] === 'string' ? Number(filter[k]) : undefined);
  const gt = bound('gt');
  const gte = bound('gte');
  const lt = bound('lt');
  const lte = bound('lte');
  if (gt !== undefined && !(created > gt)) return false;
  if (gte !== undefined && !(created >= gte)) return false;
  if (lt !== undefined && !(created < lt)) return false;
  if (lte !== undefined && !(created <= lte)) return false;
  return true;
}

/** Cursor pagination over items already in Stripe order (newest first). */
export function paginate<T extends { id: string }>(items: T[], params: Params, url: string): ListEnvelope<T> {
  const limit = optInt(params, 'limit') ?? 10;
  if (limit < 1 || limit > 100) throw invalidParam('limit', 'This value must be between 1 and 100.', 'parameter_invalid_integer');
  const startingAfter = optString(params, 'starting_after');
  const endingBefore = optString(params, 'ending_before');
  if (startingAfter) {
    const index = items.findIndex((i) => i.id === startingAfter);
    if (index === -1) throw notFound('object', startingAfter, 'starting_after');
    const rest = items.slice(index + 1);
    return { object: 'list', data: rest.slice(0, limit), has_more: rest.length > limit, url };
  }
  if (endingBefore) {
    const index = items.findIndex((i) => i.id === endingBefore);
    if (index === -1) throw notFound('object', endingBefore, 'ending_before');
    const before = items.slice(0, index);
    const page = before.slice(Math.max(0, before.length - limit));
    return { object: 'list', data: page, has_more: before.length > limit, url };
  }
  return { object: 'list', data: items.slice(0, limit), has_more: items.length > limit, url };
}

/** Replaces ids with objects along each `expand[]` path (`latest_invoice.payment_intent`, `data.customer`). */
export function expandObject(store: Store, value: unknown, paths: string[]): unknown {
  if (paths.length === 0) return value;
  const copy = structuredClone(value);
  for (const path of paths) expandPath(store, copy, path.split('.'));
  return copy;
}

function expandPath(store: Store, node: unknown, segments: string[]): void {
  if (segments.length === 0 || node === null || typeof node !== 'object') return;
  const [head, ...rest] = segments as [string, ...string[]];
  const record = node as Record<string, unknown>;
  if (Array.isArray(node)) {
    for (const item of node) expandPath(store, item, segments);
    return;
  }
  let child = record[head];
  if (typeof child === 'string') {
    const found = store.find(child);
    if (found) {
      child = structuredClone(found);
      record[head] = child;
    }
  }
  if (Array.isArray(child)) {
    child.forEach((item, i) => {
      if (typeof item === 'string') {
        const found = store.find(item);
        if (found) (child as unknown[])[i] = structuredClone(found);
      }
    });
  }
  if (rest.length > 0) {
    if (Array.isArray(child)) for (const item of child) expandPath(store, item, rest);
    else expandPath(store, child, rest);
  }
}

export function expandList(params: Params): string[] {
  const value = params.expand;
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.filter((v): v is string => typeof v === 'string');
}

export function deletedObject(id: string, object: string): { id: string; object: string; deleted: true } {
  return { id, object, deleted: true };
}

export { badRequest };

export type ApiRequest = {
  method: string;
  path: string;
  pathParams: Record<string, string>;
  params: Params;
  account: string | null;
};

export type Route = {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  handler: (ctx: Ctx, req: ApiRequest) => unknown;
};
