import { randomBytes } from 'node:crypto';
import { badRequest } from '../errors.js';
import type { StripeEvent } from '../store.js';
import { runDue } from './billing.js';
import {
  allowParams, applyMetadata, deletedObject, getOrThrow, matchesCreated, metadataParam, optArray, optBool,
  optString, paginate, reqInt, reqString, type Ctx, type Route,
} from './common.js';
import type { WebhookEndpointObject } from '../webhooks.js';

// Events (list, retrieve), webhook endpoints, and test clocks (which drive the one global clock).

function matchesType(pattern: string, type: string): boolean {
  return pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

type TestClock = {
  id: string;
  object: 'test_helpers.test_clock';
  created: number;
  deletes_after: number;
  frozen_time: number;
  livemode: false;
  name: string | null;
  status: 'ready' | 'advancing';
  status_details: Record<string, unknown>;
};

export const eventRoutes: Route[] = [
  { method: 'GET', path: '/v1/events/:id', handler: ({ store }: Ctx, { pathParams }) => getOrThrow(store, pathParams.id!, 'event', 'event') },
  {
    method: 'GET',
    path: '/v1/events',
    handler: ({ store }, { params }) => {
      const type = optString(params, 'type');
      const types = (optArray(params, 'types') ?? []).filter((t): t is string => typeof t === 'string');
      const items = store.all<StripeEvent & { id: string; object: string }>('event').filter(
        (e) =>
          (!type || matchesType(type, e.type)) &&
          (types.length === 0 || types.some((t) => matchesType(t, e.type))) &&
          matchesCreated(params, e.created),
      );
      return paginate(items, params, '/v1/events');
    },
  },
  {
    method: 'POST',
    path: '/v1/webhook_endpoints',
    handler: ({ store }, { params }) => {
      allowParams(params, ['url', 'enabled_events', 'description', 'metadata', 'api_version', 'connect']);
      const url = reqString(params, 'url');
      const events = (optArray(params, 'enabled_events') ?? []).filter((e): e is string => typeof e === 'string');
      if (events.length === 0) throw badRequest('Missing required param: enabled_events.', 'parameter_missing', 'enabled_events');
      const secret = `whsec_${randomBytes(24).toString('hex')}`;
      const endpoint = store.insert({
        id: store.newId('we'),
        object: 'webhook_endpoint',
        api_version: optString(params, 'api_version') ?? null,
        application: null,
        created: store.now(),
        description: optString(params, 'description') ?? null,
        enabled_events: events,
        livemode: false,
        metadata: metadataParam(params.metadata),
        status: 'enabled',
        url,
      } satisfies WebhookEndpointObject);
      store.internal.webhookSecrets[endpoint.id] = secret;
      // The secret is only returned on creation, as on Stripe.
      return { ...endpoint, secret };
    },
  },
  { method: 'GET', path: '/v1/webhook_endpoints/:id', handler: ({ store }, { pathParams }) => getOrThrow(store, pathParams.id!, 'webhook_endpoint', 'webhook endpoint') },
  {
    method: 'POST',
    path: '/v1/webhook_endpoints/:id',
    handler: ({ store }, { pathParams, params }) => {
      allowParams(params, ['url', 'enabled_events', 'description', 'metadata', 'disabled']);
      const endpoint = getOrThrow<WebhookEndpointObject>(store, pathParams.id!, 'webhook_endpoint', 'webhook endpoint');
      endpoint.url = optString(params, 'url') ?? endpoint.url;
      const events = optArray(params, 'enabled_events');
      if (events) endpoint.enabled_events = events.filter((e): e is string => typeof e === 'string');
      const disabled = optBool(params, 'disabled');
      if (disabled !== undefined) endpoint.status = disabled ? 'disabled' : 'enabled';
      endpoint.metadata = applyMetadata((endpoint.metadata ?? {}) as Record<string, string>, params);
      store.touch();
      return endpoint;
    },
  },
  {
    method: 'DELETE',
    path: '/v1/webhook_endpoints/:id',
    handler: ({ store }, { pathParams }) => {
      const endpoint = getOrThrow(store, pathParams.id!, 'webhook_endpoint', 'webhook endpoint');
      store.remove(endpoint.id);
      delete store.internal.webhookSecrets[endpoint.id];
      return deletedObject(endpoint.id, 'webhook_endpoint');
    },
  },
  { method: 'GET', path: '/v1/webhook_endpoints', handler: ({ store }, { params }) => paginate(store.all('webhook_endpoint'), params, '/v1/webhook_endpoints') },
  {
    method: 'POST',
    path: '/v1/test_helpers/test_clocks',
    handler: ({ store }, { params }) => {
      allowParams(params, ['frozen_time', 'name']);
      const frozen = reqInt(params, 'frozen_time');
      return store.insert({
        id: store.newId('clock'),
        object: 'test_helpers.test_clock',
        created: store.now(),
        deletes_after: store.now() + 30 * 86400,
        frozen_time: Math.max(frozen, store.now()),
        livemode: false,
        name: optString(params, 'name') ?? null,
        status: 'ready',
        status_details: {},
      } satisfies TestClock);
    },
  },
  { method: 'GET', path: '/v1/test_helpers/test_clocks/:id', handler: ({ store }, { pathParams }) => getOrThrow(store, pathParams.id!, 'test_helpers.test_clock', 'test_clock') },
  { method: 'GET', path: '/v1/test_helpers/test_clocks', handler: ({ store }, { params }) => paginate(store.all('test_helpers.test_clock'), params, '/v1/test_helpers/test_clocks') },
  {
    method: 'POST',
    path: '/v1/test_helpers/test_clocks/:id/advance',
    handler: (ctx, { pathParams, params }) => {
      allowParams(params, ['frozen_time']);
      const clock = getOrThrow<TestClock & { [k: string]: unknown }>(ctx.store, pathParams.id!, 'test_helpers.test_clock', 'test_clock');
      const target = reqInt(params, 'frozen_time');
      if (target < clock.frozen_time) throw badRequest('Cannot advance a test clock to a time before its current frozen time.', 'test_clock_advance_backwards', 'frozen_time');
      // One global clock: advancing any test clock moves the whole emulator.
      runDue(ctx, target);
      clock.frozen_time = target;
      ctx.store.touch();
      ctx.store.emit('test_helpers.test_clock.ready', clock);
      return clock;
    },
  },
  {
    method: 'DELETE',
    path: '/v1/test_helpers/test_clocks/:id',
    handler: ({ store }, { pathParams }) => {
      const clock = getOrThrow(store, pathParams.id!, 'test_helpers.test_clock', 'test_clock');
      store.remove(clock.id);
      return deletedObject(clock.id, 'test_helpers.test_clock');
    },
  },
];


